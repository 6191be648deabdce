"""One report file read into its metadata and rows, or refused whole with a reason (`ReportFileError`).

A file is refused whole (held) when its table cannot be found or read, when its header does not say which
province, year and form it reports, or when what it says cannot be applied: a year in the future or before
2000, a province code and name that disagree on 31 December of the reporting year, or a former province
reporting for a year after the 1 July 2025 merger. Everything else is decided row by row in staging
(`staging.province_report_rows`), so one bad row never costs the rest of the file.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from sources.provinces import layout
from sources.provinces.files import ReportFileError, Sheet, fix_cell_mojibake, read_workbook
from sources.provinces.template import FORMS
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
from sources.reference import load_provinces
from sources.vietnamese import detect_legacy_encoding, fold, from_legacy, strip_diacritics

FIRST_YEAR = 2000
_TEMPLATE = {ind["code"]: {**ind, "form": form} for form, spec in FORMS.items() for ind in spec["indicators"]}
_COUNT_UNITS = {fold(ind["unit"]) for ind in _TEMPLATE.values()} - {"trieu dong"}
_HEADER_HELP_VI = "dòng tiêu đề có 'Mã chỉ tiêu' và 'Giá trị'"
_HEADER_HELP_EN = "a header row with 'Mã chỉ tiêu' and 'Giá trị'"


def _repair_legacy(sheet: Sheet) -> tuple[list[list], str | None]:
    encoding = detect_legacy_encoding(c for row in sheet.rows for c in row if isinstance(c, str))
    if encoding is None:
        return sheet.rows, None
    return [[from_legacy(c, encoding) if isinstance(c, str) else c for c in row] for row in sheet.rows], encoding


def _table_sheet(sheets: list[Sheet]) -> tuple[Sheet, list[list], list[list], str | None, layout.Table]:
    """The first visible sheet holding the template's table: (sheet, repaired rows, rows as received, legacy
    encoding, table). Hidden sheets are never read (they often hold last year's report)."""
    visible = [s for s in sheets if s.visible]
    for sheet in visible:
        received = [[fix_cell_mojibake(c) for c in row] for row in sheet.rows]
        rows, encoding = _repair_legacy(Sheet(sheet.name, received))
        table = layout.find_table(rows)
        if table:
            return sheet, rows, sheet.rows, encoding, table
    names = ", ".join(f"'{s.name}'" for s in visible) or "(không có / none)"
    hidden = [f"'{s.name}'" for s in sheets if not s.visible]
    hidden_vi = f" Các trang ẩn không được đọc: {', '.join(hidden)}." if hidden else ""
    hidden_en = f" Hidden sheets are not read: {', '.join(hidden)}." if hidden else ""
    if len(sheets) == 1 and sheets[0].name == "csv":
        raise ReportFileError(
            f"Không tìm thấy bảng số liệu theo mẫu ({_HEADER_HELP_VI}) trong tệp CSV. Nếu các chữ có dấu hiện sai "
            "hoặc thành '?', hãy mở tệp gốc bằng Excel, chọn Lưu thành 'CSV UTF-8' và gửi lại.",
            f"The template's data table ({_HEADER_HELP_EN}) was not found in the CSV file. If the Vietnamese "
            "letters look wrong or became '?', open the original in Excel, save it as 'CSV UTF-8' and send it again.",
        )
    raise ReportFileError(
        f"Không tìm thấy bảng số liệu theo mẫu ({_HEADER_HELP_VI}) trên các trang đang hiện: {names}.{hidden_vi} "
        "Hãy đặt bảng theo mẫu của Cục Thông tin KH&CN quốc gia trên một trang đang hiện và gửi lại.",
        f"The template's data table ({_HEADER_HELP_EN}) was not found on the visible sheets {names}.{hidden_en} "
        "Put the table, as NASATI's template lays it out, on a visible sheet and send it again.",
    )


_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp|t p)\s+")
_SENDER_PREFIX = re.compile(r"^(so khoa hoc va cong nghe|so khoa hoc cong nghe|so khcn|so kh cn)\s+")
# Names offices write that the official list spells otherwise (folded, prefix dropped).
_PROVINCE_ALIASES = {
    "hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "sai gon": "ho chi minh",
    "thua thien hue": "hue",
    "tt hue": "hue",
    "brvt": "ba ria vung tau",
    "dak lak": "dak lak",
    "dac lac": "dak lak",
    "daklak": "dak lak",
    "dak nong": "dak nong",
    "dac nong": "dak nong",
}


