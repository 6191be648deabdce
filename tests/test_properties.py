"""Properties of the parsers and normal forms every source goes through, checked on generated inputs
(hypothesis, profile in tests/conftest.py): Vietnamese numbers and dates as offices type them, the stored
text normal form and the legacy font encodings, the province a code names on a date, DOIs and codes, and
the incremental cursor that must neither skip a record nor load one twice."""

import unicodedata
from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from sources.academies.records import doi_of
from sources.cursors import TS, SenderCursors
from sources.http import EPOCH
from sources.provinces.layout import normalise_province_code
from sources.provinces.report import ReportFileError, resolve_province
from sources.provinces.values import (AmbiguousNumber, file_decimal_separator, find_date_in_words, neutralise,
                                     parse_date, parse_number, parse_revision, parse_year, unit_factor)
from sources.vietnamese import fold, from_legacy, normalize, to_legacy
from tests.test_reference import CODE_IN_NAME, MERGER, _conversion_rows, _official_former
from warehouse.names import person_key

# -- Vietnamese text ----------------------------------------------------------------------------------
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # none, huyền, sắc, hỏi, ngã, nặng
VOWELS = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]
# Syllable onsets of Vietnamese (the alphabet's consonants and digraphs); "q" only as "qu".
ONSETS = ["", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "nh", "p", "ph",
          "r", "s", "t", "th", "tr", "v", "x"]
CODAS = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"]


@st.composite
def syllables(draw) -> str:
    """A Vietnamese-looking syllable in NFC: onset, one or two vowels (one toned), coda; any case."""
    vowels = draw(st.lists(st.sampled_from(VOWELS), min_size=1, max_size=2))
    toned = draw(st.integers(0, len(vowels) - 1))
    vowels[toned] += draw(st.sampled_from(TONES))
    word = draw(st.sampled_from(ONSETS)) + "".join(vowels) + draw(st.sampled_from(CODAS))
    word = unicodedata.normalize("NFC", word)
    return draw(st.sampled_from([word, word.capitalize(), word.upper()]))


phrases = st.lists(syllables(), min_size=1, max_size=6).map(" ".join)
# Any text at all: letters of every script, combining marks alone, odd spaces, punctuation.
any_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
forms = st.sampled_from(["NFC", "NFD"])


@given(any_text | phrases)
def test_the_normal_form_is_nfc_single_spaced_and_a_fixed_point(text):
    once = normalize(text)
    assert unicodedata.is_normalized("NFC", once)
    assert once == once.strip() and "  " not in once
    assert normalize(once) == once


@given(phrases, forms, st.sampled_from([" ", "  ", "\t", "\u00a0", "\n"]))
def test_the_same_words_in_nfc_or_nfd_and_any_spacing_have_one_normal_form(text, form, gap):
    typed = gap + gap.join(unicodedata.normalize(form, text).split(" ")) + gap
    assert normalize(typed) == normalize(text)
    assert fold(typed) == fold(text)


@given(st.sampled_from(["h", "th", "kh", "l", "t", "x", "ng", "ch"]), st.sampled_from(["oa", "oe", "uy"]),
       st.sampled_from(TONES[1:]), forms)
@example("h", "oa", "\u0300", "NFC")  # "hoà" -> "hòa"
@example("th", "uy", "\u0309", "NFC")  # "thuỷ" -> "thủy"
def test_a_tone_on_the_second_vowel_of_a_final_oa_oe_uy_moves_to_the_first(onset, pair, tone, form):
    old_style = unicodedata.normalize(form, onset + pair[0] + pair[1] + tone)
    new_style = unicodedata.normalize("NFC", onset + pair[0] + tone + pair[1])
    assert normalize(old_style) == new_style
    assert normalize(new_style) == new_style
    assert normalize(old_style.upper()) == new_style.upper()


@given(st.sampled_from(TONES[1:]), st.sampled_from(["", "t", "nh"]))
def test_after_qu_and_before_a_final_consonant_the_tone_stays_where_it_is(tone, coda):
    quy = unicodedata.normalize("NFC", "qu" + "y" + tone)  # "u" of "qu" is a consonant: "quý"
    assert normalize(quy) == quy
    if coda:  # "hoạch", "toét": a vowel pair followed by a consonant keeps its tone on the second
        closed = unicodedata.normalize("NFC", "ho" + "a" + tone + coda)
        assert normalize(closed) == closed


