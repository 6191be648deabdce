"""Provincial statistical report files (forms 01-04) dropped into the intake folder.

Each file becomes one `report_files` row (what was received, and whether it was loaded or held, with the
reason) and, when loaded, one `report_rows` row per indicator line carrying the file's metadata. What
offices really send is read (`files.py`: formats and encodings; `layout.py`: where the table and its labels
are; `values.py`: numbers, dates, units; `identity.py`: its form, year and province; `report.py`: one file). A file that cannot be used, for whatever
reason (an exception of the reader included), is moved to the quarantine folder with a note saying why, in
Vietnamese and English, and the rest of the intake still loads. Rows are judged in staging.

A file is taken only once it has settled: neither its content nor its metadata changed for
`CSDL_INTAKE_SETTLE_S` seconds (default 5; a file that changed just before is waited for once), so a workbook still being copied is not held as unreadable
and a CSV half copied is not loaded as complete. A quarantined file that changes afterwards (the copy
went on into the quarantine folder, or an officer replaced it there) is moved back and read again.
Symbolic links are not followed; names are made safe for the quarantine folder and its notes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dlt
import pyarrow as pa

from sources.provinces.files import SUPPORTED_SUFFIXES, ReportFileError, check_file_size
from sources.provinces.report import read_report

__all__ = ["FILE_SCHEMA", "ROW_SCHEMA", "ReportFileError", "provinces", "quarantine_file", "read_report"]

log = logging.getLogger(__name__)

_FILE_FIELDS = [
    pa.field("file_sha256", pa.string(), nullable=False),
    ("file_name", pa.string()),
    ("received_at", pa.timestamp("us", tz="UTC")),
    ("form_code", pa.string()),
    ("province_code", pa.string()),
    ("province_name", pa.string()),
    ("reference_year", pa.int64()),
    ("report_date", pa.date32()),
    ("revision", pa.int64()),
]
ROW_SCHEMA = pa.schema(
    _FILE_FIELDS
    + [
        pa.field("row_number", pa.int64(), nullable=False),
        ("indicator_code", pa.string()),
        ("indicator_name", pa.string()),
        ("breakdown", pa.string()),
        ("breakdown_name", pa.string()),
        ("unit", pa.string()),
        ("unit_received", pa.string()),
        ("value_text", pa.string()),
        ("value", pa.float64()),
        ("value_problem", pa.string()),
        ("file_format", pa.string()),
        ("text_encoding", pa.string()),
        ("original_text", pa.string()),
    ]
)
FILE_SCHEMA = pa.schema(
    _FILE_FIELDS
    + [
        ("status", pa.string()),
        ("reason_vi", pa.string()),
        ("reason_en", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_skipped", pa.int64()),
        ("sheet_name", pa.string()),
        ("file_format", pa.string()),
        ("text_encoding", pa.string()),
        ("byte_encoding", pa.string()),
        ("notes", pa.string()),
        ("quarantined_as", pa.string()),
    ]
)
_FILE_METADATA = pa.schema(_FILE_FIELDS).names
_FILE_HINTS = dlt.mark.make_hints(table_name="report_files", primary_key="file_sha256", write_disposition="merge")


DEFAULT_SETTLE_S = 5.0
_NAME_MAX_BYTES = 255  # what Linux, macOS and Windows file systems allow for one name
_NOTE_SUFFIX = ".note.txt"
# control characters, Unicode line and paragraph separators: one would forge lines in a note or a log
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def settle_seconds() -> float:
    return float(os.environ.get("CSDL_INTAKE_SETTLE_S") or DEFAULT_SETTLE_S)


def printable_name(name: str) -> str:
    return _UNPRINTABLE.sub(" ", name)


def _shortened(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[: max(max_bytes, 0)].decode("utf-8", "ignore")


def quarantine_name(name: str, digest: str) -> str:
    """`<stem>.<hash><suffix>`, without control characters or separators, short enough that the note's name
    (`+ .note.txt`) still fits in 255 bytes: a long name from the province must not stop the load."""
    safe = re.sub(r"[\\/]", "_", _UNPRINTABLE.sub("_", name))
    stem, dot, suffix = safe.rpartition(".") if "." in safe.lstrip(".") else (safe, "", "")
    suffix = _shortened(dot + suffix, 16)
    tag = f".{digest[:8]}"
    room = _NAME_MAX_BYTES - len(_NOTE_SUFFIX) - len(tag) - len(suffix.encode("utf-8"))
    return f"{_shortened(stem, room) or 'file'}{tag}{suffix}"


def settled(stat: os.stat_result, now: float, settle_s: float) -> bool:
    """Nothing wrote to the file, nor set its times, for `settle_s` seconds. The ctime counts too: a copy that
    sets the original's mtime (cp -p, Explorer) still changes the ctime while it writes."""
    return now - max(stat.st_mtime, stat.st_ctime) >= settle_s


