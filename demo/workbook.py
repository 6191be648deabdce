"""Writes provincial report files in NASATI's template (see `sources/provinces/template.py`), with the
imperfections real offices add when asked (`ReportQuirks`): CSV instead of XLSX, headers re-spelled
or re-ordered, numbers as Vietnamese-formatted text, merged and blank cells, text in the legacy TCVN3
or VNI fonts, the province given by name only. The values stay the same, so the ground truth holds."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from sources.provinces.template import FORMS
from sources.vietnamese import strip_diacritics, to_legacy

__all__ = ["ReportQuirks", "report_file_name", "write_report_workbook"]

BREAKDOWN_LABELS = {"tong": "Tổng số"}
HEADER = ["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Mã phân tổ", "Phân tổ", "Đơn vị tính", "Giá trị"]


@dataclass(frozen=True)
class ReportQuirks:
    file_format: str = "xlsx"  # xlsx or csv
    header: str = "template"  # template, upper (ALL CAPS), plain (no diacritics), shuffled (column order)
    vietnamese_numbers: bool = False  # values as text "1.234,5"
    merged_cells: bool = False  # title, indicator names and signatures in merged cells (xlsx)
    blank_rows: bool = False  # blank lines inside the table, blank breakdown names
    legacy_encoding: str | None = None  # tcvn3 or vni: every text typed in an old font
    name_only: bool = False  # the province code left blank, the name filled in

    @classmethod
    def draw(cls, rng: random.Random) -> ReportQuirks:
        """A typical office's quirks: most files follow the template, a fraction do not."""
        return cls(
            file_format="csv" if rng.random() < 0.12 else "xlsx",
            header=rng.choices(("template", "upper", "plain", "shuffled"), (0.8, 0.06, 0.07, 0.07))[0],
            vietnamese_numbers=rng.random() < 0.1,
            merged_cells=rng.random() < 0.1,
            blank_rows=rng.random() < 0.1,
            legacy_encoding=rng.choices((None, "tcvn3", "vni"), (0.9, 0.06, 0.04))[0],
            name_only=rng.random() < 0.05,
        )


def report_file_name(province_code: str, year: int, form: str, revision: int, suffix: str = "xlsx") -> str:
    return f"{province_code}_{year}_{form.replace('/', '-')}_lan{revision}.{suffix}"


def vietnamese_number(value: float, money: bool = False) -> str:
    """1234.5 -> "1.234,5"; 35.0 -> "35"; money keeps its decimal ("1.234,0"), as the offices' number format
    shows it, so that no value of a file is ambiguous ("1.234": thousands, or a decimal point?)."""
    whole, _, fraction = f"{value:.1f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return grouped if fraction == "0" and not money else f"{grouped},{fraction}"


def write_report_workbook(
    folder: Path,
    province_code: str,
    province_name: str,
    year: int,
    form: str,
    report_date: date,
    rows,
    revision: int = 1,
    quirks: ReportQuirks = ReportQuirks(),
) -> Path:
    """rows: (indicator_code, breakdown, value, unit) tuples."""
    spec = FORMS[form]
    names = {ind["code"]: ind["name"] for ind in spec["indicators"]}
    header = list(HEADER)
    if quirks.header == "upper":
        header = [h.upper() for h in header]
    elif quirks.header == "plain":
        header = [strip_diacritics(h).lower() for h in header]
    order = list(range(len(HEADER)))
    if quirks.header == "shuffled":
        order = [0, 1, 3, 6, 2, 4, 5]  # code, breakdown and value first, names after
    lines: list[list] = [
        ["BÁO CÁO THỐNG KÊ CƠ SỞ VỀ KHOA HỌC VÀ CÔNG NGHỆ"],
        ["Biểu số:", form, spec["title"]],
        ["Đơn vị báo cáo:", f"Sở Khoa học và Công nghệ {province_name}"],
        ["Mã tỉnh:", None if quirks.name_only else province_code],
        ["Tên tỉnh:", province_name],
        ["Năm báo cáo:", year],
        ["Ngày báo cáo:", report_date.strftime("%d/%m/%Y")],
        ["Lần nộp:", revision],
        [],
        [header[i] for i in order],
    ]
    table_start = len(lines) + 1
    for n, (indicator, breakdown, value, unit) in enumerate(rows, start=1):
        label = BREAKDOWN_LABELS.get(breakdown, breakdown.replace(":", ": ").replace("_", " "))
        shown = (
            vietnamese_number(value, money=unit == "triệu đồng")
            if quirks.vietnamese_numbers or quirks.file_format == "csv"
            else value
        )
        if quirks.blank_rows and n % 7 == 0:
            lines.append([])
            label = None
        cells = [n, indicator, names[indicator], breakdown, label, unit, shown]
        lines.append([cells[i] for i in order])
    lines += [
        [],
        ["", "Người lập biểu", "", "", "Thủ trưởng đơn vị"],
        ["", "(Ký, ghi rõ họ tên)", "", "", "(Ký, đóng dấu)"],
    ]
    if quirks.legacy_encoding:
        lines = [[to_legacy(c, quirks.legacy_encoding) if isinstance(c, str) else c for c in line] for line in lines]
    path = Path(folder) / report_file_name(province_code, year, form, revision, quirks.file_format)
    if quirks.file_format == "csv":
        # Excel's "CSV UTF-8" for Unicode text; a legacy-font file is one byte per character, as old offices save it
        encoding = "latin-1" if quirks.legacy_encoding else "utf-8-sig"
        with open(path, "w", newline="", encoding=encoding) as f:
            csv.writer(f).writerows(lines)
        return path
    if quirks.merged_cells:
        wb = Workbook()
        ws = wb.active
        ws.title = "Bieu"
        for line in lines:
            ws.append(line)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        name_column = order.index(2) + 1
        first = table_start
        for row in range(table_start + 1, table_start + len(rows) + 2):  # one merged name per indicator
            if ws.cell(row, 1).value is None or ws.cell(row, name_column).value != ws.cell(first, name_column).value:
                if row - 1 > first and all(ws.cell(r, 1).value is not None for r in range(first, row)):
                    ws.merge_cells(start_row=first, start_column=name_column, end_row=row - 1, end_column=name_column)
                first = row
    else:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Bieu")
        for line in lines:
            ws.append(line)
    wb.save(path)
    return path
