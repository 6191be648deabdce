"""Entity matching on small hand-made cases of each kind of variant: each asserts match or non-match."""

import unicodedata

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from warehouse.matching.organizations import match_organizations
from warehouse.matching.publications import same_publication
from warehouse.matching.researchers import match_researchers
from warehouse.matching.tasks import find_task_duplicates


def _org(source, name, **extra):
    return {
        "source_system": source,
        "source_id": f"{source}-1",
        "name": name,
        "org_type": "vien_nghien_cuu",
        "established_year": 1975,
        **extra,
    }


def _same_org(a: dict, b: dict) -> bool:
    ids = match_organizations([a, b])
    return ids[(a["source_system"], a["source_id"])] == ids[(b["source_system"], b["source_id"])]


@pytest.mark.parametrize(
    "name_a, name_b",
    [
        ("Đại học Quốc gia Hà Nội", "ĐHQG HN"),
        ("Viện Hàn lâm Khoa học và Công nghệ Việt Nam", "Viện HL KH&CN VN"),
        ("Viện Hóa học", "Vien Hoa hoc"),  # diacritics stripped
        ("Viện Hóa học", "VIỆN HÓA HỌC"),  # upper case
        ("Viện Thủy lợi Hòa Bình", unicodedata.normalize("NFD", "Viện Thuỷ lợi Hoà Bình")),  # NFD, old tone placement
        ("Trường Đại học Y Hà Nội", "ĐH Y Hà Nội"),
        ("Trung tâm Nghiên cứu Cơ khí Hà Nội", "  TT  NC Cơ khí Hà Nội "),
        ("Viện Nghiên cứu Hải sản", "Viện Nghiên cứu Hải săn"),  # a typo, same type and year
        # repaired TCVN3 text: the legacy fonts had no toned capitals, so they come back in lower case
        ("Viện Ứng dụng Công nghệ Ẩm thực", "Viện ứng dụng Công nghệ ẩm thực"),
    ],
)
def test_organisation_name_variants_match(name_a, name_b):
    assert _same_org(_org("BNN", name_a), _org("BKHCN", name_b))


def test_an_old_name_matches_through_the_ror_id():
    assert _same_org(
        _org("BKHCN", "Viện Khoa học và Công nghệ Việt Nam", ror="https://ror.org/02wsd5p50"),
        _org("BGDDT", "Viện Hàn lâm Khoa học và Công nghệ Việt Nam", ror="https://ror.org/02wsd5p50"),
    )


@pytest.mark.parametrize(
    "name_a, name_b",
    [
        ("Viện Công nghệ Sinh học Miền Bắc", "Viện Công nghệ Sinh học Miền Nam"),
        ("Trường Đại học Hà Nội 2016", "Trường Đại học Hà Nội 2065"),
        ("Viện Hóa học", "Viện Vật lý"),
    ],
)
def test_different_organisations_do_not_match(name_a, name_b):
    assert not _same_org(_org("BNN", name_a), _org("BKHCN", name_b))


def _person(source, name, birth_year=1980, org="TC-1", sex="nam", orcid=None):
    return {
        "source_system": source,
        "source_id": f"{source}-NL",
        "full_name": name,
        "birth_year": birth_year,
        "sex": sex,
        "org_source_id": org,
        "orcid": orcid,
    }


ORG_IDS = {("BYT", "TC-1"): "ORG-a", ("BKHCN", "TC-1"): "ORG-a", ("BKHCN", "TC-2"): "ORG-b"}


def _same_person(a: dict, b: dict) -> bool:
    ids = match_researchers([a, b], ORG_IDS)
    return ids[(a["source_system"], a["source_id"])] == ids[(b["source_system"], b["source_id"])]


@pytest.mark.parametrize(
    "name_b",
    ["Nguyen Van An", "An Nguyễn Văn", "An Nguyen Van", "NGUYỄN VĂN AN", unicodedata.normalize("NFD", "Nguyễn Văn An")],
)
def test_researcher_name_order_and_diacritic_variants_match(name_b):
    assert _same_person(_person("BYT", "Nguyễn Văn An"), _person("BKHCN", name_b))


def test_researcher_matches_through_orcid_despite_a_changed_name():
    assert _same_person(
        _person("BYT", "Lê Thị Hoa", sex="nu", orcid="0000-0002-1825-0097"),
        _person("BKHCN", "Lê Thị Hoà Bình", sex="nu", orcid="0000-0002-1825-0097"),
    )


@pytest.mark.parametrize(
    "change",
    [
        {"birth_year": 1981},  # namesake born another year
        {"org": "TC-2"},  # namesake at another organisation
        {"name": "Nguyễn Văn Anh"},  # another name
    ],
)
def test_namesakes_are_different_researchers(change):
    other = _person(
        "BKHCN",
        change.get("name", "Nguyễn Văn An"),
        birth_year=change.get("birth_year", 1980),
        org=change.get("org", "TC-1"),
    )
    assert not _same_person(_person("BYT", "Nguyễn Văn An"), other)


