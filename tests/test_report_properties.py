"""Properties of the readers of provincial reports, on generated inputs (hypothesis; profile in
tests/conftest.py): numbers in either locale and dates as offices type them, the other cells of a report
(submission, year, unit, formula text), and the province a code or name stands for on a date, checked
against the official lists in ../shared/reference."""

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sources.provinces.files import ReportFileError
from sources.provinces.identity import resolve_province
from sources.provinces.layout import normalise_province_code
from sources.provinces.values import (
    AmbiguousNumber,
    file_decimal_separator,
    find_date_in_words,
    neutralise,
    parse_date,
    parse_number,
    parse_revision,
    parse_year,
    unit_factor,
)
from sources.vietnamese import normalize
from tests.test_reference import CODE_IN_NAME, MERGER, _conversion_rows, _official_former

forms = st.sampled_from(["NFC", "NFD"])


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
    text = (
        f"{day.day:02d}{sep}{day.month:02d}{sep}{day.year}" if padded else f"{day.day}{sep}{day.month}{sep}{day.year}"
    )
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


@pytest.mark.parametrize(
    "written, number",
    [
        ("Lần đầu", 1),
        ("lần thứ nhất", 1),
        ("Lần thứ hai", 2),
        ("lần thứ ba", 3),
        ("lần thứ tư", 4),
        ("Lần thứ năm", 5),
        ("Bổ sung", 2),
        ("Báo cáo sửa đổi", 2),
        ("chính thức", None),
        ("", None),
        (None, None),
    ],
)
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
IN_MILLIONS = {
    "triệu đồng": 1,
    "Triệu đồng": 1,
    "tr.đồng": 1,
    "triệu": 1,
    "tỷ đồng": 1000,
    "Tỷ VNĐ": 1000,
    "tỉ đồng": 1000,
    "nghìn đồng": 0.001,
    "ngàn đồng": 0.001,
    "đồng": 1e-6,
    "VND": 1e-6,
    "": 1,
    None: 1,
}


@given(st.sampled_from(sorted(IN_MILLIONS, key=str)), st.integers(0, 10**9))
def test_an_amount_in_any_known_money_unit_is_the_same_in_million_dong(unit, amount):
    assert amount * unit_factor(unit, MILLION_DONG) == pytest.approx(amount * IN_MILLIONS[unit])


@pytest.mark.parametrize(
    "received, template", [("USD", MILLION_DONG), ("tỷ đồng", "người"), ("tỷ đồng", None), ("người", "tổ chức")]
)
def test_a_unit_without_a_known_factor_has_none(received, template):
    assert unit_factor(received, template) is None


@given(
    st.sampled_from(["=", "@", "+", "-", "\t", "\r"]),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20).filter(lambda t: not t[:1].isdigit()),
)
def test_text_a_spreadsheet_would_run_is_stored_with_an_apostrophe(start, rest):
    text = start + "HYPERLINK(" + rest
    assert neutralise(text) == "'" + text


@given(st.integers(-(10**6), 10**6), st.sampled_from(["{}", "+{}", "{},5", "-{}.25"]))
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
CURRENT = {
    CODE_IN_NAME.match(r[0].strip()).group(2): CODE_IN_NAME.match(r[0].strip()).group(1).strip()
    for r in _conversion_rows()
}
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


@given(
    st.sampled_from(sorted(c for c in FORMER if normalize(FORMER[c]) not in set(map(normalize, CURRENT.values())))),
    after_the_merger,
)
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