def _name_key(name) -> str:
    key = _PROVINCE_PREFIX.sub("", _SENDER_PREFIX.sub("", fold(str(name or "")) or ""))
    return _PROVINCE_ALIASES.get(key, key)


def _valid(p: dict, on: date) -> bool:
    return date.fromisoformat(p["valid_from"]) <= on <= date.fromisoformat(p["valid_to"] or "9999-12-31")


def _current_name(code: str) -> str:
    return next(p["name"] for p in load_provinces() if p["province_code"] == code and not p["valid_to"])


def _former_unit_held(p: dict, year: int) -> ReportFileError:
    successor = p["successor_code"]
    error = ReportFileError(
        f"{p['name']} (mã {p['province_code']}) đã sáp nhập vào {_current_name(successor)} (mã {successor}) từ "
        f"01/07/2025; báo cáo năm {year} do {_current_name(successor)} (mã {successor}) gửi. Tệp được giữ lại, không "
        f"nhập: nếu đây là số liệu của {_current_name(successor)}, hãy ghi mã {successor} và tên "
        f"'{_current_name(successor)}' rồi gửi lại.",
        f"{p['name']} (code {p['province_code']}) merged into {_current_name(successor)} (code {successor}) on "
        f"1 July 2025; its report for {year} is sent by {_current_name(successor)} (code {successor}). The file is "
        f"held, not applied: if these are {_current_name(successor)}'s figures, write code {successor} and the "
        "name of the current unit, and send it again.",
    )
    error.province_code = successor  # the unit expected to send this report now
    return error


def resolve_province(code, name, year: int) -> tuple[str, str | None]:
    """(code valid on 31 December of `year`, a note or None). Code and name must name the same unit on that
    date; a former province (valid to 30 June 2025) cannot report for a later year."""
    end = date(year, 12, 31)
    provinces = load_provinces()
    code = layout.normalise_province_code(code)
    key = _name_key(name)
    named = [p for p in provinces if key and _name_key(p["name"]) == key]
    if code:
        unit = next((p for p in provinces if p["province_code"] == code and _valid(p, end)), None)
        if unit is None:
            former = next(
                (
                    p
                    for p in provinces
                    if p["province_code"] == code and p["valid_to"] and date.fromisoformat(p["valid_to"]) < end
                ),
                None,
            )
            if former:
                raise _former_unit_held(former, year)
            raise ReportFileError(
                f"Mã tỉnh '{code}' không có trong danh mục đơn vị hành chính ngày 31/12/{year}.",
                f"Province code '{code}' is not on the list of units valid on 31 December {year}.",
            )
        if named and unit not in named:
            meant = named[0]
            merged = (
                f" {meant['name']} đã sáp nhập vào {_current_name(meant['successor_code'])} (mã "
                f"{meant['successor_code']}) từ 01/07/2025."
                if meant["valid_to"]
                else ""
            )
            merged_en = (
                f" {meant['name']} merged into {_current_name(meant['successor_code'])} (code "
                f"{meant['successor_code']}) on 1 July 2025."
                if meant["valid_to"]
                else ""
            )
            raise ReportFileError(
                f"Mã tỉnh {code} và tên tỉnh '{name}' không khớp nhau: ngày 31/12/{year}, mã {code} là "
                f"{unit['name']}.{merged} Tệp được giữ lại, không nhập; hãy sửa mã hoặc tên cho đúng và gửi lại.",
                f"Province code {code} and name '{name}' disagree: on 31 December {year}, code {code} is "
                f"{unit['name']}.{merged_en} The file is held, not applied; correct the code or the name and send "
                "it again.",
            )
        note = (
            None
            if named or not key
            else (
                f"Tên tỉnh '{name}' không nhận ra; dùng mã {code} ({unit['name']}). "
                f"Province name '{name}' not recognised; code {code} used."
            )
        )
        return code, note
    if not named:
        raise ReportFileError(
            f"Thiếu 'Mã tỉnh' và không nhận ra 'Tên tỉnh' ('{name or ''}'): hãy ghi mã tỉnh (ví dụ 01 cho Hà Nội) và "
            "gửi lại.",
            f"'Mã tỉnh' (province code) is blank and the province name ('{name or ''}') is not recognised: write the "
            "province code (e.g. 01 for Hà Nội) and send it again.",
        )
    valid = next((p for p in named if _valid(p, end)), None)
    if valid:
        return valid["province_code"], None
    raise _former_unit_held(named[0], year)