def test_namesakes_with_different_orcids_are_different_researchers():
    assert not _same_person(
        _person("BYT", "Nguyễn Văn An", orcid="0000-0001-0000-0001"),
        _person("BKHCN", "Nguyễn Văn An", orcid="0000-0001-0000-0002"),
    )


PAPER = {
    "title": "Đánh giá giống lúa chịu mặn năng suất cao ở Việt Nam",
    "creators": ["Nguyễn Văn An", "Trần Thị Bình"],
    "venue": "Tạp chí Khoa học và Công nghệ Việt Nam",
    "year": 2021,
}


@pytest.mark.parametrize(
    "variant",
    [
        {"title": PAPER["title"].upper()},
        {
            "title": "Danh gia giong lua chiu man nang suat cao o Viet Nam",
            "creators": ["An Nguyen Van", "Binh Tran Thi"],
        },
        {"title": PAPER["title"] + "."},
    ],
)
def test_publication_variants_from_another_repository_match(variant):
    assert same_publication(PAPER, {**PAPER, **variant})


@pytest.mark.parametrize(
    "variant",
    [
        {"title": "Đánh giá giống lúa chịu hạn ở Việt Nam", "creators": ["Lê Văn Cường"]},
        {"year": 2019},
    ],
)
def test_different_publications_do_not_match(variant):
    assert not same_publication(PAPER, {**PAPER, **variant})


def test_dblp_acm_style_records_match_across_venue_names_but_not_across_parts():
    dblp = {
        "title": "database tuning : principles , experiments , and troubleshooting techniques ( part i )",
        "authors": "dennis shasha , philippe bonnet",
        "venue": "sigmod conference",
        "year": "2002",
    }
    acm = {
        **dblp,
        "authors": "philippe bonnet , dennis shasha",
        "venue": "international conference on management of data",
    }
    assert same_publication(dblp, acm)
    assert not same_publication(dblp, {**acm, "title": dblp["title"].replace("part i", "part ii")})


def _task(source, title, pi="NCV-1", host="ORG-1", level="BO", start=2020, end=2021, number=1):
    return {
        "source_system": source,
        "source_id": f"{source}-NV-{number}",
        "title": title,
        "level": level,
        "managing_body": source,
        "start_year": start,
        "end_year": end,
        "pi": pi,
        "host": host,
    }


TITLE = "Nghiên cứu ứng dụng giống tôm thẻ chân trắng sạch bệnh phục vụ xuất khẩu tại Cà Mau"


def _pairs(*tasks):
    pairs, clusters = find_task_duplicates(list(tasks))
    return {frozenset((p.a, p.b)): p for p in pairs}, clusters


def test_a_reworded_task_under_another_body_is_a_candidate_with_reasons():
    reworded = "Ung dung giong tom the chan trang sach benh dap ung xuat khau o Ca Mau"
    pairs, _ = _pairs(_task("BNN", TITLE), _task("BKHCN", reworded, level="QG", start=2021, end=2023))
    (pair,) = pairs.values()
    assert pair.score > 0.9 and pair.same_pi
    assert "cùng chủ nhiệm" in pair.reasons_vi and "BNN / BKHCN" in pair.reasons_vi
    assert "different levels (BO / QG)" in pair.reasons_en


def test_a_colleague_at_the_same_host_registering_it_elsewhere_is_a_candidate():
    pairs, _ = _pairs(_task("BNN", TITLE), _task("BKHCN", TITLE, pi="NCV-2"))
    (pair,) = pairs.values()
    assert not pair.same_pi and "same host" in pair.reasons_en


@pytest.mark.parametrize(
    "other",
    [
        _task("BNN", TITLE, pi="NCV-2", level="CS", number=2),  # same body, another level, another investigator
        _task("BKHCN", TITLE, start=2024, end=2025),  # years apart
        _task(
            "BKHCN", "Nghiên cứu ứng dụng giống lúa chịu mặn năng suất cao phục vụ xuất khẩu tại Cà Mau"
        ),  # other work
        _task("BKHCN", TITLE, pi="NCV-2", host="ORG-2"),  # no shared investigator or host
    ],
)
def test_tasks_that_are_not_the_same_work_are_not_candidates(other):
    pairs, _ = _pairs(_task("BNN", TITLE), other)
    assert pairs == {}


def test_three_registrations_of_one_work_are_one_cluster():
    tasks = [_task("BNN", TITLE), _task("BKHCN", TITLE, level="QG"), _task("BYT", TITLE.replace(" tại ", " ở "))]
    pairs, clusters = _pairs(*tasks)
    assert len(pairs) == 3 and len(set(clusters.values())) == 1