def settled_files(paths: list[Path], settle_s: float) -> list[tuple[Path, os.stat_result]]:
    """The files that have settled, with their stat. Files that changed within the last `settle_s` are waited
    for once (a file dropped just before the run is taken in the same run); those still changing then are
    left for a later run."""
    now, ready, pending = time.time(), [], []
    for path in paths:
        stat = path.stat()
        (ready if settled(stat, now, settle_s) else pending).append((path, stat))
    if pending:
        time.sleep(max(settle_s - (now - max(max(st.st_mtime, st.st_ctime) for _, st in pending)), 0) + 0.05)
        now = time.time()
        for path, before in pending:
            stat = path.stat() if path.is_file() and not path.is_symlink() else None
            if (
                stat
                and (stat.st_size, stat.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
                and settled(stat, now, settle_s)
            ):
                ready.append((path, stat))
            else:
                log.info(
                    "report file %s is still changing (being copied?): taken at a later run", printable_name(path.name)
                )
    return sorted(ready, key=lambda item: item[0].name)


def intake_files(intake: Path) -> list[Path]:
    """The report files in the intake folder: regular files, not symbolic links, not hidden (temporary) ones."""
    if not intake.is_dir():
        return []
    return sorted(p for p in intake.iterdir() if not p.name.startswith(".") and not p.is_symlink() and p.is_file())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def quarantine_file(path: Path, quarantine_dir: Path, reason: str, digest: str) -> Path:
    """Moves the file into the quarantine folder under a name of its own (two bad files called alike never
    overwrite each other) with a note beside it."""
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    target = quarantine_dir / quarantine_name(path.name, digest)
    shutil.move(str(path), target)
    name = printable_name(path.name)
    target.with_name(target.name + _NOTE_SUFFIX).write_text(
        f"Tệp / file: {name}\nLý do / reason: {reason}\n"
        "Xin sửa theo mẫu báo cáo của Cục Thông tin KH&CN quốc gia và gửi lại. "
        "Please correct it following NASATI's report template and send it again.\n",
        encoding="utf-8",
    )
    return target


def _unsupported(path: Path) -> ReportFileError:
    return ReportFileError(
        f"Định dạng '{path.suffix}' chưa được hỗ trợ; hãy gửi tệp Excel (.xlsx, .xls), .ods hoặc .csv.",
        f"Unsupported file type '{path.suffix}': send an Excel workbook (.xlsx, .xls), .ods or .csv.",
    )


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
            "data team has been told. Saving it again in the template (.xlsx) and resending may help.",
        ) from exc


def _take_back_changed(held: dict, intake: Path, quarantine: Path, settle_s: float, now: float) -> None:
    """Quarantined files that changed since they were held (and have settled) go back to the intake folder
    under their own name, to be read again like a new file."""
    for name, was in list(held.items()):
        path = quarantine / name
        if path.is_symlink() or not path.is_file():
            del held[name]  # taken away by an operator
            continue
        stat = path.stat()
        if (stat.st_size, stat.st_mtime_ns) == (was["size"], was["mtime_ns"]) or not settled(stat, now, settle_s):
            continue
        back = intake / was["file_name"]
        if back.exists() or back.is_symlink():
            back = intake / quarantine_name(was["file_name"], f"{stat.st_mtime_ns:x}"[-8:])
        intake.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), back)
        path.with_name(name + _NOTE_SUFFIX).unlink(missing_ok=True)
        del held[name]
        log.info(
            "quarantined report file %s changed since it was held: read again as %s", name, printable_name(back.name)
        )


