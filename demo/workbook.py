"""Writes provincial report workbooks in NASATI's template (see `sources/provinces/template.py`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

from sources.provinces.template import FORMS

__all__ = ["FORMS", "report_file_name", "write_report_workbook"]

BREAKDOWN_LABELS = {"tong": "Tổng số"}


def report_file_name(province_code: str, year: int, form: str, revision: int) -> str:
    return f"{province_code}_{year}_{form.replace('/', '-')}_lan{revision}.xlsx"


def write_report_workbook(folder: Path, province_code: str, province_name: str, year: int, form: str,
                          report_date: date, rows, revision: int = 1) -> Path:
    """rows: (indicator_code, breakdown, value, unit) tuples."""
    spec = FORMS[form]
    names = {ind["code"]: ind["name"] for ind in spec["indicators"]}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Bieu")
    ws.append(["BÁO CÁO THỐNG KÊ CƠ SỞ VỀ KHOA HỌC VÀ CÔNG NGHỆ"])
    ws.append(["Biểu số:", form, spec["title"]])
    ws.append(["Đơn vị báo cáo:", f"Sở Khoa học và Công nghệ {province_name}"])
    ws.append(["Mã tỉnh:", province_code])
    ws.append(["Tên tỉnh:", province_name])
    ws.append(["Năm báo cáo:", year])
    ws.append(["Ngày báo cáo:", report_date.strftime("%d/%m/%Y")])
    ws.append(["Lần nộp:", revision])
    ws.append([])
    ws.append(["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Mã phân tổ", "Phân tổ", "Đơn vị tính", "Giá trị"])
    for n, (indicator, breakdown, value, unit) in enumerate(rows, start=1):
        label = BREAKDOWN_LABELS.get(breakdown, breakdown.replace(":", ": ").replace("_", " "))
        ws.append([n, indicator, names[indicator], breakdown, label, unit, value])
    ws.append([])
    ws.append(["", "Người lập biểu", "", "", "Thủ trưởng đơn vị"])
    ws.append(["", "(Ký, ghi rõ họ tên)", "", "", "(Ký, đóng dấu)"])
    path = Path(folder) / report_file_name(province_code, year, form, revision)
    wb.save(path)
    return path
