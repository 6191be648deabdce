"""Academy repositories as they really answer (tests/oai_repositories.py): DSpace 1.x and 5+, EPrints 3,
InvenioRDM, Dataverse and a day-granularity repository, over real HTTP on loopback into real DuckDB."""

import json
import os
import shutil
import time
from pathlib import Path

import dlt
import duckdb
import pytest

from sources.academies import academies
from tests.conftest import REPO, env_for
from tests.oai_repositories import (
    OAI_ROOT,
    Repository,
    RepositoryServer,
    dataverse,
    day_granularity,
    eprints,
    forbidden,
    healthy_corpus,
    invenio,
    record,
)

pytestmark = pytest.mark.timeout(120)
EXPECTED_ROWS = {"dspace1": 3, "dspace_xoai": 3, "eprints": 4, "zenodo": 3, "dataverse": 1, "daily": 2}


def _harvest(data_dir: Path, server: RepositoryServer, repositories: list[str], **options) -> dict[str, int]:
    """One academies load as dagster-dlt runs it (no local pipeline folder); the rows loaded per table."""
    shutil.rmtree(data_dir / "dlt_pipelines", ignore_errors=True)
    pipeline = dlt.pipeline(
        pipeline_name="academies",
        destination=dlt.destinations.duckdb(str(data_dir / "warehouse.duckdb")),
        dataset_name="raw_academies",
        pipelines_dir=str(data_dir / "dlt_pipelines"),
    )
    pipeline.run(
        academies(
            base_url=server.base_url, repositories=repositories, retries=1, backoff_s=0.01, timeout_s=5, **options
        ),
        loader_file_format="parquet",
    )
    counts = pipeline.last_trace.last_normalize_info.row_counts
    return {k: v for k, v in counts.items() if not k.startswith("_dlt")}


