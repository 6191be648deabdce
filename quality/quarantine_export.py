"""Quarantined records as a CSV file or an XLSX workbook, for the officers who chase the senders.

JSON Lines (quality/quarantine.py) is the format `csdl quarantine replay` reads back; these two are for
reading and sorting in a spreadsheet: one row per record, headings in Vietnamese beside English, the
record's own fields as columns. The records hold personal data as received (names, e-mails, phone
numbers), so every file says so at its top, and is created readable by its owner only.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from quality.quarantine import records
from warehouse.permissions import PRIVATE_FILE_MODE, create_private_file

FORMATS = ("jsonl", "csv", "xlsx")

PRIVACY_NOTE = (
    "DỮ LIỆU CÁ NHÂN: tệp này chứa dữ liệu cá nhân như nguồn gửi (họ tên, e-mail, số điện thoại). "
    "Chỉ dùng để sửa các bản ghi bị cách ly; không chuyển tiếp, không đăng tải; xoá khi đã sửa xong. "
    "/ PERSONAL DATA: this file holds personal data as the sources sent it (names, e-mails, phone "
    "numbers). Use it only to fix the quarantined records; do not forward or publish it; delete it "
    "once they are fixed."
)

# (record field, heading): what every quarantined record has, before the fields of the record itself
COLUMNS = [
    ("model", "Bảng / model"),
    ("source_system", "Hệ thống nguồn / source system"),
    ("source_key", "Khoá bản ghi / record key"),
    ("reason", "Lý do cách ly / reason"),
    ("quarantined_at", "Thời điểm cách ly / quarantined at"),
]


def _field_names(found: list[dict]) -> list[str]:
    """The fields of the raw records, in the order they first appear (models differ in their fields)."""
    return list(dict.fromkeys(name for r in found for name in r["raw_record"] if not name.startswith("_dlt")))


def _rows(found: list[dict], fields: list[str]) -> list[list]:
    return [
        [
            *(f"{r[k]:%Y-%m-%d %H:%M}" if k == "quarantined_at" else r[k] for k, _ in COLUMNS),
            *(r["raw_record"].get(name) for name in fields),
        ]
        for r in found
    ]


def _headings(fields: list[str]) -> list[str]:
    return [heading for _, heading in COLUMNS] + [f"Trường nguồn / field: {name}" for name in fields]


def write_csv(found: list[dict], path: Path) -> None:
    """UTF-8 with a byte-order mark, so that Excel shows the Vietnamese letters; the note is the first line."""
    fields = _field_names(found)
    with create_private_file(path) as f:
        f.write("\ufeff")
        out = csv.writer(f)
        out.writerow([PRIVACY_NOTE])
        out.writerow(_headings(fields))
        out.writerows(_rows(found, fields))


def write_xlsx(found: list[dict], path: Path) -> None:
    """One sheet per model (its own fields as columns), the note above the headings of each."""
    from openpyxl import Workbook  # noqa: PLC0415  (only for this export)
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    by_model: dict[str, list[dict]] = {}
    for r in found:
        by_model.setdefault(r["model"], []).append(r)
    for model, rows in by_model.items() or [("quarantine", [])]:
        sheet = book.create_sheet(model[:31])  # Excel's longest sheet name
        fields = _field_names(rows)
        headings = _headings(fields)
        sheet.append([PRIVACY_NOTE])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(headings), 1))
        sheet["A1"].font, sheet["A1"].alignment = Font(bold=True, color="9C0006"), Alignment(wrap_text=True)
        sheet.row_dimensions[1].height = 48
        sheet.append(headings)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in _rows(rows, fields):
            sheet.append([v if v is None or isinstance(v, (int, float)) else str(v) for v in row])
        sheet.freeze_panes = "A3"
        for column, heading in zip(sheet.iter_cols(min_row=2, max_row=2), headings, strict=True):
            sheet.column_dimensions[column[0].column_letter].width = min(max(len(heading), 12), 40)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    os.fchmod(fd, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        book.save(f)


def export_for_officers(con, path: Path, model: str | None, file_format: str) -> int:
    """Writes the quarantined records (of `model`, or all) as `file_format` (csv or xlsx); returns how many."""
    found = records(con, model)
    (write_csv if file_format == "csv" else write_xlsx)(found, path)
    return len(found)
