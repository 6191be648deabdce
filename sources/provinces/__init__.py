"""Provincial statistical report files (forms 01-04) dropped into the intake folder.

Each file (`.xlsx`, or `.csv` saved from Excel) becomes one `report_rows` row per indicator line,
carrying the file's metadata. What offices really send is tolerated: title and signature rows,
columns in any order, header and label spelling with or without diacritics and in any case,
Vietnamese number formats ("1.234,5"), blank rows and cells, merged cells, and text typed in the
legacy TCVN3 or VNI fonts (repaired to Unicode; the row as received is kept in `original_text`).
A file without a province code is placed by its province name, valid at the end of the reporting
year. A file that cannot be read is moved to the quarantine folder with a note saying why, in
words a provincial officer can act on; the rest of the intake still loads.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

import dlt
import pyarrow as pa
from openpyxl import load_workbook

from sources.provinces.template import FORMS, HEADER_COLUMNS, METADATA_LABELS
from sources.reference import load_provinces
from sources.vietnamese import detect_legacy_encoding, fold, from_legacy

ROW_SCHEMA = pa.schema([
    pa.field("file_sha256", pa.string(), nullable=False), ("file_name", pa.string()), ("received_at", pa.timestamp("us", tz="UTC")),
    ("form_code", pa.string()), ("province_code", pa.string()), ("province_name", pa.string()),
    ("reference_year", pa.int64()), ("report_date", pa.date32()), ("revision", pa.int64()),
    pa.field("row_number", pa.int64(), nullable=False), ("indicator_code", pa.string()), ("indicator_name", pa.string()),
    ("breakdown", pa.string()), ("breakdown_name", pa.string()), ("unit", pa.string()),
    ("value_text", pa.string()), ("value", pa.float64()),
    ("file_format", pa.string()), ("text_encoding", pa.string()), ("original_text", pa.string()),
])
SUPPORTED = (".xlsx", ".csv")
_INDICATOR_CODE = re.compile(r"^\d{2,}$")


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


def _xlsx_grid(path: Path) -> list[list]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise ReportFileError(f"Tệp không mở được như một bảng tính Excel (.xlsx): {exc}. "
                              "The file is not a readable Excel workbook.") from exc
    try:
        # merged cells read as the value in their first cell and blanks elsewhere, which the parser tolerates
        return [list(cells) for cells in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _csv_grid(path: Path) -> list[list]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # legacy-font files are single-byte; repaired below
    if not text.strip():
        raise ReportFileError("Tệp CSV rỗng. The CSV file is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[cell if cell.strip() else None for cell in row] for row in csv.reader(io.StringIO(text), dialect)]


def _repair_text(grid: list[list]) -> tuple[list[list], str | None, list[list]]:
    """The grid with TCVN3/VNI text converted to Unicode, the encoding found, and the grid as received."""
    encoding = detect_legacy_encoding(c for row in grid for c in row if isinstance(c, str))
    if encoding is None:
        return grid, None, grid
    repaired = [[from_legacy(c, encoding) if isinstance(c, str) else c for c in row] for row in grid]
    return repaired, encoding, grid


_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp)\s+")


def province_code_for_name(name, on: date) -> str | None:
    """The code of the province called `name` on date `on` (for a former province's name after the merger: its
    successor's). Names compare without diacritics, case or the "Tỉnh"/"Thành phố" prefix."""
    key = _PROVINCE_PREFIX.sub("", fold(str(name or "")))
    if not key:
        return None
    named = [p for p in load_provinces() if _PROVINCE_PREFIX.sub("", fold(p["name"])) == key]
    for p in named:
        if date.fromisoformat(p["valid_from"]) <= on <= date.fromisoformat(p["valid_to"] or "9999-12-31"):
            return p["province_code"]
    former = [p for p in named if p["valid_to"] and date.fromisoformat(p["valid_to"]) < on]
    return former[0]["successor_code"] if former else None


def _is_data_row(record: dict) -> bool:
    """A table row holds a value or an indicator code; title, blank and signature rows hold neither."""
    code = str(record.get("indicator_code") or "").strip()
    return bool(_INDICATOR_CODE.match(code)) or (bool(code) and record.get("value") not in (None, ""))


def read_report(path: Path) -> tuple[dict, list[dict]]:
    """Reads one report file into its metadata and data rows; raises ReportFileError if it can't."""
    file_format = path.suffix.lower().lstrip(".")
    grid = _csv_grid(path) if file_format == "csv" else _xlsx_grid(path)
    grid, encoding, received = _repair_text(grid)
    meta, columns, rows = {}, None, []
    for number, (cells, original) in enumerate(zip(grid, received), start=1):
        if columns is None:
            labelled = [(i, _label_key(c)) for i, c in enumerate(cells) if c is not None and str(c).strip()]
            if labelled and labelled[0][1] in METADATA_LABELS and len(labelled) > 1:
                meta[METADATA_LABELS[labelled[0][1]]] = cells[labelled[1][0]]
            folded = [_label_key(c) for c in cells]
            if "ma chi tieu" in folded and "gia tri" in folded:
                columns = {i: HEADER_COLUMNS[k] for i, k in enumerate(folded) if k in HEADER_COLUMNS}
            continue
        record = {name: cells[i] if i < len(cells) else None for i, name in columns.items()}
        if not _is_data_row(record):
            continue
        raw_value = record.get("value")
        try:
            value = parse_number(raw_value)
        except ValueError:
            value = None  # kept as text; staging quarantines the row with the reason
        rows.append({"row_number": number, "indicator_code": str(record["indicator_code"] or "").strip(),
                     "indicator_name": record.get("indicator_name"),
                     "breakdown": str(record.get("breakdown") or "tong").strip(),
                     "breakdown_name": record.get("breakdown_name"), "unit": record.get("unit"),
                     "value_text": None if raw_value is None else str(raw_value), "value": value,
                     "original_text": json.dumps([None if c is None else str(c) for c in original], ensure_ascii=False)
                     if encoding else None})
    if columns is None:
        raise ReportFileError("Không tìm thấy dòng tiêu đề bảng số liệu (cần có cột 'Mã chỉ tiêu' và 'Giá trị'). "
                              "No header row with 'Mã chỉ tiêu' and 'Giá trị' was found.")
    try:
        year = int(parse_number(meta.get("reference_year")) or 0) or None
    except ValueError:
        year = None
    if year and not meta.get("province_code") and meta.get("province_name"):
        meta["province_code"] = province_code_for_name(meta["province_name"], date(year, 12, 31))
    problems = [label for label, value in (("Biểu số", meta.get("form_code")), ("Mã tỉnh", meta.get("province_code")),
                                           ("Năm báo cáo", year)) if not value]
    if problems:
        raise ReportFileError(f"Thiếu thông tin bắt buộc hoặc không đọc được: {', '.join(problems)}. "
                              "Missing or unreadable required header fields.")
    form = str(meta["form_code"]).strip().upper()
    if form not in FORMS:
        raise ReportFileError(f"Biểu số '{form}' không thuộc các biểu 01-04 ({', '.join(FORMS)}). Unknown form.")
    code = meta["province_code"]
    code = str(int(code)) if isinstance(code, float) else str(code)
    metadata = {
        "form_code": form, "province_code": code.strip().zfill(2),
        "province_name": meta.get("province_name"), "reference_year": year,
        "report_date": _parse_date(meta.get("report_date")), "revision": int(parse_number(meta.get("revision")) or 1),
        "file_format": file_format, "text_encoding": encoding or "unicode",
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
def provinces(intake_dir: str = dlt.config.value, quarantine_dir: str = dlt.config.value,
              reload_year: int | None = None):
    """Report rows from the files in `intake_dir`, each row carrying its file's metadata.

    A file is read once: the content hashes already loaded are kept in the pipeline state (which dlt
    stores in the destination), so the same file dropped again loads nothing. `reload_year` re-reads
    every file of that reporting year, loaded before or not, and no other (a re-run or backfill of one
    year); its rows replace the earlier ones by (file, row)."""

    intake, quarantine = Path(intake_dir), Path(quarantine_dir)

    @dlt.resource(name="report_rows", primary_key=("file_sha256", "row_number"), write_disposition="merge")
    def report_rows() -> Iterator[pa.Table]:
        loaded = dlt.current.resource_state().setdefault("loaded_files", {})
        batch = []
        for path in sorted(p for p in intake.glob("*") if p.is_file() and not p.name.startswith(".")):
            digest = _sha256(path)
            if digest in loaded and reload_year is None:
                continue
            if path.suffix.lower() not in SUPPORTED:
                quarantine_file(path, quarantine, f"Định dạng '{path.suffix}' chưa được hỗ trợ; hãy gửi tệp .xlsx "
                                                  "hoặc .csv. Unsupported file type: send .xlsx or .csv.")
                continue
            try:
                meta, rows = read_report(path)
                if not rows:
                    raise ReportFileError("Bảng số liệu không có dòng nào. The data table has no rows.")
            except (ReportFileError, ValueError) as exc:  # ValueError: a header value that is not a number
                quarantine_file(path, quarantine, str(exc))
                continue
            if reload_year is not None and meta["reference_year"] != reload_year:
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