@given(any_text | phrases)
def test_the_matching_key_ignores_case_diacritics_and_the_normal_form(text):
    key = fold(text)
    assert fold(key) == key
    assert fold(normalize(text)) == key
    assert fold(text.upper()) == fold(text.lower()) or not text.isascii()
    assert not any(unicodedata.combining(ch) for ch in key) and "đ" not in key


@given(st.lists(syllables().map(str.lower), min_size=1, max_size=8).map(" ".join))
def test_tcvn3_text_reads_back_as_the_unicode_it_was_typed_from(text):
    assert from_legacy(to_legacy(text, "tcvn3"), "tcvn3") == text


@given(phrases)
def test_vni_text_reads_back_as_the_unicode_it_was_typed_from(text):
    assert from_legacy(to_legacy(text, "vni"), "vni") == text


@given(phrases.filter(lambda t: not t.isascii()), st.sampled_from(["tcvn3", "vni"]))
def test_legacy_text_never_keeps_a_vietnamese_letter_beyond_latin_1(text, encoding):
    """What the old fonts stored: one-byte look-alikes; a letter above U+00FF left over would mean a
    letter the table forgot."""
    legacy = to_legacy(text if encoding == "vni" else text.lower(), encoding)
    assert all(ord(ch) < 0x100 for ch in legacy)


@given(st.lists(syllables(), min_size=2, max_size=4), st.randoms(use_true_random=False))
def test_a_person_has_one_key_whatever_the_order_of_the_names_and_diacritics(names, rng):
    shuffled = names[:]
    rng.shuffle(shuffled)
    assert person_key(" ".join(shuffled)) == person_key(" ".join(names)) == person_key(fold(" ".join(names)))


# -- numbers and dates as offices type them ---------------------------------------------------------------
def _grouped(whole: int, sep: str) -> str:
    return f"{whole:,}".replace(",", sep)


@given(st.integers(0, 10**12), st.integers(0, 99), st.booleans())
def test_a_number_in_either_locale_reads_as_its_value(whole, cents, negative):
    sign = "-" if negative else ""
    expected = (-1 if negative else 1) * (whole + cents / 100)
    vietnamese = f"{sign}{_grouped(whole, '.')},{cents:02d}"  # 1.234.567,89
    english = f"{sign}{_grouped(whole, ',')}.{cents:02d}"  # 1,234,567.89
    assert parse_number(vietnamese, decimal=",") == pytest.approx(expected)
    assert parse_number(english, decimal=".") == pytest.approx(expected)
    if whole >= 1000:  # both separators in the cell: it proves its own, whatever the file's other cells say
        assert parse_number(vietnamese, decimal=".") == pytest.approx(expected)
        assert parse_number(english, decimal=",") == pytest.approx(expected)


@given(st.integers(1000, 10**12), st.sampled_from([".", ",", " ", "\u00a0"]))
def test_a_whole_quantity_grouped_by_thousands_reads_as_that_many(count, sep):
    """People and organisations are never fractional: '1.234' of them is one thousand two hundred and thirty-four."""
    assert parse_number(_grouped(count, sep), whole=True) == count


@given(st.integers(1, 999), st.integers(0, 999))
def test_a_single_separator_before_three_digits_is_ambiguous_without_the_files_word(head, tail):
    for sep in (".", ","):
        with pytest.raises(AmbiguousNumber):
            parse_number(f"{head}{sep}{tail:03d}")
        decimal = parse_number(f"{head}{sep}{tail:03d}", decimal=sep)
        assert decimal == pytest.approx(head + tail / 1000)


signed_dates = st.dates(date(1990, 1, 1), date(2035, 12, 31))


@given(signed_dates, st.sampled_from(["/", ".", "-"]), st.booleans())
def test_a_date_in_figures_reads_day_first(day, sep, padded):
    text = (f"{day.day:02d}{sep}{day.month:02d}{sep}{day.year}" if padded
            else f"{day.day}{sep}{day.month}{sep}{day.year}")
    assert parse_date(text) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.year}/{day.month}/{day.day}") == day