def _query(data_dir: Path, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def _status(data_dir: Path) -> dict[str, tuple]:
    return {
        h: (s, e, u)
        for h, s, e, u in _query(data_dir, "SELECT harvest, status, error, base_url FROM raw_academies.harvest_status")
    }


def _cursor_state(data_dir: Path) -> dict:
    (state,) = _query(
        data_dir, "SELECT state FROM raw_academies._dlt_pipeline_state ORDER BY _dlt_load_id DESC LIMIT 1"
    )[0]
    from dlt.common.versioned_state import decompress_state

    return decompress_state(state)["sources"]["academies"]["resources"]["publications"]


def _list_records_asked(repo: Repository) -> list[dict]:
    return [q for q in repo.asked if q.get("verb") == "ListRecords"]


def test_the_healthy_repositories_load_while_a_broken_one_fails_alone(data_dir):
    corpus = healthy_corpus() + [forbidden()]
    names = [r.name for r in corpus]
    with RepositoryServer(corpus) as server:
        first = _harvest(data_dir, server, names)
        assert first["publications"] == sum(EXPECTED_ROWS.values())
        assert (
            dict(_query(data_dir, "SELECT source_system, count(*) FROM raw_academies.publications GROUP BY 1"))
            == EXPECTED_ROWS
        )
        status = _status(data_dir)
        forbidden_url = f"{server.base_url}/forbidden"
        assert status["forbidden"] == (
            "failed",
            f"HTTP 403 Forbidden from {forbidden_url}?verb=ListRecords&metadataPrefix=oai_dc",
            forbidden_url,
        )
        assert {h: s for h, (s, _, _) in status.items() if h != "forbidden"} == {n: "ok" for n in EXPECTED_ROWS}
        state = _cursor_state(data_dir)
        assert "forbidden" not in state["cursors"] and set(state["cursors"]) == set(EXPECTED_ROWS)
        assert state["failures"]["forbidden"]["error"] == status["forbidden"][1]

        # the next incremental run: the others are asked from their cursors, nothing new; the broken one fails again
        second = _harvest(data_dir, server, names)
        assert second.get("publications", 0) == 0
        assert _status(data_dir)["forbidden"][0] == "failed"
        assert all(any("from" in q for q in _list_records_asked(server.repositories[n])) for n in EXPECTED_ROWS)


def test_invenio_answers_oai_errors_with_422_no_records_match_is_an_empty_harvest(data_dir):
    zenodo = invenio()
    with RepositoryServer([zenodo]) as server:
        assert _harvest(data_dir, server, ["zenodo"], sets=["user-nobody"]) == {"harvest_status": 1}
        assert _status(data_dir)["zenodo set user-nobody"][:2] == ("ok", None)

        # a 422 badResumptionToken (the token expired) restarts the list instead of failing the repository
        real_answer, forgot = zenodo.answer, []

        def forgetful(query):
            if "resumptionToken" in query and not forgot:
                forgot.append(query["resumptionToken"])
                return zenodo.error(query, "badResumptionToken", "the token has expired")
            return real_answer(query)

        zenodo.answer = forgetful
        _harvest(data_dir, server, ["zenodo"])
        assert forgot and _status(data_dir)["zenodo"][0] == "ok"
        assert _query(data_dir, "SELECT count(*) FROM raw_academies.publications") == [(3,)]


def test_a_day_granularity_repository_is_harvested_twice_with_from_as_a_day(data_dir, monkeypatch):
    # the harvester's local time must not matter: a day is its UTC midnight, not Hanoi's
    monkeypatch.setenv("TZ", "Asia/Ho_Chi_Minh")
    time.tzset()
    try:
        daily = day_granularity()
        with RepositoryServer([daily]) as server:
            assert _harvest(data_dir, server, ["daily"])["publications"] == 2
            stamps = dict(
                _query(
                    data_dir,
                    "SELECT source_id, strftime(datestamp AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M') "
                    "FROM raw_academies.publications",
                )
            )
            assert stamps == {
                "oai:lib.example.vn:501": "2016-03-07T00:00",
                "oai:lib.example.vn:502": "2016-03-08T00:00",
            }
            assert _cursor_state(data_dir)["identify"]["daily"]["granularity"] == "YYYY-MM-DD"

            daily.records.append(
                record(
                    "oai:lib.example.vn:503",
                    "2016-03-09",
                    ["all"],
                    "<dc:title>Nước ngầm Tây Nguyên</dc:title><dc:date>2016</dc:date>",
                )
            )
            assert _harvest(data_dir, server, ["daily"])["publications"] == 1  # 502, at the cursor, is not loaded again
            assert _list_records_asked(daily)[-1]["from"] == "2016-03-08"
            assert _status(data_dir)["daily"][:2] == ("ok", None)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_page_with_one_illegal_character_loads_every_other_record(data_dir):
    with RepositoryServer([eprints()]) as server:
        assert _harvest(data_dir, server, ["eprints"])["publications"] == 4
    rows = {
        key: (title, error, raw)
        for key, title, error, raw in _query(
            data_dir, "SELECT source_id, title, parse_error, raw_xml FROM raw_academies.publications"
        )
    }
    readable = {k: t for k, (t, e, _) in rows.items() if e is None}
    assert readable == {
        "oai:eprints.vass.gov.vn:11": "Kinh tế hộ nông dân vùng Tây Bắc",
        "oai:eprints.vass.gov.vn:12": "Di cư lao động nội địa",
        "oai:eprints.vass.gov.vn:14": "Văn hoá làng",
    }
    _, error, raw = rows["oai:eprints.vass.gov.vn:13"]  # the record that is not well-formed, alone
    assert "not well-formed" in error and "R&D ở Việt Nam" in raw


def test_a_page_cut_short_is_asked_again_and_a_repository_that_only_cuts_fails_alone(data_dir):
    def cut_first_page_once(repo, query):
        if query.get("verb") == "ListRecords" and len(_list_records_asked(repo)) == 1:
            status, body = repo.answer({**query, "_again": "1"})  # the real page, then only its first half
            return status, body[: len(body) // 2]
        return None

    flaky = dataverse()
    flaky.intercept = cut_first_page_once
    always_cut = Repository(
        "cut",
        flaky.identify,
        [],
        intercept=lambda repo, query: (
            200,
            b'<?xml version="1.0" encoding="UTF-8"?>' + OAI_ROOT.encode() + b"<ListRecords><record><header>",
        ),
    )
    with RepositoryServer([flaky, always_cut]) as server:
        assert _harvest(data_dir, server, ["dataverse", "cut"])["publications"] == 1
    assert len([q for q in _list_records_asked(flaky) if "_again" not in q]) == 2  # the cut page asked once more
    status = _status(data_dir)
    assert status["dataverse"][0] == "ok"
    assert status["cut"][0] == "failed" and "TruncatedPage" in status["cut"][1]


def test_years_dois_and_titles_as_the_records_say(data_dir):
    from warehouse.database import connect
    from warehouse.modelling import discover, run_model

    with RepositoryServer(healthy_corpus()) as server:
        _harvest(data_dir, server, list(EXPECTED_ROWS))
    with connect(data_dir / "warehouse.duckdb") as con:
        run_model(con, next(m for m in discover() if m.table == "staging.academy_publications"))
        rows = {
            key: (title, year, doi, json.loads(titles) if titles else None, json.loads(sets) if sets else None)
            for key, title, year, doi, titles, sets in con.execute(
                "SELECT source_id, title_received, year, doi, titles, set_specs FROM staging.academy_publications "
                "WHERE NOT deleted"
            ).fetchall()
        }
    title, year, doi = lambda k: rows[k][0], lambda k: rows[k][1], lambda k: rows[k][2]  # noqa: E731

    # DSpace: accessioned, available, issued: the paper of 2000 deposited in 2003 is of 2000
    assert year("oai:repository.vast.vn:123456789/101") == 2000
    assert year("oai:repository.vast.vn:123456789/102") == 2009
    assert year("oai:repository.vnu.edu.vn:VNU_123/201") == 2014
    assert year("oai:zenodo.org:7") == 2021  # not the embargo's end
    assert {k: doi(k) for k in rows} == {
        "oai:repository.vast.vn:123456789/101": "10.1016/s0006-3207(00)00012-3",  # http://dx.doi.org/
        "oai:repository.vast.vn:123456789/102": "10.1038/nature12373",  # DOI: 10.1038/NATURE12373
        "oai:repository.vnu.edu.vn:VNU_123/201": "10.1016/j.scitotenv.2014.01.001",
        "oai:repository.vnu.edu.vn:VNU_123/202": "10.1088/1748-9326/ab1234",  # in dc:relation
        "oai:repository.vnu.edu.vn:VNU_123/203": None,
        "oai:eprints.vass.gov.vn:11": "10.5061/dryad.abc123",
        "oai:eprints.vass.gov.vn:12": "10.1111/j.1365-2486.2015.01234.x",  # inside the citation
        "oai:eprints.vass.gov.vn:14": None,
        "oai:zenodo.org:7": "10.5281/zenodo.7",  # its own DOI, not the concept DOI of dc:relation
        "oai:zenodo.org:8": "10.1234/vjs.2022.8",  # info:eu-repo/semantics/altIdentifier/doi/
        "oai:zenodo.org:9": None,
        "doi:10.7910/DVN/TJCLKP": "10.7910/dvn/tjclkp",  # doi:
        "oai:lib.example.vn:501": "10.5061/dryad.2bvq83bq",  # bare
        "oai:lib.example.vn:502": None,
    }
    # the main title in the record's language, else the Vietnamese one; every title kept with its language
    assert title("oai:repository.vnu.edu.vn:VNU_123/201") == "Asen trong nước ngầm đồng bằng sông Hồng"
    assert rows["oai:repository.vnu.edu.vn:VNU_123/201"][3] == [
        {"text": "Groundwater arsenic in the Red River delta", "lang": "en"},
        {"text": "Asen trong nước ngầm đồng bằng sông Hồng", "lang": "vi"},
    ]
    assert title("oai:repository.vnu.edu.vn:VNU_123/202") == "Flood risk under sea level rise"
    assert len(rows["oai:repository.vnu.edu.vn:VNU_123/202"][3]) == 2
    assert title("doi:10.7910/DVN/TJCLKP") == "Khảo sát hộ gia đình đồng bằng sông Cửu Long"
    assert title("oai:repository.vast.vn:123456789/102") == "Kháng kháng sinh ở E. coli phân lập từ gà"  # inline <i>
    assert title("oai:repository.vnu.edu.vn:VNU_123/203") == "Nghiên cứu phù sa sông Hồng"
    assert rows["oai:repository.vnu.edu.vn:VNU_123/201"][4] == ["com_VNU_123_1", "col_VNU_123_2", "col_VNU_123_3"]
    assert rows["oai:repository.vast.vn:123456789/101"][4] == ["hdl_123456789_5", "hdl_123456789_7"]


@pytest.mark.timeout(600)
def test_academies_refresh_succeeds_on_a_fresh_data_folder(demo_dir, tmp_path):
    from demo.simulator import SourceSimulator
    from pipelines.runs import run_job

    data, dagster_home = tmp_path / "data", tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copyfile(REPO / "instance" / "dagster.yaml", dagster_home / "dagster.yaml")
    with SourceSimulator(demo_dir) as sim, pytest.MonkeyPatch.context() as mp:
        for key, value in env_for(sim, data).items():
            mp.setenv(key, value)
        mp.setenv("DAGSTER_HOME", str(dagster_home))
        sim.drop_reports(data / "intake")  # the provinces' files: the snapshot publishes their statistics too
        result = run_job("academies_refresh", log_level="WARNING")
    failures = [str(e.event_specific_data.error.message)[:500] for e in result.all_events if e.is_step_failure]
    assert result.success, failures
    assert os.path.exists(data / "published" / "csdl.duckdb")
    with duckdb.connect(str(data / "published" / "csdl.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core.fct_publication").fetchall()[0][0] > 0
        assert con.execute("SELECT count(*) FROM core.bridge_publication_author").fetchall()[0][0] > 0