@dlt.source(name="provinces")
def provinces(
    intake_dir: str = dlt.config.value, quarantine_dir: str = dlt.config.value, reload_year: int | None = None
):
    """Report rows (and one `report_files` row per file) from the files in `intake_dir`.

    A file is read once: the content hashes already loaded are kept in the pipeline state (which dlt
    stores in the destination), so the same file dropped again loads nothing. `reload_year` re-reads
    every file of that reporting year, loaded before or not, and no other (a re-run or backfill of one
    year); its rows replace the earlier ones by (file, row)."""

    intake, quarantine = Path(intake_dir), Path(quarantine_dir)

    @dlt.resource(name="report_rows", primary_key=("file_sha256", "row_number"), write_disposition="merge")
    def report_rows() -> Iterator[pa.Table]:
        state = dlt.current.resource_state()
        loaded = state.setdefault("loaded_files", {})
        held = state.setdefault("held_files", {})  # quarantined name -> original name, size and mtime when held
        settle_s = settle_seconds()
        _take_back_changed(held, intake, quarantine, settle_s, time.time())
        batch, files = [], []
        for path, stat in settled_files(intake_files(intake), settle_s):
            digest = _sha256(path)
            if digest in loaded and reload_year is None:
                continue
            received = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
            record = {"file_sha256": digest, "file_name": path.name, "received_at": received}
            try:
                check_file_size(stat.st_size)  # before its bytes are read into memory
                data = path.read_bytes()
                if hashlib.sha256(data).hexdigest() != digest:
                    log.info(
                        "report file %s changed while it was read: taken at a later run", printable_name(path.name)
                    )
                    continue
                meta, rows = _read(path, data)
            except ReportFileError as exc:
                target = quarantine_file(path, quarantine, str(exc), digest)
                moved = target.stat()
                held[target.name] = {"file_name": path.name, "size": moved.st_size, "mtime_ns": moved.st_mtime_ns}
                files.append(
                    {
                        **record,
                        **getattr(exc, "metadata", {}),
                        "status": "held",
                        "reason_vi": exc.vi,
                        "reason_en": exc.en,
                        "quarantined_as": target.name,
                    }
                )
                continue
            if reload_year is not None and meta["reference_year"] != reload_year:
                continue
            file_meta = {**record, **{name: meta[name] for name in _FILE_METADATA if name in meta}}
            batch.extend(
                {**file_meta, **row, "file_format": meta["file_format"], "text_encoding": meta["text_encoding"]}
                for row in rows
            )
            files.append(
                {
                    **file_meta,
                    "status": "loaded",
                    "rows_read": len(rows),
                    "rows_skipped": meta["rows_skipped"],
                    "sheet_name": meta["sheet_name"],
                    "file_format": meta["file_format"],
                    "text_encoding": meta["text_encoding"],
                    "byte_encoding": meta["byte_encoding"],
                    "notes": json.dumps(meta["notes"], ensure_ascii=False) if meta["notes"] else None,
                }
            )
            loaded[digest] = path.name
            if len(batch) >= 50_000:
                yield pa.Table.from_pylist(batch, schema=ROW_SCHEMA)
                batch = []
        # both tables exist from the first run on, even before any file arrives (models downstream read them)
        yield pa.Table.from_pylist(batch, schema=ROW_SCHEMA)
        yield dlt.mark.with_hints(
            pa.Table.from_pylist(files, schema=FILE_SCHEMA), _FILE_HINTS, create_table_variant=True
        )

    return report_rows