def _form(value, codes: list[str]) -> str | None:
    """'01/KHCN-TC', '01-KHCN-TC', 'Biểu 01', '1'; or, when the header says nothing, the form every code is of."""
    text = re.sub(r"\s+", "", str(value or "")).upper().replace("–", "-")
    found = re.search(r"(\d{1,2})[/\-]?KHCN-?([A-Z]+)", text) or re.search(r"^(?:BIEU|BIỂU)?(\d{1,2})$", text)
    if found:
        number = f"{int(found.group(1)):02d}/"
        return next((f for f in FORMS if f.startswith(number)), None)
    forms = {_TEMPLATE[c]["form"] for c in codes if c in _TEMPLATE}
    return forms.pop() if len(forms) == 1 and not text else None


def _check_year(year: int | None, today: date) -> int:
    if year is None:
        raise ReportFileError(
            "Thiếu hoặc không đọc được 'Năm báo cáo': hãy ghi năm, ví dụ 2024, và gửi lại.",
            "'Năm báo cáo' (reporting year) is missing or unreadable: write the year, e.g. 2024, and send it again.",
        )
    if year > today.year:
        raise ReportFileError(
            f"Năm báo cáo {year} ở tương lai (nay là năm {today.year}): hãy sửa năm báo cáo và gửi lại.",
            f"Reporting year {year} is in the future (this is {today.year}): correct the year and send it again.",
        )
    if year < FIRST_YEAR:
        raise ReportFileError(
            f"Năm báo cáo {year} trước năm {FIRST_YEAR}: hãy kiểm tra năm báo cáo.",
            f"Reporting year {year} is before {FIRST_YEAR}: check the reporting year.",
        )
    return year


def _identify(meta: dict, codes: list[str], today: date) -> tuple[str, int, str, str | None]:
    """(form, year, province code, note) of the report, or ReportFileError when they can't be applied."""
    form = _form(meta.get("form_code"), codes)
    if form is None:
        raise ReportFileError(
            f"'Biểu số' thiếu hoặc không thuộc các biểu {', '.join(FORMS)} ('{meta.get('form_code') or ''}').",
            f"'Biểu số' (form) is missing or not one of {', '.join(FORMS)} ('{meta.get('form_code') or ''}').",
        )
    year = _check_year(parse_year(meta.get("reference_year")), today)
    province_code, note = resolve_province(
        meta.get("province_code"),
        meta.get("province_name") or (meta.get("sender") if not meta.get("province_code") else None),
        year,
    )
    return form, year, province_code, note


def _cells(row: list, columns: dict) -> dict:
    return {role: row[i] if i < len(row) else None for i, role in columns.items()}


