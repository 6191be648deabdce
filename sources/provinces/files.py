"""From a report file's bytes to sheets of cells, whatever the office saved: .xlsx, .xlsm, .xls, .ods (read
with python-calamine), or delimited text (.csv, .txt, .tsv) in UTF-8 with or without BOM, UTF-16 ("Unicode
Text"), a Windows code page (1258, 1252) or mojibake. The format is decided by the content, not the name.

Everything raised here is a `ReportFileError` whose message a provincial officer can act on, in Vietnamese
first and English second.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sources.vietnamese import fold


class ReportFileError(ValueError):
    """A report file NASATI cannot use; the message is written for the provincial officer (vi, then en)."""

    def __init__(self, vi: str, en: str):
        super().__init__(f"{vi} / {en}")
        self.vi, self.en = vi, en


@dataclass
class Sheet:
    name: str
    rows: list[list]
    visible: bool = True


@dataclass
class Workbook:
    file_format: str  # xlsx, xls, ods or csv
    sheets: list[Sheet]
    byte_encoding: str | None = None  # delimited text only: how its bytes were decoded
    notes: list[str] = field(default_factory=list)


SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".tsv")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and every password-protected Office file
_ZIP = b"PK\x03\x04"
# Words of the template whose presence tells a right decoding from a wrong one (folded).
_TEMPLATE_WORDS = (
    "bieu so",
    "ma tinh",
    "nam bao cao",
    "ma chi tieu",
    "ten chi tieu",
    "gia tri",
    "don vi tinh",
    "phan to",
    "lan nop",
    "ngay bao cao",
    "khoa hoc",
    "cong nghe",
    "tong so",
)


# A report form has a few hundred lines; these limits stop a file built (or broken) to exhaust the reader's
# memory before it is read whole. Each can be raised by its environment variable.
DEFAULT_MAX_FILE_MB, DEFAULT_MAX_UNCOMPRESSED_MB, DEFAULT_MAX_ROWS = 50, 200, 50_000


def _limit(variable: str, default: float) -> float:
    return float(os.environ.get(variable) or default)


def check_file_size(size: int) -> None:
    """Raises for a file larger than `CSDL_INTAKE_MAX_FILE_MB`; called before its bytes are read."""
    limit = _limit("CSDL_INTAKE_MAX_FILE_MB", DEFAULT_MAX_FILE_MB)
    if size > limit * 1_000_000:
        raise ReportFileError(
            f"Tệp quá lớn ({size / 1e6:.1f} MB, tối đa {limit:g} MB): một báo cáo theo mẫu chỉ vài trăm dòng; hãy "
            "kiểm tra đã gửi đúng tệp, xóa các trang không thuộc báo cáo và gửi lại.",
            f"The file is too large ({size / 1e6:.1f} MB, at most {limit:g} MB): a report in the template has a few "
            "hundred lines; check that this is the right file, remove sheets that are not the report, send it again.",
        )


def _check_uncompressed_size(data: bytes) -> None:
    """An .xlsx or .ods is a ZIP: what it unpacks to is checked before anything is unpacked (a ZIP bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return  # damaged: calamine says so in its own words
    limit = _limit("CSDL_INTAKE_MAX_UNCOMPRESSED_MB", DEFAULT_MAX_UNCOMPRESSED_MB)
    if unpacked > limit * 1_000_000:
        raise ReportFileError(
            f"Bảng tính khi giải nén quá lớn ({unpacked / 1e6:.0f} MB, tối đa {limit:g} MB): hãy xóa các trang và "
            "vùng ô không thuộc báo cáo, lưu lại thành '.xlsx' và gửi lại.",
            f"The workbook unpacks to too much data ({unpacked / 1e6:.0f} MB, at most {limit:g} MB): remove the sheets "
            "and cell ranges that are not the report, save it as '.xlsx' and send it again.",
        )


def _check_rows(rows: int) -> None:
    limit = int(_limit("CSDL_INTAKE_MAX_ROWS", DEFAULT_MAX_ROWS))
    if rows > limit:
        raise ReportFileError(
            f"Tệp có quá nhiều dòng ({rows:,}, tối đa {limit:,}): một báo cáo theo mẫu chỉ vài trăm dòng; hãy xóa "
            "các dòng thừa và gửi lại.",
            f"The file has too many rows ({rows:,}, at most {limit:,}): a report in the template has a few hundred "
            "lines; delete the extra rows and send it again.",
        )


def read_workbook(path: Path, data: bytes | None = None) -> Workbook:
    if data is None:
        check_file_size(path.stat().st_size)
        data = path.read_bytes()
    check_file_size(len(data))
    if not data.strip(b"\x00 \r\n\t"):
        raise ReportFileError("Tệp rỗng, không có nội dung.", "The file is empty.")
    if data.startswith(_OLE2):
        _refuse_if_encrypted(data)
        return _calamine(data, "xls")
    if data.startswith(_ZIP):
        _check_uncompressed_size(data)
        return _calamine(data, "ods" if b"application/vnd.oasis.opendocument" in data[:200] else "xlsx")
    head = data[:512].lstrip().lower()
    if head.startswith(b"%pdf") or head.startswith(b"<") or b"<html" in head or b"<table" in head:
        raise ReportFileError(
            "Tệp không phải là bảng tính (có thể là PDF hoặc trang web đổi tên thành .xls): hãy mở bằng Excel, "
            "lưu thành 'Excel Workbook (.xlsx)' và gửi lại.",
            "The file is not a spreadsheet (a PDF or a web page renamed .xls, perhaps): open it in Excel, save it "
            "as 'Excel Workbook (.xlsx)' and send it again.",
        )
    return _delimited(data)


_PASSWORD_PROTECTED = (
    "Tệp được đặt mật khẩu nên không đọc được: hãy lưu lại tệp không đặt mật khẩu và gửi lại.",
    "The file is protected by a password: save it without a password and send it again.",
)


def _refuse_if_encrypted(data: bytes) -> None:
    import msoffcrypto  # noqa: PLC0415  (only for OLE2 files)

    try:
        encrypted = msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted()
    except Exception:  # noqa: BLE001  (not an Office file msoffcrypto knows: let the reader say what it is)
        encrypted = b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data
    if encrypted:
        raise ReportFileError(*_PASSWORD_PROTECTED)


def _calamine(data: bytes, file_format: str) -> Workbook:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum  # noqa: PLC0415

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        total_rows = 0
        for meta in workbook.sheets_metadata:
            sheet = workbook.get_sheet_by_name(meta.name)
            total_rows += sheet.total_height
            _check_rows(total_rows)  # before the cells become Python objects
            rows = sheet.to_python(skip_empty_area=False)
            sheets.append(
                Sheet(
                    meta.name,
                    [[None if c == "" else c for c in row] for row in rows],
                    visible=meta.visible == SheetVisibleEnum.Visible,
                )
            )
    except ReportFileError:
        raise
    except Exception as exc:  # calamine raises its own types for damaged, foreign or protected files
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise ReportFileError(*_PASSWORD_PROTECTED) from exc
        raise ReportFileError(
            f"Tệp bảng tính bị hỏng hoặc không đọc được ({type(exc).__name__}): hãy mở bằng Excel, lưu lại thành "
            "'.xlsx' và gửi lại.",
            f"The workbook is damaged or unreadable ({type(exc).__name__}: {exc}): open it in Excel, save it as "
            "'.xlsx' and send it again.",
        ) from exc
    if not any(any(c is not None for c in row) for s in sheets for row in s.rows):
        raise ReportFileError(
            "Bảng tính rỗng: không trang nào có dữ liệu.", "The workbook is empty: no sheet has data."
        )
    return Workbook(file_format, sheets)


def _delimited(data: bytes) -> Workbook:
    text, encoding = decode_text(data)
    if not text.strip():
        raise ReportFileError("Tệp CSV rỗng, không có nội dung.", "The CSV file is empty.")
    _check_rows(text.count("\n") + 1)
    rows = _split(text)
    return Workbook("csv", [Sheet("csv", rows)], byte_encoding=encoding)


def _vietnamese_score(text: str) -> float:
    """How much the decoded text reads as Vietnamese: the template's words, then Vietnamese letters."""
    from sources.vietnamese import detect_legacy_encoding, from_legacy  # noqa: PLC0415

    legacy = detect_legacy_encoding([text[:20000]])
    if legacy:
        text = from_legacy(text, legacy)
    letters = sum(1 for ch in text if ch in "ăâđêôơưĂÂĐÊÔƠƯ" or "\u1ea0" <= ch <= "\u1ef9")
    folded = fold(text) or ""
    return (
        sum(folded.count(word) for word in _TEMPLATE_WORDS) * 100 + letters / max(1, len(text)) - text.count("\ufffd")
    )


def decode_text(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was written in. A byte-order mark decides; then strict UTF-8; else the
    candidates charset-normalizer proposes, together with the code pages Vietnamese offices use, are tried
    and the one whose text reads most as the template (its words found, Vietnamese letters) wins."""
    import unicodedata  # noqa: PLC0415

    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
        (codecs.BOM_UTF32_LE, "utf-32"),
    ):
        if data.startswith(bom):
            return _fix_mojibake(data.decode(encoding, errors="replace")), encoding
    if data[:2000].count(b"\x00") > len(data[:2000]) // 4:  # UTF-16 without a BOM
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        return _fix_mojibake(data.decode(encoding, errors="replace")), encoding
    try:
        return _fix_mojibake(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # noqa: PLC0415

    candidates = ["cp1258", "cp1252"]
    for match in list(from_bytes(data[:200_000]))[:3]:
        if match.encoding not in candidates:
            candidates.append(match.encoding)
    best, best_score, best_encoding = None, float("-inf"), None
    for encoding in candidates:
        try:
            # latin-1 keeps the legacy-font bytes (TCVN3/VNI) as the look-alike letters their repair expects
            decoded = data.decode("latin-1" if encoding == "cp1252" else encoding, errors="strict")
        except (UnicodeDecodeError, LookupError):
            continue
        decoded = unicodedata.normalize("NFC", decoded)
        score = _vietnamese_score(decoded)
        if score > best_score:
            best, best_score, best_encoding = decoded, score, encoding
    if best is None:
        return data.decode("latin-1"), "latin-1"
    return best, best_encoding


_MOJIBAKE_HINT = re.compile(r"[ÃÄÆ][\u0080-\u00bf\u2018-\u203a\u0152-\u0178]|á[º»]|Ä‘|Æ°")


def _fix_mojibake(text: str) -> str:
    """UTF-8 that was once read as Windows-1252 and saved again ("Mã chá»‰ tiÃªu"), repaired with ftfy."""
    if not _MOJIBAKE_HINT.search(text):
        return text
    import ftfy  # noqa: PLC0415

    return ftfy.fix_encoding(text)


def fix_cell_mojibake(value):
    return _fix_mojibake(value) if isinstance(value, str) else value


_DELIMITERS = (",", ";", "\t", "|")


def _split(text: str) -> list[list]:
    """Rows of cells. The delimiter is the one that splits the template's header row into the most labelled
    columns (a file without Excel's padding has rows of every length, which defeats csv.Sniffer)."""
    from sources.provinces.layout import header_roles  # noqa: PLC0415  (layout imports this module)

    lines = text.splitlines()
    best, best_score = ",", -1
    for delimiter in _DELIMITERS:
        rows = list(csv.reader(lines[:200], delimiter=delimiter))
        labelled = max((len(header_roles(row)) for row in rows), default=0)
        fields = sum(1 for row in rows if len(row) > 2)
        score = labelled * 1000 + fields
        if score > best_score:
            best, best_score = delimiter, score
    return [[cell if cell.strip() else None for cell in row] for row in csv.reader(io.StringIO(text), delimiter=best)]