@given(signed_dates, st.sampled_from(["Hà Nội, ngày", "TP. Hồ Chí Minh, Ngày", "ngay", "NGÀY"]), forms)
def test_a_date_in_words_on_the_signature_line_reads_as_signed(day, opening, form):
    text = unicodedata.normalize(form, f"{opening} {day.day:02d} tháng {day.month:02d} năm {day.year}")
    assert parse_date(text) == day


@given(signed_dates)
def test_an_excel_serial_number_reads_as_its_day(day):
    serial = (day - date(1899, 12, 30)).days
    assert parse_date(serial) == day and parse_date(float(serial)) == day


@given(st.integers(2000, 2035), st.sampled_from([(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31), (13, 1)]))
def test_a_day_that_does_not_exist_is_no_date(year, month_day):
    month, day = month_day
    assert parse_date(f"{day:02d}/{month:02d}/{year}") is None


# -- the other cells of a report: submission, year, unit, text a spreadsheet would run ------------------------
@given(st.integers(1, 30), st.sampled_from(["{}", "Lần {}", "lần thứ {}", "Lần {} (bổ sung)", "LẦN {}"]), st.booleans())
def test_a_submission_number_in_figures_reads_as_that_number(number, written, as_float):
    assert parse_revision(float(number) if as_float else written.format(number)) == number


@pytest.mark.parametrize("written, number", [
    ("Lần đầu", 1), ("lần thứ nhất", 1), ("Lần thứ hai", 2), ("lần thứ ba", 3), ("lần thứ tư", 4), ("Lần thứ năm", 5),
    ("Bổ sung", 2), ("Báo cáo sửa đổi", 2), ("chính thức", None), ("", None), (None, None),
])
def test_a_submission_number_in_words_reads_as_officers_mean_it(written, number):
    assert parse_revision(written) == number


@given(st.integers(1990, 2035), st.sampled_from(["{}", "Năm {}", "năm báo cáo: {}", " {} ", "{}.0"]), st.booleans())
def test_a_reporting_year_reads_from_the_cell_however_it_is_written(year, written, as_number):
    assert parse_year((float(year) if written.endswith(".0") else year) if as_number else written.format(year)) == year


@pytest.mark.parametrize("cell", [None, "", "năm nay", "12345", "1899"])
def test_a_cell_without_a_year_is_no_year(cell):
    assert parse_year(cell) is None


MILLION_DONG = "triệu đồng"
# How many million đồng one of each unit is (hand-written: 1 tỷ = 1 000 triệu, 1 nghìn = 0.001 triệu).
IN_MILLIONS = {"triệu đồng": 1, "Triệu đồng": 1, "tr.đồng": 1, "triệu": 1, "tỷ đồng": 1000, "Tỷ VNĐ": 1000, "tỉ đồng": 1000,
               "nghìn đồng": 0.001, "ngàn đồng": 0.001, "đồng": 1e-6, "VND": 1e-6, "": 1, None: 1}


@given(st.sampled_from(sorted(IN_MILLIONS, key=str)), st.integers(0, 10**9))
def test_an_amount_in_any_known_money_unit_is_the_same_in_million_dong(unit, amount):
    assert amount * unit_factor(unit, MILLION_DONG) == pytest.approx(amount * IN_MILLIONS[unit])


@pytest.mark.parametrize("received, template", [("USD", MILLION_DONG), ("tỷ đồng", "người"), ("tỷ đồng", None),
                                                ("người", "tổ chức")])
def test_a_unit_without_a_known_factor_has_none(received, template):
    assert unit_factor(received, template) is None


@given(st.sampled_from(["=", "@", "+", "-", "\t", "\r"]), st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]),
                                                                     max_size=20).filter(lambda t: not t[:1].isdigit()))
def test_text_a_spreadsheet_would_run_is_stored_with_an_apostrophe(start, rest):
    text = start + "HYPERLINK(" + rest
    assert neutralise(text) == "'" + text


@given(st.integers(-10**6, 10**6), st.sampled_from(["{}", "+{}", "{},5", "-{}.25"]))
def test_a_signed_number_and_ordinary_text_are_stored_as_typed(number, written):
    number_text = written.format(abs(number)) if written.startswith(("+", "-")) else written.format(number)
    assert neutralise(number_text) == number_text
    assert neutralise("Số tổ chức = 5") == "Số tổ chức = 5" and neutralise(5) == 5 and neutralise(None) is None