def read_report(path: Path, today: date | None = None, data: bytes | None = None) -> tuple[dict, list[dict]]:
    """(metadata, rows) of one report file; raises ReportFileError (the file is held) when it can't be used."""
    today = today or date.today()
    workbook = read_workbook(path, data)
    sheet, rows, received, encoding, table = _table_sheet(workbook.sheets)
    others = [
        [[fix_cell_mojibake(c) for c in row] for row in s.rows] for s in workbook.sheets if s.visible and s is not sheet
    ]
    meta = layout.metadata(rows[: table.header_row])
    for other in others:  # a cover sheet may hold what the table's sheet does not
        meta = {**layout.metadata(other), **meta}

    notes, skipped, lines = [], [], []
    for index in range(table.first_data_row, len(rows)):
        row = rows[index]
        if not any(c is not None and str(c).strip() for c in row) or layout.is_column_numbering(row):
            continue
        cells = _cells(row, table.columns)
        if layout.is_totals_row(cells):
            skipped.append(index + 1)
            continue
        code = layout.normalise_code(cells.get("indicator_code"))
        value = cells.get("value")
        numeric = isinstance(value, (int, float)) or bool(
            re.fullmatch(r"[\s\d.,+\-']*\d[\s\d.,+\-']*", str(value or ""))
        )
        if not layout.looks_like_code(code) and not (code and value is not None) and not numeric:
            if "report_date" not in meta:  # the signature line: 'Hà Nội, ngày 12 tháng 02 năm 2025'
                signed = next((d for c in row if (d := find_date_in_words(c))), None)
                if signed:
                    meta["report_date"] = signed
            continue
        lines.append((index, cells, code))

    codes = [code for _, _, code in lines if code]
    try:
        form, year, province_code, note = _identify(meta, codes, today)
    except ReportFileError as held:
        # what the file says of itself, so that completeness and the receipt can name the report that is held
        held.metadata = {
            "form_code": _form(meta.get("form_code"), codes),
            "province_name": meta.get("province_name"),
            "reference_year": parse_year(meta.get("reference_year")),
            "province_code": getattr(held, "province_code", None)
            or layout.normalise_province_code(meta.get("province_code")),
            "report_date": parse_date(meta.get("report_date")),
        }
        raise
    if note:
        notes.append(note)
    if not lines:
        raise ReportFileError("Bảng số liệu không có dòng nào.", "The data table has no rows.")

    decimal = file_decimal_separator(cells.get("value") for _, cells, _ in lines)
    formulas = _Formulas(path, data, sheet.name, table) if workbook.file_format == "xlsx" else None
    out = []
    for index, cells, code in lines:
        template = _TEMPLATE.get(code or "")
        unit_received = cells.get("unit")
        factor = unit_factor(unit_received, template["unit"] if template else None)
        raw_value, problem, value = cells.get("value"), None, None
        whole = template is not None and fold(template["unit"]) in _COUNT_UNITS
        try:
            value = parse_number(raw_value, decimal, whole)
        except AmbiguousNumber:
            problem = (
                f"giá trị '{raw_value}' không rõ dấu '.' hay ',' là dấu thập phân (cả tệp không cho biết) / "
                f"value '{raw_value}' is ambiguous: nothing in the file says whether '.' or ',' is its "
                "decimal separator"
            )
        except ValueError:
            problem = None  # staging says the value is not a number, quoting it
        if value is None and raw_value is None and formulas is not None:
            problem = formulas.problem(index)
        if value is not None and factor not in (None, 1.0):
            value = value * factor
        breakdown = cells.get("breakdown")
        out.append(
            {
                "row_number": index + 1,
                "indicator_code": neutralise(code),
                "indicator_name": neutralise(cells.get("indicator_name")),
                "breakdown": _breakdown(breakdown),
                "breakdown_name": neutralise(cells.get("breakdown_name")),
                "unit": template["unit"] if template and factor is not None else neutralise(unit_received),
                "unit_received": neutralise(None if unit_received is None else str(unit_received)),
                "value_text": None if raw_value is None else neutralise(str(raw_value)),
                "value": value,
                "value_problem": problem,
                "original_text": json.dumps(
                    [None if c is None else str(c) for c in received[index]], ensure_ascii=False
                )
                if encoding
                else None,
            }
        )
    metadata = {
        "form_code": form,
        "province_code": province_code,
        "province_name": neutralise(meta.get("province_name")),
        "reference_year": year,
        "report_date": parse_date(meta.get("report_date")),
        "revision": parse_revision(meta.get("revision")) or 1,
        "file_format": workbook.file_format,
        "text_encoding": encoding or "unicode",
        "byte_encoding": workbook.byte_encoding,
        "sheet_name": sheet.name,
        "rows_skipped": len(skipped),
        "notes": notes,
    }
    return metadata, out


def _breakdown(cell) -> str:
    text = re.sub(r"\s*:\s*", ":", strip_diacritics(str(cell or "")).strip())
    text = re.sub(r"\s+", "_", text)  # the member's case is the template's business: staging compares without it
    return "tong" if text.lower() in ("", "tong", "tong_so", "tong_cong") else neutralise(text)


class _Formulas:
    """A formula saved without its computed value (written by a program, never opened in Excel) reads as blank;
    the workbook's formulas are read (once, and only then) to say so."""

    def __init__(self, path: Path, data: bytes | None, sheet_name: str, table: layout.Table):
        self.source = (path, data, sheet_name)
        self.column = next(i for i, r in table.columns.items() if r == "value")
        self.cells: dict | None = None

    def problem(self, index: int) -> str | None:
        if self.cells is None:
            self.cells = self._read()
        formula = self.cells.get(index)
        if not formula:
            return None
        return (
            f"ô giá trị là công thức {formula[:60]} chưa có kết quả: hãy mở tệp bằng Excel, lưu lại và gửi lại / "
            f"the value cell holds the formula {formula[:60]} without its computed value: open the file in "
            "Excel, save it and send it again"
        )

    def _read(self) -> dict:
        import io  # noqa: PLC0415

        from openpyxl import load_workbook  # noqa: PLC0415

        path, data, sheet_name = self.source
        try:
            workbook = load_workbook(io.BytesIO(data) if data is not None else path, read_only=True)
            rows = workbook[sheet_name].iter_rows(min_row=1, min_col=1, values_only=True)
            return {
                i: row[self.column]
                for i, row in enumerate(rows)
                if self.column < len(row) and isinstance(row[self.column], str) and row[self.column].startswith("=")
            }
        except Exception:  # noqa: BLE001  (best effort: the row is quarantined either way)
            return {}