def test_a_missing_year_or_venue_is_not_a_disagreement():
    dblp = {
        "title": "efficient filtering of xml documents with xpath expressions",
        "authors": "chee-yong chan , pascal felber , minos garofalakis , rajeev rastogi",
        "venue": "vldb j.",
        "year": "2002",
    }
    scholar = {
        "title": "xtrie : efficient filtering of xml documents with xpath expressions",
        "authors": "c chan , p felber , m garofalakis , r rastogi",
        "venue": "",
        "year": "",
    }
    assert same_publication(dblp, scholar)


def test_values_moved_into_the_title_still_match():
    clean = {
        "title": "diluting acid",
        "authors": "tim kempster , colin stirling , peter thanisch",
        "venue": "sigmod record",
        "year": "1999",
    }
    dirty = {
        "title": "diluting acid acm sigmod record tim kempster , colin stirling , peter thanisch",
        "authors": "",
        "venue": "",
        "year": "1999.0",
    }
    assert same_publication(clean, dirty)
    other = {
        "title": "query optimization by predicate move-around acm sigmod record jim gray",
        "authors": "",
        "venue": "",
        "year": "1999",
    }
    assert not same_publication(clean, other)


def test_the_same_title_by_other_authors_in_another_year_is_another_work():
    a = {"title": "chair 's message", "authors": "richard snodgrass", "venue": "sigmod record", "year": "1998"}
    assert not same_publication(a, {**a, "authors": "ahmed elmagarmid", "year": "2003"})


def test_the_same_title_by_other_authors_a_year_later_is_another_work():
    other = {**PAPER, "creators": ["Lê Văn Cường", "Phạm Thị Dung"], "year": PAPER["year"] + 1}
    assert not same_publication(PAPER, other)


def test_scraping_debris_glued_to_an_author_name_is_not_another_author():
    dblp = {
        "title": "random sampling for histogram construction : how much is enough ?",
        "authors": "s chaudhuri , r motwani , v narasayya",
        "venue": "sigmod conference",
        "year": "1998",
    }
    scholar = {
        "title": "random sampling for histogram construction",
        "authors": "s chaudhuriâ ? ¦",
        "venue": "",
        "year": "1998.0",
    }  # "…" in UTF-8 read as Latin-1
    assert same_publication(dblp, scholar)


def test_a_conference_paper_and_its_journal_version_years_later_are_two_works():
    conference = {
        "title": "optimization of queries with user-defined predicates",
        "authors": "surajit chaudhuri , kyuseok shim",
        "venue": "vldb",
        "year": "1996",
    }
    assert same_publication(conference, {**conference, "venue": "very large data bases"})
    assert not same_publication(
        conference, {**conference, "venue": "acm transactions on database systems ( tods )", "year": "1999"}
    )


def test_a_scraped_title_garbled_at_both_ends_still_shares_a_block():
    from warehouse.matching.publications import block_keys

    clean = {"title": "modeling skewed distributions using multifractals and the 80-20 law"}
    scraped = {
        "title": "andez , s stolfo . modeling skewed distribution using multifractals and the w-20 lawâ ?? c faloutsos"
    }
    assert set(block_keys(clean)) & set(block_keys(scraped))


def test_publication_blocking_needs_no_year():
    from warehouse.matching.publications import block_keys

    with_year = {"title": "Efficient filtering of XML documents with XPath expressions", "year": 2002}
    scraped = {"title": "XTrie: efficient filtering of XML documents with XPath expressions", "year": None}
    dirty = {"title": "efficient filtering of xml documents with xpath expressions vldb j. 2002"}
    assert set(block_keys(with_year)) & set(block_keys(scraped))
    assert set(block_keys(with_year)) & set(block_keys(dirty))


def test_match_eval_scores_labelled_pairs_and_ends_with_the_figures(tmp_path):
    record = "COL title VAL {} COL authors VAL jim gray COL venue VAL vldb COL year VAL 1995"
    lines = [
        f"{record.format('transaction processing')}\t{record.format('transaction processing')}\t1",
        f"{record.format('transaction processing')}\t{record.format('query optimisation')}\t0",
    ]
    path = tmp_path / "pairs.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["match-eval", "--pairs", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "precision=1.0000 recall=1.0000 f1=1.0000"
    assert "blocking: pair_completeness=1.0000 (1 of 1 matches share a block)" in result.output


def test_match_eval_names_the_file_and_line_of_a_malformed_pair(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("COL title VAL a\tCOL title VAL a\t1\nCOL title VAL b\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["match-eval", "--pairs", str(path)])
    assert result.exit_code != 0
    assert "pairs.txt, line 2" in result.output
