"""Provincial statistical report files (forms 01-04) dropped into the intake folder.

Each workbook becomes one `report_files` row and one `report_rows` row per indicator line. A file that
cannot be read is moved to the quarantine folder with a note saying why, in words a provincial
officer can act on; the rest of the intake still loads.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

import dlt
import pyarrow as pa
from openpyxl import load_workbook

from sources.provinces.template import FORMS, HEADER_COLUMNS, METADATA_LABELS
from sources.vietnamese import fold

ROW_SCHEMA = pa.schema([
    pa.field("file_sha256", pa.string(), nullable=False), ("file_name", pa.string()), ("received_at", pa.timestamp("us", tz="UTC")),
    ("form_code", pa.string()), ("province_code", pa.string()), ("province_name", pa.string()),
    ("reference_year", pa.int64()), ("report_date", pa.date32()), ("revision", pa.int64()),
    pa.field("row_number", pa.int64(), nullable=False), ("indicator_code", pa.string()), ("indicator_name", pa.string()),
    ("breakdown", pa.string()), ("breakdown_name", pa.string()), ("unit", pa.string()),
    ("value_text", pa.string()), ("value", pa.float64()),
])
SUPPORTED = (".xlsx",)


class ReportFileError(ValueError):
    """A report file NASATI cannot read; the message is written for the provincial officer."""


def parse_number(value) -> float | None:
    """Numbers as Vietnamese spreadsheets hold them: 1234.5, "1.234,5", "1 234", blank."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text or text == "-":
        return None
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", text) or re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    return float(text)


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _label_key(text) -> str:
    return fold(str(text or "")).rstrip(" :")


def read_report(path: Path) -> tuple[dict, list[dict]]:
    """Reads one report workbook into its metadata and data rows; raises ReportFileError if it can't."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise ReportFileError(f"Tệp không mở được như một bảng tính Excel (.xlsx): {exc}. "
                              "The file is not a readable Excel workbook.") from exc
    try:
        sheet = workbook.worksheets[0]
        meta, columns, rows = {}, None, []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(cells)
            if columns is None:
                key = _label_key(cells[0]) if cells else ""
                if key in METADATA_LABELS and len(cells) > 1:
                    meta[METADATA_LABELS[key]] = cells[1]
                folded = [_label_key(c) for c in cells]
                if "ma chi tieu" in folded and "gia tri" in folded:
                    columns = {i: HEADER_COLUMNS[k] for i, k in enumerate(folded) if k in HEADER_COLUMNS}
                continue
            record = {name: cells[i] if i < len(cells) else None for i, name in columns.items()}
            if not record.get("indicator_code"):
                if rows:
                    break  # the table ends at the first blank line; signatures follow
                continue
            raw_value = record.get("value")
            try:
                value = parse_number(raw_value)
            except ValueError:
                value = None  # kept as text; staging quarantines the row with the reason
            rows.append({"row_number": number, "indicator_code": str(record["indicator_code"]).strip(),
                         "indicator_name": record.get("indicator_name"),
                         "breakdown": str(record.get("breakdown") or "tong").strip(),
                         "breakdown_name": record.get("breakdown_name"), "unit": record.get("unit"),
                         "value_text": None if raw_value is None else str(raw_value), "value": value})
    finally:
        workbook.close()
    if columns is None:
        raise ReportFileError("Không tìm thấy dòng tiêu đề bảng số liệu (cần có cột 'Mã chỉ tiêu' và 'Giá trị'). "
                              "No header row with 'Mã chỉ tiêu' and 'Giá trị' was found.")
    problems = [label for label, field in (("Biểu số", "form_code"), ("Mã tỉnh", "province_code"),
                                           ("Năm báo cáo", "reference_year")) if not meta.get(field)]
    if problems:
        raise ReportFileError(f"Thiếu thông tin bắt buộc: {', '.join(problems)}. Missing required header fields.")
    form = str(meta["form_code"]).strip().upper()
    if form not in FORMS:
        raise ReportFileError(f"Biểu số '{form}' không thuộc các biểu 01-04 ({', '.join(FORMS)}). Unknown form.")
    metadata = {
        "form_code": form, "province_code": str(meta["province_code"]).strip().zfill(2),
        "province_name": meta.get("province_name"), "reference_year": int(meta["reference_year"]),
        "report_date": _parse_date(meta.get("report_date")), "revision": int(meta.get("revision") or 1),
    }
    return metadata, rows


def quarantine_file(path: Path, quarantine_dir: Path, reason: str) -> Path:
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    target = quarantine_dir / path.name
    shutil.move(str(path), target)
    target.with_name(target.name + ".note.txt").write_text(
        f"Tệp / file: {path.name}\nLý do / reason: {reason}\n"
        "Xin sửa theo mẫu báo cáo của Cục Thông tin KH&CN quốc gia và gửi lại. "
        "Please correct it following NASATI's report template and send it again.\n", encoding="utf-8")
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dlt.source(name="provinces")
def provinces(intake_dir: str = dlt.config.value, quarantine_dir: str = dlt.config.value):
    """Report rows from the files in `intake_dir`, each row carrying its file's metadata.

    A file is read once: the content hashes already loaded are kept in the pipeline state (which dlt
    stores in the destination), so the same file dropped again loads nothing."""

    intake, quarantine = Path(intake_dir), Path(quarantine_dir)

    @dlt.resource(name="report_rows", primary_key=("file_sha256", "row_number"), write_disposition="merge")
    def report_rows() -> Iterator[pa.Table]:
        loaded = dlt.current.resource_state().setdefault("loaded_files", {})
        batch = []
        for path in sorted(p for p in intake.glob("*") if p.is_file() and not p.name.startswith(".")):
            digest = _sha256(path)
            if digest in loaded:
                continue
            if path.suffix.lower() not in SUPPORTED:
                quarantine_file(path, quarantine, f"Định dạng '{path.suffix}' chưa được hỗ trợ; hãy gửi tệp .xlsx. "
                                                  "Unsupported file type.")
                continue
            try:
                meta, rows = read_report(path)
                if not rows:
                    raise ReportFileError("Bảng số liệu không có dòng nào. The data table has no rows.")
            except ReportFileError as exc:
                quarantine_file(path, quarantine, str(exc))
                continue
            received = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
            file_meta = {"file_sha256": digest, "file_name": path.name, "received_at": received, **meta}
            batch.extend({**file_meta, **row} for row in rows)
            loaded[digest] = path.name
            if len(batch) >= 50_000:
                yield pa.Table.from_pylist(batch, schema=ROW_SCHEMA)
                batch = []
        if batch:
            yield pa.Table.from_pylist(batch, schema=ROW_SCHEMA)

    return report_rows