@given(st.integers(0, 6), st.integers(0, 6), st.integers(0, 4))
def test_a_files_decimal_separator_is_the_one_most_of_its_cells_prove(commas, points, silent):
    cells = ["1.234,5"] * commas + ["1,234.5"] * points + ["12"] * silent + [None, 7.5]
    expected = None if commas == points else ("," if commas > points else ".")
    assert file_decimal_separator(cells) == expected


@given(signed_dates)
def test_only_a_date_in_words_is_the_signature_date(day):
    assert find_date_in_words(f"Hà Nội, ngày {day.day} tháng {day.month} năm {day.year}") == day
    assert find_date_in_words(f"{day.day:02d}/{day.month:02d}/{day.year}") is None


# -- the province a code names on a date (Resolution 202/2025/QH15, from ../shared/reference) ----------------
FORMER = _official_former()
CURRENT = {CODE_IN_NAME.match(r[0].strip()).group(2): CODE_IN_NAME.match(r[0].strip()).group(1).strip()
           for r in _conversion_rows()}
SUCCESSOR = {old: new for new, olds in MERGER.items() for old in olds.split()}
# the 63 units stood from 1 August 2008 (Hà Tây into Hà Nội) to 30 June 2025
before_the_merger, after_the_merger = st.integers(2008, 2024), st.integers(2025, 2026)


@given(st.sampled_from(sorted(FORMER)), before_the_merger, st.sampled_from(["code and name", "code", "name"]))
def test_until_2024_a_former_provinces_code_and_name_name_it(code, year, given_as):
    typed_code = code if given_as != "name" else None
    typed_name = FORMER[code] if given_as != "code" else None
    assert resolve_province(typed_code, typed_name, year) == (code, None)


@given(st.sampled_from(sorted(CURRENT)), after_the_merger)
def test_from_2025_a_current_units_code_and_name_name_it(code, year):
    assert resolve_province(code, CURRENT[code], year) == (code, None)
    assert resolve_province(None, CURRENT[code], year) == (code, None)


@given(st.sampled_from(sorted(set(FORMER) - set(CURRENT))), after_the_merger)
def test_from_2025_a_retired_code_is_held_naming_the_unit_that_reports_for_it(code, year):
    with pytest.raises(ReportFileError) as held:
        resolve_province(code, None, year)
    successor = SUCCESSOR[code]
    assert held.value.province_code == successor
    assert f"{CURRENT[successor]} (mã {successor})" in held.value.vi


@given(st.sampled_from(sorted(c for c in FORMER if normalize(FORMER[c]) not in set(map(normalize, CURRENT.values())))),
       after_the_merger)
def test_from_2025_a_former_provinces_name_alone_is_held_for_its_successor_not_its_old_code(code, year):
    with pytest.raises(ReportFileError) as held:
        resolve_province(None, FORMER[code], year)
    successor = SUCCESSOR[code]
    assert held.value.province_code == successor
    assert f"{CURRENT[successor]} (code {successor})" in held.value.en


@given(st.integers(1, 99), st.sampled_from(["{}", "0{}", " {} ", "{}.0", "Mã {}"]), st.booleans())
def test_a_province_code_cell_reads_as_two_digits(number, written, as_float):
    cell = float(number) if as_float else written.format(f"{number:02d}" if written == "{}" else number)
    assert normalise_province_code(cell) == f"{number:02d}"


# -- DOIs ----------------------------------------------------------------------------------------------------
dois = st.builds(lambda prefix, suffix: f"10.{prefix}/{suffix}", st.integers(1000, 999999999).map(str),
                 st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._;()/:"),
                         min_size=1, max_size=30).filter(lambda s: s[-1] not in ".,;"))
DOI_FORMS = ["{}", "doi:{}", "DOI: {}", "info:doi/{}", "urn:doi:{}", "https://doi.org/{}", "http://dx.doi.org/{}",
             "https://www.doi.org/{}", "info:eu-repo/semantics/altIdentifier/doi/{}", " {} "]


