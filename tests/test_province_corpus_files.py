"""Format-level checks of the provincial report corpus writers (tests/province_corpus.py).

These check that each file really is what its kind says (encoding, delimiter, container, sheet
states, cell types) and that the expectations are consistent. They never use the project's reader.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests import province_corpus as pc

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HELD_BY_DESIGN_UNREADABLE = {"encrypted_xlsx", "html_as_xls", "empty_csv"}
REFERENCE = Path(__file__).resolve().parents[1] / "sources" / "reference" / "provinces.csv"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, pc.CorpusFile]:
    folder = tmp_path_factory.mktemp("province_corpus")
    files = pc.write_all(folder)
    return {f.kind: f for f in files}


def rows_of(path: Path, sheet: str | int = 0) -> list[tuple]:
    wb = load_workbook(path)
    ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
    return list(ws.iter_rows(values_only=True))


def meta(rows, label: str):
    return next(r[1] for r in rows if r and r[0] == label)


def data_rows(rows) -> list[tuple]:
    """The rows below the header (or the numbering row) that carry an indicator code."""
    start = next(i for i, r in enumerate(rows) if r and r[0] == "STT")
    return [r for r in rows[start + 1 :] if len(r) > 1 and r[1] not in (None, "") and str(r[1]).isdigit()]


def csv_rows(text: str, delimiter=",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def unmojibake(text: str) -> str:
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            out.append(ord(ch))
    return out.decode("utf-8")


# ---------------------------------------------------------------------------------------------------
# Expectations


def test_every_kind_writes_its_file(corpus, tmp_path):
    assert len(corpus) == len(pc.ALL_KINDS), "two writers return the same kind"
    for write in pc.ALL_KINDS:
        assert write.__name__.startswith("write_")
        assert write.__name__ == f"write_{write(tmp_path / write.__name__).kind}"
    for f in corpus.values():
        assert f.path.exists(), f.kind
        assert f.outcome in ("loaded", "partly", "held"), f.kind
    kinds = {f.outcome for f in corpus.values()}
    assert kinds == {"loaded", "partly", "held"}


def test_expectations_are_consistent(corpus):
    for f in corpus.values():
        if f.outcome == "held":
            assert f.values == {} and f.reason_words, f.kind
        else:
            assert f.values, f.kind
            assert 4 <= len(f.values) + f.quarantined_count <= 15, f.kind
            assert f.report_date is not None, f.kind
        if f.outcome == "partly":
            assert f.quarantined_count >= 1 and f.reason_words, f.kind
            assert not (f.quarantined & set(f.values)), f.kind
        if f.outcome == "loaded":
            assert f.quarantined == frozenset() and f.quarantined_count == 0, f.kind
        assert f.quarantined_count >= len(f.quarantined)
    assert corpus["duplicate_row"].quarantined_count == 1
    assert corpus["date_in_words"].report_date == date(2025, 2, 12)
    assert corpus["revision_words"].revision == 2
    assert corpus["formula_text"].neutralised_text.startswith("=HYPERLINK(")
    assert corpus["billions"].values[("0301", "tong")] == 12500
    assert corpus["csv_english_locale"].values[("0201", "trinh_do:tien_si")] == 1234
    assert corpus["csv_english_locale_money"].values[("0301", "tong")] == 12345.5
    assert (corpus["name_only_hcm"].province_code, corpus["name_only_hue"].province_code) == ("79", "46")
    assert corpus["bac_giang_2025"].province_code is None
    assert set(corpus["numeric_codes"].values) >= {("0401", "tong"), ("0402", "tong")}


def test_every_file_has_its_own_province_year_form(corpus):
    assert set(pc.SLOTS) >= set(corpus)
    owner: dict[tuple, str] = {}
    for f in corpus.values():
        slots = {pc.SLOTS[f.kind], (f.province_code, f.year, f.form)}
        if f.kind == "hidden_sheet":
            slots.add(pc.SLOTS["hidden_sheet:hidden"])
        for slot in slots:
            if None in slot:
                continue
            assert owner.setdefault(slot, f.kind) == f.kind, f"{f.kind} and {owner[slot]} share {slot}"


def test_years_and_province_codes_are_valid(corpus):
    for f in corpus.values():
        code, year, form = pc.SLOTS[f.kind]
        if year is not None and f.kind != "future_year":
            assert 2023 <= year <= 2025, f.kind
        if form is not None:
            assert form in pc.FORMS, f.kind
        if code is not None and f.kind != "old_bac_ninh_code":
            assert code in pc.provinces_for(year), f.kind
        if f.province_code is not None:
            assert f.province_code in pc.provinces_for(f.year), f.kind
    assert "27" not in pc.provinces_for(2025) and "27" in pc.provinces_for(2024)
    assert pc.PROVINCES_34["24"] == "Tỉnh Bắc Ninh" and pc.PROVINCES_63["24"] == "Tỉnh Bắc Giang"


def test_province_lists_match_the_reference():
    with REFERENCE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["province_code"]: r["name"] for r in rows if r["valid_to"]} == pc.PROVINCES_63
    assert {r["province_code"]: r["name"] for r in rows if not r["valid_to"]} == pc.PROVINCES_34


def test_forms_match_the_template():
    template = pytest.importorskip("sources.provinces.template")
    for form, (_, indicators) in pc.FORMS.items():
        spec = {i["code"]: i for i in template.FORMS[form]["indicators"]}
        assert [code for code, _, _ in indicators] == list(spec)
        for code, name, unit in indicators:
            assert (name, unit) == (spec[code]["name"], spec[code]["unit"])
            assert set(pc._BREAKDOWNS[code]) == set(spec[code].get("breakdowns", {}))
            for dim, members in spec[code].get("breakdowns", {}).items():
                assert list(pc.DIMENSIONS[dim][1]) == list(members)


def check_adds_up(f: pc.CorpusFile):
    by_indicator = defaultdict(dict)
    for (code, breakdown), value in f.values.items():
        by_indicator[code][breakdown] = value
    for code, values in by_indicator.items():
        assert code in {c for _, items in pc.FORMS.values() for c, _, _ in items}, (f.kind, code)
        dims = defaultdict(dict)
        for breakdown, value in values.items():
            if breakdown != "tong":
                dim, member = breakdown.split(":")
                assert member in pc.DIMENSIONS[dim][1], (f.kind, breakdown)
                dims[dim][member] = value
        if "tong" not in values:
            continue
        for dim, members in dims.items():
            assert set(members) == set(pc.DIMENSIONS[dim][1]), (f.kind, dim)
            assert sum(members.values()) == pytest.approx(values["tong"]), (f.kind, code, dim)


def test_breakdowns_add_up_to_the_total(corpus):
    for f in corpus.values():
        check_adds_up(f)
    # ... except where the kind is about a mismatch
    bad = corpus["not_adding_up"]
    assert bad.values[("0201", "tong")] != 260 + 230


def test_forms_of_values_match_the_file(corpus):
    for f in corpus.values():
        if f.form:
            codes = {c for c, _, _ in pc.FORMS[f.form][1]}
            assert {code for code, _ in f.values} <= codes, f.kind


# ---------------------------------------------------------------------------------------------------
# Text files


def test_unicode_text_is_utf16_tab_crlf(corpus):
    raw = corpus["unicode_text"].path.read_bytes()
    assert raw.startswith(b"\xff\xfe") and not raw.startswith(b"\xff\xfe\x00\x00")
    text = raw[2:].decode("utf-16-le")
    assert "\t" in text and "Biểu số:\t01/KHCN-TC" in text
    lines = text.split("\r\n")
    assert lines[-1] == "" and all("\n" not in line for line in lines)
    assert len({line.count("\t") for line in lines[:-1]}) == 1, "Excel pads every row to the used width"


def test_ragged_csv_is_plain_utf8(corpus):
    raw = corpus["csv_utf8_ragged"].path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    rows = csv_rows(raw.decode("utf-8"))
    metadata = [r for r in rows if r and r[0] in ("Biểu số:", "Mã tỉnh:", "Năm báo cáo:", "Lần nộp:")]
    assert len(metadata) == 4 and all(len(r) == 2 for r in metadata)
    assert len({len(r) for r in rows}) >= 3
    assert '"Lĩnh vực: khoa học y, dược (y học, dược học)"' in raw.decode("utf-8")
    assert ["12", "0402", "Kinh phí thực hiện nhiệm vụ", "tong", "Tổng số", "triệu đồng", "13250.5"] in rows


def test_cp1258_csv_decomposes_tones_and_uses_vietnamese_numbers(corpus):
    f = corpus["csv_cp1258"]
    raw = f.path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1258")
    assert "\u0309" in text or "\u0323" in text, "combining tone marks, as code page 1258 stores them"
    text = unicodedata.normalize("NFC", text)
    assert "Biểu số:;03/KHCN-CP" in text and "Mã chỉ tiêu" in text and "Tỉnh Thanh Hóa" in text
    rows = [r for r in csv_rows(text, ";") if len(r) > 1 and r[1] == "0301"]
    assert len(rows) == 6 and all(len(r) == 7 for r in rows)
    for r in rows:
        assert re.fullmatch(r"\d{1,3}(\.\d{3})*(,\d+)?", r[6]), r[6]
        number = float(r[6].replace(".", "").replace(",", "."))
        assert number == f.values[("0301", r[3])]
    assert any("," in r[6] and "." in r[6] for r in rows)


def test_mojibake_csv(corpus):
    f = corpus["csv_mojibake"]
    text = f.path.read_bytes().decode("utf-8-sig")
    assert "MÃ£ chá»‰ tiÃªu" in text and "Biá»ƒu sá»‘:" in text
    assert "Mã chỉ tiêu" not in text
    assert "Mã chỉ tiêu" in unmojibake(text) and "Tỉnh Nghệ An" in unmojibake(text)
    rows = csv_rows(text)
    assert [r[1] for r in rows if r and r[0] == "MÃ£ tá»‰nh:"] == ["40"]


def test_ansi_csv_lost_what_cp1252_lacks(corpus):
    raw = corpus["csv_ansi_lossy"].path.read_bytes()
    text = raw.decode("cp1252")
    assert "Bi?u s?:,02/KHCN-NL" in text
    assert "Mã ch? tiêu" in text and "??n v? tính" in text
    rows = csv_rows(text)
    assert [r[1] for r in rows if r and r[0] == "Mã t?nh:"] == ["42"]
    assert sum(1 for r in rows if len(r) > 3 and r[1] == "0201") == 7


def test_english_locale_csv_has_thousands_separators(corpus):
    for kind, sample in (("csv_english_locale", '"1,234"'), ("csv_english_locale_money", '"12,345.5"')):
        f = corpus[kind]
        text = f.path.read_bytes().decode("utf-8-sig")
        assert sample in text
        for r in csv_rows(text):
            if len(r) > 3 and r[1] in ("0201", "0301"):
                assert float(r[6].replace(",", "")) == f.values[(r[1], r[3])]


def test_formula_text_csv_holds_the_formula(corpus):
    f = corpus["formula_text"]
    raw = f.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(raw.decode("utf-8-sig"))
    names = [r[2] for r in rows if len(r) > 3 and r[1] == "0201"]
    assert names[0] == f.neutralised_text and all(not n.startswith("=") for n in names[1:])
    assert raw.decode("utf-8-sig").splitlines()[0].startswith('"')


def test_empty_and_fake_files(corpus):
    assert corpus["empty_csv"].path.stat().st_size == 0
    wb = load_workbook(corpus["empty_workbook"].path)
    assert len(wb.worksheets) == 1
    ws = wb.worksheets[0]
    assert ws.max_row == 1 and ws.max_column == 1 and ws["A1"].value is None
    raw = corpus["html_as_xls"].path.read_bytes()
    assert corpus["html_as_xls"].path.suffix == ".xls"
    assert raw.startswith(b"<html") and b"<table" in raw
    assert not raw.startswith(OLE2_MAGIC) and not zipfile.is_zipfile(corpus["html_as_xls"].path)


# ---------------------------------------------------------------------------------------------------
# Workbooks


def test_template_xlsx_layout(corpus):
    f = corpus["template_xlsx"]
    rows = rows_of(f.path)
    labels = [r[0] for r in rows[1:7]]
    assert labels == ["Biểu số:", "Mã tỉnh:", "Tên tỉnh:", "Năm báo cáo:", "Ngày báo cáo:", "Lần nộp:"]
    assert list(rows[7]) == pc.HEADER
    assert meta(rows, "Mã tỉnh:") == "01" and meta(rows, "Ngày báo cáo:") == "20/01/2025"
    table = data_rows(rows)
    assert {(r[1], r[3]): r[6] for r in table} == f.values
    text = [c for r in rows for c in r if isinstance(c, str)]
    assert {"Người lập biểu", "Thủ trưởng đơn vị", "(Ký, ghi rõ họ tên)"} <= set(text)


def test_cover_sheet_comes_first(corpus):
    f = corpus["cover_sheet"]
    wb = load_workbook(f.path)
    assert wb.sheetnames == ["Bìa", "Biểu 01"]
    cover = [c for r in wb["Bìa"].iter_rows(values_only=True) for c in r if c]
    assert "STT" not in cover and any("Đà Nẵng" in c for c in cover)
    table = data_rows(rows_of(f.path, "Biểu 01"))
    assert {(r[1], r[3]): r[6] for r in table} == f.values


def test_hidden_first_sheet_holds_last_year(corpus):
    f = corpus["hidden_sheet"]
    wb = load_workbook(f.path)
    hidden, visible = wb.worksheets
    assert hidden.sheet_state == "hidden" and visible.sheet_state == "visible"
    assert wb.active.title == visible.title
    old, new = rows_of(f.path, 0), rows_of(f.path, 1)
    assert (meta(old, "Năm báo cáo:"), meta(new, "Năm báo cáo:")) == (2024, 2025)
    old_values = {(r[1], r[3]): r[6] for r in data_rows(old)}
    assert {(r[1], r[3]): r[6] for r in data_rows(new)} == f.values != old_values


def test_two_row_header_is_merged(corpus):
    f = corpus["two_row_header"]
    ws = load_workbook(f.path).worksheets[0]
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "STT")
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert f"D{top}:E{top}" in merged and f"A{top}:A{top + 1}" in merged and f"G{top}:G{top + 1}" in merged
    assert [ws.cell(top + 1, c).value for c in (4, 5)] == ["Mã", "Tên"]
    assert [ws.cell(top + 2, c).value for c in range(1, 8)] == [f"({i})" for i in range(1, 8)]
    table = [r for r in ws.iter_rows(min_row=top + 3, values_only=True) if r[1] and str(r[1]).isdigit()]
    assert {(r[1], r[3]): r[6] for r in table} == f.values


def test_billions_unit(corpus):
    f = corpus["billions"]
    table = data_rows(rows_of(f.path))
    assert {r[5] for r in table} == {"tỷ đồng"}
    assert {(r[1], r[3]): r[6] * 1000 for r in table} == pytest.approx(f.values)
    assert 12.5 in [r[6] for r in table]


def test_numeric_codes_and_date_cell(corpus):
    f = corpus["numeric_codes"]
    rows = rows_of(f.path)
    table = data_rows(rows)
    assert {r[1] for r in table} == {401, 402}
    assert {(f"{r[1]:04d}", r[3]): r[6] for r in table} == f.values
    assert isinstance(meta(rows, "Ngày báo cáo:"), datetime)
    assert meta(rows, "Mã tỉnh:") == 20


def test_totals_row(corpus):
    f = corpus["totals_row"]
    rows = rows_of(f.path)
    total = next(r for r in rows if r and r[0] == "Tổng cộng")
    assert total[1] is None and total[3] is None
    assert total[6] == sum(r[6] for r in data_rows(rows)) == sum(f.values.values())
    assert {(r[1], r[3]): r[6] for r in data_rows(rows)} == f.values


def test_metadata_in_words(corpus):
    rows = rows_of(corpus["date_in_words"].path)
    assert meta(rows, "Ngày báo cáo:") == "Hà Nội, ngày 12 tháng 02 năm 2025"
    assert meta(rows_of(corpus["revision_words"].path), "Lần nộp:") == "Lần 2 (bổ sung)"


def test_name_only_files(corpus):
    for kind, name, year in (("name_only_hcm", "TP.HCM", 2025), ("name_only_hue", "Tỉnh Thừa Thiên Huế", 2024)):
        rows = rows_of(corpus[kind].path)
        assert meta(rows, "Mã tỉnh:") is None and meta(rows, "Tên tỉnh:") == name
        assert meta(rows, "Năm báo cáo:") == year


def test_held_province_files_state_what_they_say(corpus):
    rows = rows_of(corpus["bac_giang_2025"].path)
    assert (meta(rows, "Mã tỉnh:"), meta(rows, "Tên tỉnh:"), meta(rows, "Năm báo cáo:")) == (
        "24",
        "Tỉnh Bắc Giang",
        2025,
    )
    rows = rows_of(corpus["old_bac_ninh_code"].path)
    assert (meta(rows, "Mã tỉnh:"), meta(rows, "Tên tỉnh:"), meta(rows, "Năm báo cáo:")) == (
        "27",
        "Tỉnh Bắc Ninh",
        2025,
    )
    assert meta(rows_of(corpus["future_year"].path), "Năm báo cáo:") == 2042


def test_cover_only_has_no_table(corpus):
    wb = load_workbook(corpus["cover_only"].path)
    assert wb.sheetnames == ["Bìa", "Ghi chú"]
    cells = [c for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r if c]
    assert cells and "STT" not in cells and "Mã chỉ tiêu" not in cells


def test_partly_files_hold_their_faults(corpus):
    table = data_rows(rows_of(corpus["duplicate_row"].path))
    keys = [(r[1], r[3], r[6]) for r in table]
    assert len(keys) == len(set(keys)) + 1
    assert any(r[1] == "0999" for r in data_rows(rows_of(corpus["unknown_indicator"].path)))
    values = {r[3]: r[6] for r in data_rows(rows_of(corpus["not_adding_up"].path))}
    assert values["gioi_tinh:nam"] + values["gioi_tinh:nu"] != values["tong"]
    assert sum(v for k, v in values.items() if k.startswith("trinh_do:")) == values["tong"]
    assert 1e15 in [r[6] for r in data_rows(rows_of(corpus["over_ceiling"].path))]
    assert [r[5] for r in data_rows(rows_of(corpus["usd_unit"].path)) if r[1] == "0402"] == ["USD"]
    assert [r[6] for r in data_rows(rows_of(corpus["text_value"].path)) if r[1] == "0402"] == ["khoảng 50"]


def test_encrypted_xlsx(corpus):
    msoffcrypto = pytest.importorskip("msoffcrypto")
    path = corpus["encrypted_xlsx"].path
    raw = path.read_bytes()
    assert raw.startswith(OLE2_MAGIC) and not zipfile.is_zipfile(path)
    with path.open("rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        assert office.is_encrypted()
        office.load_key(password=pc.PASSWORD)
        plain = io.BytesIO()
        office.decrypt(plain)
    rows = list(load_workbook(plain).worksheets[0].iter_rows(values_only=True))
    assert meta(rows, "Biểu số:") == "04/KHCN-NV"


def test_xls_is_biff8(corpus):
    f = corpus["xls_biff8"]
    assert f.path.read_bytes().startswith(OLE2_MAGIC)
    xlrd = pytest.importorskip("xlrd")
    sheet = xlrd.open_workbook(str(f.path)).sheet_by_index(0)
    rows = [sheet.row_values(i) for i in range(sheet.nrows)]
    assert meta(rows, "Biểu số:") == "03/KHCN-CP"
    table = data_rows(rows)
    assert {(r[1], r[3]): r[6] for r in table} == f.values


def test_ods_container(corpus):
    f = corpus["ods"]
    with zipfile.ZipFile(f.path) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        assert "content.xml" in z.namelist()


def test_spreadsheets_open_with_calamine(corpus):
    calamine = pytest.importorskip("python_calamine")
    for f in corpus.values():
        if f.path.suffix not in (".xlsx", ".xls", ".ods") or f.kind in HELD_BY_DESIGN_UNREADABLE:
            continue
        wb = calamine.CalamineWorkbook.from_path(str(f.path))
        sheets = [wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names]
        if f.kind == "hidden_sheet":
            sheets = sheets[1:]
        if f.kind == "empty_workbook":
            assert all(not any(c not in ("", None) for r in s for c in r) for s in sheets)
            continue
        numbers = {
            float(c) for s in sheets for r in s for c in r if isinstance(c, (int, float)) and not isinstance(c, bool)
        }
        factor = 1000 if f.kind == "billions" else 1
        assert {v / factor for v in f.values.values()} <= numbers, f.kind
        if f.kind == "ods":
            assert {(r[1], r[3]): float(r[6]) for s in sheets for r in data_rows(s)} == f.values


# ---------------------------------------------------------------------------------------------------
# Bulk


def test_good_files(tmp_path, corpus):
    files = pc.good_files(tmp_path, 60)
    assert len(files) == 60 and len({f.path for f in files}) == 60
    slots = [(f.province_code, f.year, f.form) for f in files]
    assert len(set(slots)) == 60
    taken = pc._corpus_slots()
    taken |= {(f.province_code, f.year, f.form) for f in corpus.values()}
    assert not set(slots) & taken
    for f in files:
        assert f.outcome == "loaded" and f.values and f.path.exists()
        assert f.province_code in pc.provinces_for(f.year)
        assert len(f.values) <= 15
        check_adds_up(f)
    rows = rows_of(files[0].path)
    assert {(r[1], r[3]): r[6] for r in data_rows(rows)} == files[0].values
    with pytest.raises(ValueError):
        pc.good_files(tmp_path / "too_many", 10_000)
