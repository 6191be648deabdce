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
from sources.provinces.identity import TEMPLATE_INDICATORS, form_of, identify
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
from sources.vietnamese import detect_legacy_encoding, fold, from_legacy, strip_diacritics

_COUNT_UNITS = {fold(ind["unit"]) for ind in TEMPLATE_INDICATORS.values()} - {"trieu dong"}
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

    lines, skipped = _data_lines(rows, table, meta)
    codes = [code for _, _, code in lines if code]
    form, year, province_code, note = _identify_or_hold(meta, codes, today)
    notes = [note] if note else []
    if not lines:
        raise ReportFileError("Bảng số liệu không có dòng nào.", "The data table has no rows.")

    decimal = file_decimal_separator(cells.get("value") for _, cells, _ in lines)
    formulas = _Formulas(path, data, sheet.name, table) if workbook.file_format == "xlsx" else None
    out = [
        _report_row(index, cells, code, decimal, formulas, received[index] if encoding else None)
        for index, cells, code in lines
    ]
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


def _data_lines(rows: list[list], table: layout.Table, meta: dict) -> tuple[list[tuple], list[int]]:
    """The table's indicator lines as (row index, cells, code), and the totals rows skipped (numbered from 1).
    A signature line's date goes into `meta` when the header gave none."""
    skipped, lines = [], []
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
    return lines, skipped


def _identify_or_hold(meta: dict, codes: list[str], today: date) -> tuple[str, int, str, str | None]:
    """`identify`; a file held carries what it says of itself, so completeness and the receipt can name it."""
    try:
        return identify(meta, codes, today)
    except ReportFileError as held:
        held.metadata = {
            "form_code": form_of(meta.get("form_code"), codes),
            "province_name": meta.get("province_name"),
            "reference_year": parse_year(meta.get("reference_year")),
            "province_code": getattr(held, "province_code", None)
            or layout.normalise_province_code(meta.get("province_code")),
            "report_date": parse_date(meta.get("report_date")),
        }
        raise


def _report_row(
    index: int, cells: dict, code: str | None, decimal, formulas: _Formulas | None, original: list | None
) -> dict:
    """One indicator line as a `report_rows` row; `original` is the line as received when its text was repaired."""
    template = TEMPLATE_INDICATORS.get(code or "")
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
    return {
        "row_number": index + 1,
        "indicator_code": neutralise(code),
        "indicator_name": neutralise(cells.get("indicator_name")),
        "breakdown": _breakdown(cells.get("breakdown")),
        "breakdown_name": neutralise(cells.get("breakdown_name")),
        "unit": template["unit"] if template and factor is not None else neutralise(unit_received),
        "unit_received": neutralise(None if unit_received is None else str(unit_received)),
        "value_text": None if raw_value is None else neutralise(str(raw_value)),
        "value": value,
        "value_problem": problem,
        "original_text": json.dumps([None if c is None else str(c) for c in original], ensure_ascii=False)
        if original is not None
        else None,
    }


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