@given(dois, st.sampled_from(DOI_FORMS), st.booleans())
def test_a_doi_in_any_form_a_repository_writes_is_one_lower_case_doi(doi, form, upper):
    written = form.format(doi.upper() if upper else doi)
    found = doi_of([written], [])
    assert found == doi.lower()
    assert doi_of([found], []) == found  # the normal form is a fixed point
    assert doi_of(["http://hdl.handle.net/123456789/1"], [written]) == found  # from dc:relation too


@given(dois, phrases)
def test_a_doi_quoted_in_a_citation_is_found(doi, citation):
    assume("doi" not in citation.lower())
    assert doi_of([f"{citation}, 2023. doi:{doi}"], []) == doi.lower()
    assert doi_of([citation], []) is None


# -- incremental cursors: one sender, many runs ----------------------------------------------------------------
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def _page(rows: list[tuple[str, datetime | None]]) -> pa.Table:
    return pa.Table.from_pylist([{"source_id": key, "updated_at": at} for key, at in rows],
                                schema=pa.schema([("source_id", pa.string()), ("updated_at", TS)]))


def _harvest(state: dict, records: dict[str, datetime], page_size: int, now: datetime) -> list[tuple[str, datetime]]:
    """One run against the sender: it answers `updated_at >= since` in time order, `page_size` a page."""
    cursors = SenderCursors(state, column="updated_at")
    cursor = cursors.open("BKHCN")
    cursor.not_after = now
    asked = sorted(((k, at) for k, at in records.items() if at >= cursor.since), key=lambda r: r[1])
    kept = []
    for start in range(0, len(asked), page_size):
        page = cursor.keep_new(_page(asked[start:start + page_size]))
        kept += zip(page.column("source_id").to_pylist(), page.column("updated_at").to_pylist())
    cursors.advance(cursor)
    return kept


@given(st.lists(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 8)), max_size=6), min_size=1, max_size=5),
       st.integers(1, 4))
def test_every_record_a_sender_adds_or_changes_between_runs_is_loaded_once(runs, page_size):
    """Before each run the sender adds records or changes earlier ones, each stamped at or after its
    latest (ties on the second are common); every version a run could see is loaded, and only once,
    whatever the page size."""
    state, records, seen, loaded, clock = {}, {}, set(), [], T0
    for run, changes in enumerate(runs):
        for i, (step, which) in enumerate(changes):
            clock += timedelta(seconds=step)  # step 0: the same second as the change before
            key = sorted(records)[which] if which < len(records) and which % 2 else f"NV-{run}-{i}"
            records[key] = clock
        seen |= set(records.items())
        loaded += _harvest(state, records, page_size, now=clock + timedelta(minutes=1))
    assert sorted(loaded) == sorted(seen)


def test_a_record_dated_in_the_future_is_loaded_but_does_not_blind_the_cursor():
    state = {}
    records = {"NV-typo": datetime(2999, 1, 1, tzinfo=timezone.utc), "NV-1": T0}
    assert sorted(k for k, _ in _harvest(state, records, 10, now=T0 + timedelta(hours=1))) == ["NV-1", "NV-typo"]
    assert state["cursors"]["BKHCN"] == {"last_value": "2026-03-02T08:00:00Z", "keys_at_last_value": ["NV-1"]}
    records["NV-2"] = T0 + timedelta(hours=2, microseconds=5)
    again = _harvest(state, records, 10, now=T0 + timedelta(hours=3))
    assert sorted(k for k, _ in again) == ["NV-2", "NV-typo"]  # asked again until corrected
    assert state["cursors"]["BKHCN"]["last_value"] == "2026-03-02T10:00:00.000005Z"


def test_a_record_that_could_not_be_read_is_kept_and_does_not_move_the_cursor():
    cursor = SenderCursors({}, column="updated_at").open("BKHCN")
    assert cursor.since == EPOCH
    assert cursor.keep_new(_page([("NV-1", None)])).num_rows == 1 and cursor.saved() is None


def test_a_saved_cursor_in_the_future_asks_for_everything_again():
    saved = {"cursors": {"BKHCN": {"last_value": "2999-01-01T00:00:00Z", "keys_at_last_value": ["NV-1"]}}}
    cursor = SenderCursors(saved, column="updated_at").open("BKHCN")
    assert cursor.since == EPOCH
    assert cursor.keep_new(_page([("NV-1", T0)])).num_rows == 1
