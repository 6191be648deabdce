"""Provincial statistical report files (forms 01-04) dropped into the intake folder.

Each file becomes one `report_files` row (what was received, and whether it was loaded or held, with the
reason) and, when loaded, one `report_rows` row per indicator line carrying the file's metadata. What
offices really send is read (`files.py`: formats and encodings; `layout.py`: where the table and its labels
are; `values.py`: numbers, dates, units; `report.py`: one file). A file that cannot be used, for whatever
reason (an exception of the reader included), is moved to the quarantine folder with a note saying why, in
Vietnamese and English, and the rest of the intake still loads. Rows are judged in staging.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import dlt
import pyarrow as pa

from sources.provinces.files import SUPPORTED_SUFFIXES, ReportFileError
from sources.provinces.report import province_code_for_name, read_report

__all__ = ["FILE_SCHEMA", "ROW_SCHEMA", "ReportFileError", "province_code_for_name", "provinces", "quarantine_file",
           "read_report"]

log = logging.getLogger(__name__)

_FILE_FIELDS = [
    pa.field("file_sha256", pa.string(), nullable=False), ("file_name", pa.string()),
    ("received_at", pa.timestamp("us", tz="UTC")), ("form_code", pa.string()), ("province_code", pa.string()),
    ("province_name", pa.string()), ("reference_year", pa.int64()), ("report_date", pa.date32()),
    ("revision", pa.int64()),
]
ROW_SCHEMA = pa.schema(_FILE_FIELDS + [
    pa.field("row_number", pa.int64(), nullable=False), ("indicator_code", pa.string()), ("indicator_name", pa.string()),
    ("breakdown", pa.string()), ("breakdown_name", pa.string()), ("unit", pa.string()), ("unit_received", pa.string()),
    ("value_text", pa.string()), ("value", pa.float64()), ("value_problem", pa.string()),
    ("file_format", pa.string()), ("text_encoding", pa.string()), ("original_text", pa.string()),
])
FILE_SCHEMA = pa.schema(_FILE_FIELDS + [
    ("status", pa.string()), ("reason_vi", pa.string()), ("reason_en", pa.string()), ("rows_read", pa.int64()),
    ("rows_skipped", pa.int64()), ("sheet_name", pa.string()), ("file_format", pa.string()),
    ("text_encoding", pa.string()), ("byte_encoding", pa.string()), ("notes", pa.string()),
    ("quarantined_as", pa.string()),
])
_FILE_METADATA = pa.schema(_FILE_FIELDS).names
_FILE_HINTS = dlt.mark.make_hints(table_name="report_files", primary_key="file_sha256", write_disposition="merge")


def quarantine_file(path: Path, quarantine_dir: Path, reason: str, digest: str) -> Path:
    """Moves the file into the quarantine folder under a name of its own (two bad files called alike never
    overwrite each other) with a note beside it."""
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    target = quarantine_dir / f"{path.stem}.{digest[:8]}{path.suffix}"
    shutil.move(str(path), target)
    name = path.name.replace("\n", " ").replace("\r", " ")
    target.with_name(target.name + ".note.txt").write_text(
        f"Tệp / file: {name}\nLý do / reason: {reason}\n"
        "Xin sửa theo mẫu báo cáo của Cục Thông tin KH&CN quốc gia và gửi lại. "
        "Please correct it following NASATI's report template and send it again.\n", encoding="utf-8")
    return target


def _unsupported(path: Path) -> ReportFileError:
    return ReportFileError(
        f"Định dạng '{path.suffix}' chưa được hỗ trợ; hãy gửi tệp Excel (.xlsx, .xls), .ods hoặc .csv.",
        f"Unsupported file type '{path.suffix}': send an Excel workbook (.xlsx, .xls), .ods or .csv.")


def _read(path: Path, data: bytes) -> tuple[dict, list[dict]]:
    """read_report, with every failure a ReportFileError: a reader bug must hold one file, not the run."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise _unsupported(path)
    try:
        return read_report(path, data=data)
    except ReportFileError:
        raise
    except Exception as exc:  # noqa: BLE001
        log.exception("report file %s could not be read", path.name)
        raise ReportFileError(
            f"Tệp không đọc được do lỗi ngoài dự kiến ({type(exc).__name__}); Cục Thông tin KH&CN quốc gia đã được "
            "báo để kiểm tra. Có thể lưu lại tệp theo mẫu (.xlsx) và gửi lại.",
            f"The file could not be read because of an unexpected error ({type(exc).__name__}: {exc}); NASATI's "
            "data team has been told. Saving it again in the template (.xlsx) and resending may help.") from exc


@dlt.source(name="provinces")
def provinces(intake_dir: str = dlt.config.value, quarantine_dir: str = dlt.config.value,
              reload_year: int | None = None):
    """Report rows (and one `report_files` row per file) from the files in `intake_dir`.

    A file is read once: the content hashes already loaded are kept in the pipeline state (which dlt
    stores in the destination), so the same file dropped again loads nothing. `reload_year` re-reads
    every file of that reporting year, loaded before or not, and no other (a re-run or backfill of one
    year); its rows replace the earlier ones by (file, row)."""

    intake, quarantine = Path(intake_dir), Path(quarantine_dir)

    @dlt.resource(name="report_rows", primary_key=("file_sha256", "row_number"), write_disposition="merge")
    def report_rows() -> Iterator[pa.Table]:
        loaded = dlt.current.resource_state().setdefault("loaded_files", {})
        batch, files = [], []
        candidates = sorted(p for p in intake.glob("*") if p.is_file() and not p.is_symlink()
                            and not p.name.startswith(".")) if intake.is_dir() else []
        for path in candidates:
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest in loaded and reload_year is None:
                continue
            received = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
            record = {"file_sha256": digest, "file_name": path.name, "received_at": received}
            try:
                meta, rows = _read(path, data)
            except ReportFileError as exc:
                target = quarantine_file(path, quarantine, str(exc), digest)
                files.append({**record, **getattr(exc, "metadata", {}), "status": "held", "reason_vi": exc.vi,
                              "reason_en": exc.en, "quarantined_as": target.name})
                continue
            if reload_year is not None and meta["reference_year"] != reload_year:
                continue
            file_meta = {**record, **{name: meta[name] for name in _FILE_METADATA if name in meta}}
            batch.extend({**file_meta, **row, "file_format": meta["file_format"],
                          "text_encoding": meta["text_encoding"]} for row in rows)
            files.append({**file_meta, "status": "loaded", "rows_read": len(rows), "rows_skipped": meta["rows_skipped"],
                          "sheet_name": meta["sheet_name"], "file_format": meta["file_format"],
                          "text_encoding": meta["text_encoding"], "byte_encoding": meta["byte_encoding"],
                          "notes": json.dumps(meta["notes"], ensure_ascii=False) if meta["notes"] else None})
            loaded[digest] = path.name
            if len(batch) >= 50_000:
                yield pa.Table.from_pylist(batch, schema=ROW_SCHEMA)
                batch = []
        # both tables exist from the first run on, even before any file arrives (models downstream read them)
        yield pa.Table.from_pylist(batch, schema=ROW_SCHEMA)
        yield dlt.mark.with_hints(pa.Table.from_pylist(files, schema=FILE_SCHEMA), _FILE_HINTS, create_table_variant=True)

    return report_rows
