"""A corpus of provincial S&T report files written the way provincial offices' software writes them.

Each `write_<kind>(folder)` writes one file into `folder` and returns a `CorpusFile` saying what the
platform should make of it: loaded whole, loaded with some rows quarantined, or held (refused) with a
note. The files are built here from scratch, independently of the demo generator (`demo/workbook.py`)
and of the reader (`sources/provinces/`), from the layout the README describes and the forms of
`sources/provinces/template.py`, so that a test loading them catches what the reader gets wrong.

Every corpus file reports a different (province code, year, form), both as written in the file and as
the platform should resolve it, because a later submission for the same province, year and form
replaces an earlier one. `good_files(folder, n)` writes n plain template files on other slots.

For held files, `province_code`, `year` and `form` say what the file states where it can be read and
resolved (None where it cannot); `values` is empty. Values are in the template's unit (triệu đồng for
0301 and 0402).
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

# ---------------------------------------------------------------------------------------------------
# What a corpus file is expected to give


@dataclass(frozen=True)
class CorpusFile:
    kind: str
    path: Path
    outcome: str  # "loaded" (every row kept), "partly" (some rows quarantined), "held" (whole file refused)
    province_code: str | None
    year: int | None
    form: str | None
    values: dict[tuple[str, str], float]  # (indicator_code, breakdown) -> value in core.fct_statistic
    quarantined: frozenset[tuple[str, str]] = frozenset()
    reason_words: tuple[str, ...] = ()  # words the note (held) or the row reasons (partly) must contain
    report_date: date | None = None
    revision: int = 1
    quarantined_count: int | None = None  # defaults to len(quarantined)
    neutralised_text: str | None = None  # a cell text that must be stored neutralised (not starting "=")

    def __post_init__(self):
        if self.quarantined_count is None:
            object.__setattr__(self, "quarantined_count", len(self.quarantined))


# ---------------------------------------------------------------------------------------------------
# Reference data, as the offices know it (kept here on purpose: the corpus does not read the project)

PROVINCES_63 = {  # valid to 2025-06-30
    "01": "Thành phố Hà Nội",
    "02": "Tỉnh Hà Giang",
    "04": "Tỉnh Cao Bằng",
    "06": "Tỉnh Bắc Kạn",
    "08": "Tỉnh Tuyên Quang",
    "10": "Tỉnh Lào Cai",
    "11": "Tỉnh Điện Biên",
    "12": "Tỉnh Lai Châu",
    "14": "Tỉnh Sơn La",
    "15": "Tỉnh Yên Bái",
    "17": "Tỉnh Hòa Bình",
    "19": "Tỉnh Thái Nguyên",
    "20": "Tỉnh Lạng Sơn",
    "22": "Tỉnh Quảng Ninh",
    "24": "Tỉnh Bắc Giang",
    "25": "Tỉnh Phú Thọ",
    "26": "Tỉnh Vĩnh Phúc",
    "27": "Tỉnh Bắc Ninh",
    "30": "Tỉnh Hải Dương",
    "31": "Thành phố Hải Phòng",
    "33": "Tỉnh Hưng Yên",
    "34": "Tỉnh Thái Bình",
    "35": "Tỉnh Hà Nam",
    "36": "Tỉnh Nam Định",
    "37": "Tỉnh Ninh Bình",
    "38": "Tỉnh Thanh Hóa",
    "40": "Tỉnh Nghệ An",
    "42": "Tỉnh Hà Tĩnh",
    "44": "Tỉnh Quảng Bình",
    "45": "Tỉnh Quảng Trị",
    "46": "Thành phố Huế",
    "48": "Thành phố Đà Nẵng",
    "49": "Tỉnh Quảng Nam",
    "51": "Tỉnh Quảng Ngãi",
    "52": "Tỉnh Bình Định",
    "54": "Tỉnh Phú Yên",
    "56": "Tỉnh Khánh Hòa",
    "58": "Tỉnh Ninh Thuận",
    "60": "Tỉnh Bình Thuận",
    "62": "Tỉnh Kon Tum",
    "64": "Tỉnh Gia Lai",
    "66": "Tỉnh Đắk Lắk",
    "67": "Tỉnh Đắk Nông",
    "68": "Tỉnh Lâm Đồng",
    "70": "Tỉnh Bình Phước",
    "72": "Tỉnh Tây Ninh",
    "74": "Tỉnh Bình Dương",
    "75": "Tỉnh Đồng Nai",
    "77": "Tỉnh Bà Rịa - Vũng Tàu",
    "79": "Thành phố Hồ Chí Minh",
    "80": "Tỉnh Long An",
    "82": "Tỉnh Tiền Giang",
    "83": "Tỉnh Bến Tre",
    "84": "Tỉnh Trà Vinh",
    "86": "Tỉnh Vĩnh Long",
    "87": "Tỉnh Đồng Tháp",
    "89": "Tỉnh An Giang",
    "91": "Tỉnh Kiên Giang",
    "92": "Thành phố Cần Thơ",
    "93": "Tỉnh Hậu Giang",
    "94": "Tỉnh Sóc Trăng",
    "95": "Tỉnh Bạc Liêu",
    "96": "Tỉnh Cà Mau",
}
PROVINCES_34 = {  # valid from 2025-07-01
    "01": "Thành phố Hà Nội",
    "04": "Tỉnh Cao Bằng",
    "08": "Tỉnh Tuyên Quang",
    "11": "Tỉnh Điện Biên",
    "12": "Tỉnh Lai Châu",
    "14": "Tỉnh Sơn La",
    "15": "Tỉnh Lào Cai",
    "19": "Tỉnh Thái Nguyên",
    "20": "Tỉnh Lạng Sơn",
    "22": "Tỉnh Quảng Ninh",
    "24": "Tỉnh Bắc Ninh",
    "25": "Tỉnh Phú Thọ",
    "31": "Thành phố Hải Phòng",
    "33": "Tỉnh Hưng Yên",
    "37": "Tỉnh Ninh Bình",
    "38": "Tỉnh Thanh Hóa",
    "40": "Tỉnh Nghệ An",
    "42": "Tỉnh Hà Tĩnh",
    "44": "Tỉnh Quảng Trị",
    "46": "Thành phố Huế",
    "48": "Thành phố Đà Nẵng",
    "51": "Tỉnh Quảng Ngãi",
    "52": "Tỉnh Gia Lai",
    "56": "Tỉnh Khánh Hòa",
    "66": "Tỉnh Đắk Lắk",
    "68": "Tỉnh Lâm Đồng",
    "75": "Tỉnh Đồng Nai",
    "79": "Thành phố Hồ Chí Minh",
    "80": "Tỉnh Tây Ninh",
    "82": "Tỉnh Đồng Tháp",
    "86": "Tỉnh Vĩnh Long",
    "91": "Tỉnh An Giang",
    "92": "Thành phố Cần Thơ",
    "96": "Tỉnh Cà Mau",
}


def provinces_for(year: int) -> dict[str, str]:
    """The province list valid on 31 December of `year`."""
    return PROVINCES_63 if year <= 2024 else PROVINCES_34


FORMS = {  # form -> (title, [(indicator code, name, unit)])
    "01/KHCN-TC": ("Tổ chức khoa học và công nghệ", [("0101", "Số tổ chức khoa học và công nghệ", "tổ chức")]),
    "02/KHCN-NL": ("Nhân lực nghiên cứu và phát triển", [("0201", "Số người làm nghiên cứu và phát triển", "người")]),
    "03/KHCN-CP": ("Chi cho khoa học và công nghệ", [("0301", "Tổng chi cho khoa học và công nghệ", "triệu đồng")]),
    "04/KHCN-NV": (
        "Nhiệm vụ khoa học và công nghệ",
        [
            ("0401", "Số nhiệm vụ khoa học và công nghệ", "nhiệm vụ"),
            ("0402", "Kinh phí thực hiện nhiệm vụ", "triệu đồng"),
        ],
    ),
}
_INDICATORS = {code: (name, unit) for _, items in FORMS.values() for code, name, unit in items}

DIMENSIONS = {  # dimension -> (label, {member: label})
    "loai_hinh": (
        "Loại hình",
        {
            "vien_nghien_cuu": "viện nghiên cứu",
            "truong_dai_hoc": "trường đại học",
            "trung_tam": "trung tâm",
            "doanh_nghiep_khcn": "doanh nghiệp khoa học và công nghệ",
        },
    ),
    "so_huu": ("Sở hữu", {"nha_nuoc": "nhà nước", "ngoai_nha_nuoc": "ngoài nhà nước", "nuoc_ngoai": "nước ngoài"}),
    "linh_vuc": (
        "Lĩnh vực",
        {
            "1": "khoa học tự nhiên",
            "2": "khoa học kỹ thuật và công nghệ",
            "3": "khoa học y, dược",
            "4": "khoa học nông nghiệp",
            "5": "khoa học xã hội",
            "6": "khoa học nhân văn",
        },
    ),
    "gioi_tinh": ("Giới tính", {"nam": "nam", "nu": "nữ"}),
    "trinh_do": ("Trình độ", {"tien_si": "tiến sĩ", "thac_si": "thạc sĩ", "dai_hoc": "đại học", "khac": "khác"}),
    "nguon": (
        "Nguồn",
        {
            "nsnn_trung_uong": "ngân sách nhà nước trung ương",
            "nsnn_dia_phuong": "ngân sách nhà nước địa phương",
            "doanh_nghiep": "doanh nghiệp",
            "nuoc_ngoai": "nước ngoài",
            "khac": "khác",
        },
    ),
    "cap": ("Cấp", {"QG": "quốc gia", "BO": "bộ", "TINH": "tỉnh", "CS": "cơ sở"}),
}
# The dimensions each indicator may be broken down by, and a plausible provincial total.
_BREAKDOWNS = {
    "0101": ["loai_hinh", "so_huu", "linh_vuc"],
    "0201": ["gioi_tinh", "trinh_do", "linh_vuc"],
    "0301": ["nguon"],
    "0401": ["cap", "linh_vuc"],
    "0402": [],
}
_DEFAULT_DIMS = {
    "0101": ["loai_hinh", "so_huu"],
    "0201": ["gioi_tinh", "trinh_do"],
    "0301": ["nguon"],
    "0401": ["cap"],
    "0402": [],
}
_SCALE = {"0101": 35, "0201": 700, "0301": 25000, "0401": 40, "0402": 12000}

HEADER = ["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Mã phân tổ", "Phân tổ", "Đơn vị tính", "Giá trị"]


def breakdown_label(breakdown: str) -> str:
    if breakdown == "tong":
        return "Tổng số"
    dim, member = breakdown.split(":")
    label, members = DIMENSIONS[dim]
    return f"{label}: {members[member]}"


# ---------------------------------------------------------------------------------------------------
# Table lines and sheet layout


@dataclass
class _Line:
    code: str
    breakdown: str
    value: object  # the cell as written
    name: str = ""
    label: str = ""
    unit: str = ""

    def __post_init__(self):
        name, unit = _INDICATORS.get(self.code, ("", ""))
        self.name = self.name or name
        self.unit = self.unit or unit
        self.label = self.label or breakdown_label(self.breakdown)


def _split(total, n: int, rng: random.Random, step=1) -> list:
    """n positive parts, multiples of `step`, adding up to `total` exactly."""
    units = round(total / step)
    weights = [rng.uniform(0.4, 2.0) for _ in range(n)]
    parts = [max(1, int(units * w / sum(weights))) for w in weights]
    parts[parts.index(max(parts))] += units - sum(parts)
    return [p * step if step != 1 else p for p in parts]


def _lines(
    form: str,
    rng: random.Random,
    dims: dict[str, list[str]] | None = None,
    totals: dict[str, float] | None = None,
    step=1,
) -> list[_Line]:
    """The lines of a form: per indicator the total, then each dimension's members adding up to it."""
    out = []
    for code, _, _ in FORMS[form][1]:
        total = (totals or {}).get(code) or round(_SCALE[code] * rng.uniform(0.6, 1.6) / step) * step
        out.append(_Line(code, "tong", total))
        for dim in (dims or {}).get(code, _DEFAULT_DIMS[code]):
            members = list(DIMENSIONS[dim][1])
            for member, part in zip(members, _split(total, len(members), rng, step), strict=False):
                out.append(_Line(code, f"{dim}:{member}", part))
    return out


def _values(lines: list[_Line], factor: float = 1) -> dict[tuple[str, str], float]:
    return {(line.code, line.breakdown): float(line.value) * factor for line in lines}


def _place(name: str) -> str:
    """The place name a signature line starts with: 'Quảng Ninh', 'TP. Hồ Chí Minh'."""
    if name in ("Thành phố Hồ Chí Minh", "TP.HCM"):
        return "TP. Hồ Chí Minh"
    for prefix in ("Thành phố ", "Tỉnh ", "TP. ", "TP."):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _office(name: str) -> str:
    """'Sở Khoa học và Công nghệ tỉnh Quảng Ninh'."""
    lowered = name.replace("Tỉnh ", "tỉnh ", 1).replace("Thành phố ", "thành phố ", 1)
    return f"Sở Khoa học và Công nghệ {lowered}"


def _in_words(d: date, place: str) -> str:
    return f"{place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def _title_rows(name: str, form: str, year, style: str = "full") -> list[list]:
    title = FORMS[form][0] if form in FORMS else ""
    if style == "none":
        return []
    if style == "short":
        return [[_office(name)]]
    return [
        [_office(name), None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        [None, None, None, None, "Độc lập - Tự do - Hạnh phúc"],
        [],
        [f"BÁO CÁO THỐNG KÊ {title.upper()} NĂM {year}"],
        ["(Áp dụng đối với Sở Khoa học và Công nghệ các tỉnh, thành phố trực thuộc trung ương)"],
        [],
    ]


def _meta_rows(form, code, name, year, date_cell, revision_cell) -> list[list]:
    return [
        ["Biểu số:", form],
        ["Mã tỉnh:", code],
        ["Tên tỉnh:", name],
        ["Năm báo cáo:", year],
        ["Ngày báo cáo:", date_cell],
        ["Lần nộp:", revision_cell],
    ]


def _data_rows(lines: list[_Line], fmt=None, code_cell=None) -> list[list]:
    return [
        [
            i,
            code_cell(line.code) if code_cell else line.code,
            line.name,
            line.breakdown,
            line.label,
            line.unit,
            fmt(line.value) if fmt and not isinstance(line.value, str) else line.value,
        ]
        for i, line in enumerate(lines, 1)
    ]


def _signature_rows(name: str, signed: date) -> list[list]:
    return [
        [],
        [None, None, None, None, _in_words(signed, _place(name))],
        [None, "Người lập biểu", None, None, "Thủ trưởng đơn vị"],
        [None, "(Ký, ghi rõ họ tên)", None, None, "(Ký, đóng dấu, ghi rõ họ tên)"],
        [],
        [],
        [None, "Nguyễn Thị Thu Hằng", None, None, "Trần Văn Dũng"],
    ]


def _sheet(
    form,
    code,
    name,
    year,
    signed: date,
    lines,
    *,
    title="full",
    date_cell=None,
    revision_cell=1,
    fmt=None,
    code_cell=None,
    header=None,
    signature=True,
) -> list[list]:
    """Title rows, metadata rows, a blank row, the header, the table, the signature block."""
    rows = _title_rows(name, form, year, title)
    rows += _meta_rows(
        form, code, name, year, date_cell if date_cell is not None else signed.strftime("%d/%m/%Y"), revision_cell
    )
    if title != "short":
        rows.append([])
    rows.append(list(header or HEADER))
    rows += _data_rows(lines, fmt, code_cell)
    if signature:
        rows += _signature_rows(name, signed)
    return rows


def _header_index(rows: list[list]) -> int:
    return next(i for i, row in enumerate(rows) if row[:1] == ["STT"])


# ---------------------------------------------------------------------------------------------------
# Number formats and text encodings


def _plain(v) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else repr(v)


def _en(v) -> str:
    """English-locale Excel display: 1,234 and 12,345.5."""
    v = float(v)
    return f"{int(v):,}" if v.is_integer() else f"{v:,.1f}"


def _vn(v) -> str:
    """Vietnamese-locale Excel display: 1.234 and 1.234,5."""
    return _en(v).translate(str.maketrans({",": ".", ".": ","}))


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def cp1258_bytes(text: str) -> bytes:
    """Text as Windows code page 1258 stores it: a precomposed letter where the code page has one,
    otherwise the base letter (with circumflex, breve or horn) followed by a combining tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
        tones = "".join(c for c in decomposed if c in _TONE_MARKS)
        out += (base + tones).encode("cp1258")
    return bytes(out)


def mojibake(text: str) -> str:
    """UTF-8 bytes read as Windows-1252 (bytes 1252 leaves undefined become the C1 control of that
    number, as Windows does): 'Mã chỉ tiêu' -> 'MÃ£ chá»‰ tiÃªu'."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def ansi_lossy(text: str) -> bytes:
    """Vietnamese text saved as 'ANSI' on an English Windows: what cp1252 lacks becomes '?'."""
    return unicodedata.normalize("NFC", text).encode("cp1252", errors="replace")


def _csv_text(
    rows: list[list], *, delimiter=",", pad=True, quoting=csv.QUOTE_MINIMAL, newline="\r\n", transform=None
) -> str:
    """Rows as CSV text; `pad` fills every row to the used width, as Excel does."""
    width = max(len(r) for r in rows)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    for row in rows:
        cells = ["" if c is None else (_plain(c) if isinstance(c, float) else str(c)) for c in row]
        if transform:
            cells = [transform(c) for c in cells]
        if pad:
            cells += [""] * (width - len(cells))
        else:
            while cells and cells[-1] == "":
                cells.pop()
        writer.writerow(cells)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------------
# Spreadsheet writers


def _workbook():
    from openpyxl import Workbook

    return Workbook()


def _fill(ws, rows: list[list], widths=(6, 12, 42, 26, 40, 14, 14)):
    from openpyxl.styles import Alignment, Font

    for row in rows:
        ws.append(list(row))
    for letter, width in zip("ABCDEFG", widths, strict=False):
        ws.column_dimensions[letter].width = width
    for r, row in enumerate(rows, 1):
        if row[:1] == ["STT"]:
            for c in range(1, len(row) + 1):
                ws.cell(r, c).font = Font(bold=True)
                ws.cell(r, c).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if row and isinstance(row[0], str) and row[0].isupper() and len(row) == 1:
            ws.cell(r, 1).font = Font(bold=True)


def _number_format(ws, rows: list[list], fmt="#,##0"):
    start = _header_index(rows) + 2
    for r in range(start, len(rows) + 1):
        cell = ws.cell(r, 7)
        if isinstance(cell.value, (int, float)):
            cell.number_format = fmt


def _save_template_xlsx(path: Path, rows: list[list], sheet_title="Biểu") -> Path:
    wb = _workbook()
    ws = wb.active
    ws.title = sheet_title
    _fill(ws, rows)
    _number_format(ws, rows)
    wb.save(path)
    return path


def _name(folder: Path, kind: str, ext: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{kind}.{ext}"


def _sheet_name(form: str) -> str:
    return f"Biểu {form[:2]}"


def _slot(kind, code, year, form):
    """Each writer states its slot; it must be the one SLOTS (below) reserves for it."""
    if SLOTS[kind] != (code, year, form):
        raise AssertionError(f"{kind}: SLOTS says {SLOTS[kind]}, the writer {(code, year, form)}")


# ===================================================================================================
# Read correctly: loaded


def write_template_xlsx(folder: Path) -> CorpusFile:
    """The README layout exactly: one title row, metadata in A/B, header, one row per breakdown."""
    kind, code, year, form = "template_xlsx", "01", 2024, "02/KHCN-NL"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 20)
    lines = _lines(form, random.Random(1), dims={"0201": ["gioi_tinh", "trinh_do", "linh_vuc"]})
    path = _save_template_xlsx(
        _name(folder, kind, "xlsx"), _sheet(form, code, name, year, signed, lines, title="short"), _sheet_name(form)
    )
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_unicode_text(folder: Path) -> CorpusFile:
    """Excel "Unicode Text": UTF-16 LE with BOM, TAB-separated, CRLF, rows padded to the used width."""
    kind, code, year, form = "unicode_text", "31", 2024, "01/KHCN-TC"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 17)
    lines = _lines(form, random.Random(2))
    text = _csv_text(_sheet(form, code, name, year, signed, lines), delimiter="\t")
    path = _name(folder, kind, "csv")  # offices rename the .txt: the portal takes .csv
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_csv_utf8_ragged(folder: Path) -> CorpusFile:
    """CSV from a script or web export: UTF-8 without BOM, LF, rows only as long as their content
    (metadata rows have 2 fields), values quoted only where needed; decimal point."""
    kind, code, year, form = "csv_utf8_ragged", "22", 2024, "04/KHCN-NV"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 22)
    lines = _lines(form, random.Random(3), dims={"0401": ["cap", "linh_vuc"]}, totals={"0402": 13250.5})
    for line in lines:
        if line.breakdown == "linh_vuc:3":
            line.label = "Lĩnh vực: khoa học y, dược (y học, dược học)"  # a comma: quoted
    text = _csv_text(_sheet(form, code, name, year, signed, lines), pad=False, newline="\n")
    path = _name(folder, kind, "csv")
    path.write_bytes(text.encode("utf-8"))
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_csv_cp1258(folder: Path) -> CorpusFile:
    """CSV (Comma delimited) from Vietnamese-locale Excel: code page 1258 (letters as base + combining
    tone mark where the code page has no precomposed one), ';' list separator, numbers "1.234,5"."""
    kind, code, year, form = "csv_cp1258", "38", 2024, "03/KHCN-CP"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 24)
    lines = _lines(form, random.Random(4), totals={"0301": 31234.5}, step=0.5)
    text = _csv_text(_sheet(form, code, name, year, signed, lines, fmt=_vn), delimiter=";")
    path = _name(folder, kind, "csv")
    path.write_bytes(cp1258_bytes(text))
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_csv_mojibake(folder: Path) -> CorpusFile:
    """A UTF-8 CSV opened as Windows-1252 and saved again as CSV UTF-8: 'Mã chá»‰ tiÃªu'."""
    kind, code, year, form = "csv_mojibake", "40", 2024, "01/KHCN-TC"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 15)
    lines = _lines(form, random.Random(5))
    text = _csv_text(_sheet(form, code, name, year, signed, lines), transform=mojibake)
    path = _name(folder, kind, "csv")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_csv_ansi_lossy(folder: Path) -> CorpusFile:
    """Vietnamese text saved as "ANSI" (cp1252) on an English Windows: 'Bi?u s?:', 'Mã ch? tiêu';
    codes and numbers intact, the province code filled in."""
    kind, code, year, form = "csv_ansi_lossy", "42", 2023, "02/KHCN-NL"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2024, 1, 26)
    lines = _lines(form, random.Random(6))
    text = _csv_text(_sheet(form, code, name, year, signed, lines))
    path = _name(folder, kind, "csv")
    path.write_bytes(ansi_lossy(text))
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_cover_sheet(folder: Path) -> CorpusFile:
    """A cover sheet "Bìa" (title, province, year, no table) first; the table on sheet "Biểu 01"."""
    kind, code, year, form = "cover_sheet", "48", 2025, "01/KHCN-TC"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_34[code], date(2026, 1, 19)
    lines = _lines(form, random.Random(7), dims={"0101": ["loai_hinh", "so_huu", "linh_vuc"]})
    wb = _workbook()
    cover = wb.active
    cover.title = "Bìa"
    for text in [
        f"UBND {name.upper()}",
        _office(name).upper(),
        "",
        "BÁO CÁO THỐNG KÊ CƠ SỞ",
        "VỀ KHOA HỌC VÀ CÔNG NGHỆ",
        f"Biểu số {form}: {FORMS[form][0]}",
        "",
        f"Đơn vị báo cáo: {_office(name)}",
        "Đơn vị nhận báo cáo: Cục Thông tin khoa học và công nghệ quốc gia",
        "",
        f"{_place(name)}, năm {year + 1}",
    ]:
        cover.append([text or None])
    for r in range(1, cover.max_row + 1):
        cover.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
    ws = wb.create_sheet("Biểu 01")
    rows = _sheet(form, code, name, year, signed, lines)
    _fill(ws, rows)
    _number_format(ws, rows)
    path = _name(folder, kind, "xlsx")
    wb.save(path)
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_hidden_sheet(folder: Path) -> CorpusFile:
    """The FIRST sheet is hidden and holds last year's report (other values); the visible second sheet
    holds this year's. Values are the visible sheet's."""
    kind, code, year, form = "hidden_sheet", "92", 2025, "02/KHCN-NL"
    _slot(kind, code, year, form)
    _slot(kind + ":hidden", code, year - 1, form)
    name, signed = PROVINCES_34[code], date(2026, 1, 21)
    old_lines = _lines(form, random.Random(80), totals={"0201": 612})
    lines = _lines(form, random.Random(8), totals={"0201": 655})
    wb = _workbook()
    old = wb.active
    old.title = "Biểu 02 (2024)"
    _fill(old, _sheet(form, code, PROVINCES_63[code], year - 1, date(2025, 1, 21), old_lines))
    old.sheet_state = "hidden"
    ws = wb.create_sheet("Biểu 02")
    _fill(ws, _sheet(form, code, name, year, signed, lines))
    wb.active = 1
    path = _name(folder, kind, "xlsx")
    wb.save(path)
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_two_row_header(folder: Path) -> CorpusFile:
    """A two-row header with merged cells ("Phân tổ" over "Mã" and "Tên"; the other headings merged
    down two rows), then a column-numbering row "(1) ... (7)", then the data."""
    kind, code, year, form = "two_row_header", "19", 2024, "04/KHCN-NV"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 23)
    lines = _lines(form, random.Random(9))
    rows = _title_rows(name, form, year) + _meta_rows(form, code, name, year, signed.strftime("%d/%m/%Y"), 1)
    rows.append([])
    top = len(rows) + 1
    rows.append(["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Phân tổ", None, "Đơn vị tính", "Giá trị"])
    rows.append([None, None, None, "Mã", "Tên", None, None])
    rows.append([f"({i})" for i in range(1, 8)])
    rows += _data_rows(lines) + _signature_rows(name, signed)
    wb = _workbook()
    ws = wb.active
    ws.title = _sheet_name(form)
    _fill(ws, rows)
    from openpyxl.styles import Alignment, Font

    ws.merge_cells(start_row=top, start_column=4, end_row=top, end_column=5)
    for col in (1, 2, 3, 6, 7):
        ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    for r in (top, top + 1, top + 2):
        for c in range(1, 8):
            ws.cell(r, c).font = Font(bold=r < top + 2, italic=r == top + 2)
            ws.cell(r, c).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    path = _name(folder, kind, "xlsx")
    wb.save(path)
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_csv_english_locale(folder: Path) -> CorpusFile:
    """CSV UTF-8 from an English-locale Excel: ',' delimiter, thousands shown "5,234" (quoted because
    of the comma); 1,234 people load as 1234."""
    kind, code, year, form = "csv_english_locale", "79", 2024, "02/KHCN-NL"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 27)
    values = {
        "tong": 5234,
        "gioi_tinh:nam": 3012,
        "gioi_tinh:nu": 2222,
        "trinh_do:tien_si": 1234,
        "trinh_do:thac_si": 2101,
        "trinh_do:dai_hoc": 1710,
        "trinh_do:khac": 189,
    }
    lines = [_Line("0201", bd, v) for bd, v in values.items()]
    text = _csv_text(_sheet(form, code, name, year, signed, lines, fmt=_en))
    path = _name(folder, kind, "csv")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_csv_english_locale_money(folder: Path) -> CorpusFile:
    """The same English-locale export for expenditure: "12,345.5" million VND."""
    kind, code, year, form = "csv_english_locale_money", "79", 2024, "03/KHCN-CP"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 27)
    values = {
        "tong": 12345.5,
        "nguon:nsnn_trung_uong": 3200.5,
        "nguon:nsnn_dia_phuong": 5120,
        "nguon:doanh_nghiep": 2875,
        "nguon:nuoc_ngoai": 650,
        "nguon:khac": 500,
    }
    lines = [_Line("0301", bd, v) for bd, v in values.items()]
    text = _csv_text(_sheet(form, code, name, year, signed, lines, fmt=_en))
    path = _name(folder, kind, "csv")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_billions(folder: Path) -> CorpusFile:
    """Form 03 with the unit "tỷ đồng" and values in billions (12,5 tỷ); expected in triệu đồng."""
    kind, code, year, form = "billions", "56", 2025, "03/KHCN-CP"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_34[code], date(2026, 1, 28)
    values = {
        "tong": 12.5,
        "nguon:nsnn_trung_uong": 4.0,
        "nguon:nsnn_dia_phuong": 3.5,
        "nguon:doanh_nghiep": 2.5,
        "nguon:nuoc_ngoai": 1.0,
        "nguon:khac": 1.5,
    }
    lines = [_Line("0301", bd, v, unit="tỷ đồng") for bd, v in values.items()]
    rows = _sheet(form, code, name, year, signed, lines)
    wb = _workbook()
    ws = wb.active
    ws.title = _sheet_name(form)
    _fill(ws, rows)
    _number_format(ws, rows, "#,##0.0")
    path = _name(folder, kind, "xlsx")
    wb.save(path)
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines, 1000), report_date=signed)


def write_numeric_codes(folder: Path) -> CorpusFile:
    """Excel turned what was typed into numbers and dates: codes 401, 402 (leading zero dropped), the
    province code and year as numbers, the report date a real date cell."""
    kind, code, year, form = "numeric_codes", "20", 2024, "04/KHCN-NV"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 16)
    lines = _lines(form, random.Random(12), dims={"0401": ["cap", "linh_vuc"]})
    rows = _sheet(
        form,
        int(code),
        name,
        year,
        signed,
        lines,
        code_cell=int,
        date_cell=datetime(signed.year, signed.month, signed.day),
    )
    wb = _workbook()
    ws = wb.active
    ws.title = _sheet_name(form)
    _fill(ws, rows)
    _number_format(ws, rows)
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 1).value == "Ngày báo cáo:":
            ws.cell(r, 2).number_format = "dd/mm/yyyy"
    path = _name(folder, kind, "xlsx")
    wb.save(path)
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_totals_row(folder: Path) -> CorpusFile:
    """A "Tổng cộng" row at the bottom (label over the STT/code/name columns, no code, the column
    sum as value): not an indicator."""
    kind, code, year, form = "totals_row", "14", 2024, "01/KHCN-TC"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 20)
    lines = _lines(form, random.Random(13))
    rows = _sheet(form, code, name, year, signed, lines, signature=False)
    total_row = len(rows) + 1
    rows.append(["Tổng cộng", None, None, None, None, None, sum(line.value for line in lines)])
    rows += _signature_rows(name, signed)
    wb = _workbook()
    ws = wb.active
    ws.title = _sheet_name(form)
    _fill(ws, rows)
    _number_format(ws, rows)
    from openpyxl.styles import Font

    ws.merge_cells(start_row=total_row, start_column=1, end_row=total_row, end_column=3)
    ws.cell(total_row, 1).font = Font(bold=True)
    ws.cell(total_row, 7).font = Font(bold=True)
    path = _name(folder, kind, "xlsx")
    wb.save(path)
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_date_in_words(folder: Path) -> CorpusFile:
    """'Ngày báo cáo:' written in words: 'Hà Nội, ngày 12 tháng 02 năm 2025'."""
    kind, code, year, form = "date_in_words", "01", 2024, "04/KHCN-NV"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 2, 12)
    lines = _lines(form, random.Random(14))
    rows = _sheet(form, code, name, year, signed, lines, date_cell="Hà Nội, ngày 12 tháng 02 năm 2025")
    path = _save_template_xlsx(_name(folder, kind, "xlsx"), rows, _sheet_name(form))
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_revision_words(folder: Path) -> CorpusFile:
    """'Lần nộp:' 'Lần 2 (bổ sung)': the second submission."""
    kind, code, year, form = "revision_words", "86", 2025, "03/KHCN-CP"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_34[code], date(2026, 3, 5)
    lines = _lines(form, random.Random(15))
    rows = _sheet(form, code, name, year, signed, lines, revision_cell="Lần 2 (bổ sung)")
    path = _save_template_xlsx(_name(folder, kind, "xlsx"), rows, _sheet_name(form))
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed, revision=2)


def write_name_only_hcm(folder: Path) -> CorpusFile:
    """Province code blank, named "TP.HCM" (2025: code 79)."""
    kind, year, form = "name_only_hcm", 2025, "01/KHCN-TC"
    _slot(kind, None, year, form)
    name, signed = "TP.HCM", date(2026, 1, 14)
    lines = _lines(form, random.Random(16), totals={"0101": 96})
    rows = _sheet(form, None, name, year, signed, lines, title="none")
    rows = [["Sở Khoa học và Công nghệ Thành phố Hồ Chí Minh"], []] + rows
    path = _save_template_xlsx(_name(folder, kind, "xlsx"), rows, _sheet_name(form))
    return CorpusFile(kind, path, "loaded", "79", year, form, _values(lines), report_date=signed)


def write_name_only_hue(folder: Path) -> CorpusFile:
    """Province code blank, named by its old name "Tỉnh Thừa Thiên Huế" (2024: code 46)."""
    kind, year, form = "name_only_hue", 2024, "02/KHCN-NL"
    _slot(kind, None, year, form)
    name, signed = "Tỉnh Thừa Thiên Huế", date(2025, 1, 21)
    lines = _lines(form, random.Random(17))
    rows = _sheet(form, None, name, year, signed, lines)
    path = _save_template_xlsx(_name(folder, kind, "xlsx"), rows, _sheet_name(form))
    return CorpusFile(kind, path, "loaded", "46", year, form, _values(lines), report_date=signed)


def write_xls_biff8(folder: Path) -> CorpusFile:
    """The template layout as a legacy .xls (BIFF8), written with xlwt."""
    import xlwt

    kind, code, year, form = "xls_biff8", "33", 2024, "03/KHCN-CP"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 29)
    lines = _lines(form, random.Random(18))
    rows = _sheet(form, code, name, year, signed, lines)
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(_sheet_name(form))
    bold = xlwt.easyxf("font: bold on; align: horiz centre, vert centre, wrap on")
    number = xlwt.easyxf(num_format_str="#,##0")
    header = _header_index(rows)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if r == header:
                ws.write(r, c, value, bold)
            elif c == 6 and isinstance(value, (int, float)):
                ws.write(r, c, value, number)
            else:
                ws.write(r, c, value)
    for c, width in enumerate((6, 12, 42, 26, 40, 14, 14)):
        ws.col(c).width = width * 256
    path = _name(folder, kind, "xls")
    book.save(str(path))
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_ods(folder: Path) -> CorpusFile:
    """The template layout as OpenDocument (.ods, LibreOffice Calc), written with odfpy."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    kind, code, year, form = "ods", "37", 2024, "01/KHCN-TC"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 30)
    lines = _lines(form, random.Random(19))
    doc = OpenDocumentSpreadsheet()
    table = Table(name=_sheet_name(form))
    for row in _sheet(form, code, name, year, signed, lines):
        tr = TableRow()
        for value in row:
            if value is None:
                tr.addElement(TableCell())
            elif isinstance(value, (int, float)):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=_plain(value)))
                tr.addElement(cell)
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
                tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    path = _name(folder, kind, "ods")
    doc.save(str(path))
    return CorpusFile(kind, path, "loaded", code, year, form, _values(lines), report_date=signed)


def write_formula_text(folder: Path) -> CorpusFile:
    """A web-system CSV export (UTF-8 with BOM, every field quoted) whose indicator-name cell holds
    '=HYPERLINK(...)': loaded, but the text must be stored neutralised (not starting with '=')."""
    kind, code, year, form = "formula_text", "25", 2024, "02/KHCN-NL"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 31)
    lines = _lines(form, random.Random(20))
    formula = '=HYPERLINK("https://sokhcn.phutho.gov.vn/thong-ke/bieu-02","Số người làm nghiên cứu và phát triển")'
    lines[0].name = formula
    text = _csv_text(_sheet(form, code, name, year, signed, lines), pad=False, quoting=csv.QUOTE_ALL)
    path = _name(folder, kind, "csv")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return CorpusFile(
        kind, path, "loaded", code, year, form, _values(lines), report_date=signed, neutralised_text=formula
    )


# ===================================================================================================
# Held: the whole file refused, with a note

PASSWORD = "Skhcn@2024"


def write_encrypted_xlsx(folder: Path) -> CorpusFile:
    """A password-protected workbook (ECMA-376 agile encryption, as Excel's "Encrypt with Password")."""
    from msoffcrypto.format.ooxml import OOXMLFile

    kind, code, year, form = "encrypted_xlsx", "44", 2024, "04/KHCN-NV"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 20)
    lines = _lines(form, random.Random(21))
    plain = _save_template_xlsx(
        _name(folder, kind, "plain.xlsx"), _sheet(form, code, name, year, signed, lines), _sheet_name(form)
    )
    path = _name(folder, kind, "xlsx")
    with open(plain, "rb") as source, open(path, "wb") as out:
        OOXMLFile(source).encrypt(PASSWORD, out)
    plain.unlink()
    return CorpusFile(kind, path, "held", None, None, None, {}, reason_words=("mật khẩu", "password"))


def write_empty_workbook(folder: Path) -> CorpusFile:
    """A workbook with one sheet and no cells."""
    kind = "empty_workbook"
    _slot(kind, None, None, None)
    wb = _workbook()
    wb.active.title = "Sheet1"
    path = _name(folder, kind, "xlsx")
    wb.save(path)
    return CorpusFile(kind, path, "held", None, None, None, {}, reason_words=("rỗng", "empty"))


def write_empty_csv(folder: Path) -> CorpusFile:
    """A 0-byte .csv."""
    kind = "empty_csv"
    _slot(kind, None, None, None)
    path = _name(folder, kind, "csv")
    path.write_bytes(b"")
    return CorpusFile(kind, path, "held", None, None, None, {}, reason_words=("rỗng", "empty"))


def write_bac_giang_2025(folder: Path) -> CorpusFile:
    """'Tỉnh Bắc Giang' with code 24 for 2025: on 31/12/2025 code 24 is Bắc Ninh, into which Bắc
    Giang merged; the file is held for the office to confirm."""
    kind, code, year, form = "bac_giang_2025", "24", 2025, "02/KHCN-NL"
    _slot(kind, code, year, form)
    name, signed = "Tỉnh Bắc Giang", date(2026, 1, 22)
    lines = _lines(form, random.Random(22))
    path = _save_template_xlsx(
        _name(folder, kind, "xlsx"), _sheet(form, code, name, year, signed, lines), _sheet_name(form)
    )
    return CorpusFile(kind, path, "held", None, year, form, {}, reason_words=("Bắc Ninh", "Bắc Giang"))


def write_old_bac_ninh_code(folder: Path) -> CorpusFile:
    """Code 27 (the former Bắc Ninh) and its old name for 2025: Bắc Ninh is 24 since 2025-07-01."""
    kind, code, year, form = "old_bac_ninh_code", "27", 2025, "03/KHCN-CP"
    _slot(kind, code, year, form)
    name, signed = "Tỉnh Bắc Ninh", date(2026, 1, 23)
    lines = _lines(form, random.Random(23))
    path = _save_template_xlsx(
        _name(folder, kind, "xlsx"), _sheet(form, code, name, year, signed, lines), _sheet_name(form)
    )
    return CorpusFile(kind, path, "held", None, year, form, {}, reason_words=("Bắc Ninh", "24"))


def write_future_year(folder: Path) -> CorpusFile:
    """Reporting year 2042 (a typo for 2024, in a 2025-style file)."""
    kind, code, year, form = "future_year", "12", 2042, "01/KHCN-TC"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_34[code], date(2026, 1, 12)
    lines = _lines(form, random.Random(24))
    path = _save_template_xlsx(
        _name(folder, kind, "xlsx"), _sheet(form, code, name, year, signed, lines), _sheet_name(form)
    )
    return CorpusFile(kind, path, "held", code, year, form, {}, reason_words=("2042", "future"))


def write_html_as_xls(folder: Path) -> CorpusFile:
    """An HTML table saved with the .xls extension (what many web systems call "export to Excel")."""
    kind, code, year, form = "html_as_xls", "08", 2024, "01/KHCN-TC"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 20)
    lines = _lines(form, random.Random(25))
    rows = _sheet(form, code, name, year, signed, lines)
    html = [
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">',
        '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>',
        '<body><table border="1">',
    ]
    for row in rows:
        html.append("<tr>" + "".join(f"<td>{'' if c is None else c}</td>" for c in row) + "</tr>")
    html.append("</table></body></html>")
    path = _name(folder, kind, "xls")
    path.write_bytes("\r\n".join(html).encode("utf-8"))
    return CorpusFile(kind, path, "held", None, None, None, {}, reason_words=("not a spreadsheet",))


def write_cover_only(folder: Path) -> CorpusFile:
    """Sheets "Bìa" and "Ghi chú" and no data table (the table sheet was left out)."""
    kind, code, year = "cover_only", "11", 2024
    _slot(kind, code, year, None)
    name = PROVINCES_63[code]
    wb = _workbook()
    cover = wb.active
    cover.title = "Bìa"
    for text in [
        f"UBND {name.upper()}",
        _office(name).upper(),
        None,
        "BÁO CÁO THỐNG KÊ CƠ SỞ",
        "VỀ KHOA HỌC VÀ CÔNG NGHỆ",
        f"Năm {year}",
        None,
        f"Đơn vị báo cáo: {_office(name)}",
    ]:
        cover.append([text])
    notes = wb.create_sheet("Ghi chú")
    for text in [
        "Ghi chú:",
        "- Số liệu tính đến ngày 31 tháng 12 năm báo cáo.",
        "- Đơn vị tính kinh phí: triệu đồng.",
        "- Phân tổ theo lĩnh vực khoa học và công nghệ cấp I (Quyết định 3228/QĐ-BKHCN).",
    ]:
        notes.append([text])
    path = _name(folder, kind, "xlsx")
    wb.save(path)
    return CorpusFile(kind, path, "held", None, None, None, {}, reason_words=("Bìa", "Ghi chú"))


# ===================================================================================================
# Partly: some rows quarantined, the others kept


def write_duplicate_row(folder: Path) -> CorpusFile:
    """The 0402 row pasted twice (same code, breakdown and value): the second copy quarantined."""
    kind, code, year, form = "duplicate_row", "66", 2024, "04/KHCN-NV"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 24)
    lines = _lines(form, random.Random(27))
    copy = next(line for line in lines if line.code == "0402")
    written = lines + [_Line(copy.code, copy.breakdown, copy.value)]
    path = _save_template_xlsx(
        _name(folder, kind, "xlsx"), _sheet(form, code, name, year, signed, written), _sheet_name(form)
    )
    return CorpusFile(
        kind,
        path,
        "partly",
        code,
        year,
        form,
        _values(lines),
        frozenset(),
        ("twice",),
        report_date=signed,
        quarantined_count=1,
    )


def write_unknown_indicator(folder: Path) -> CorpusFile:
    """A row with the unknown indicator code 0999."""
    kind, code, year, form = "unknown_indicator", "68", 2024, "04/KHCN-NV"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 25)
    lines = _lines(form, random.Random(28))
    extra = _Line("0999", "tong", 7, name="Số văn bằng bảo hộ sáng chế được cấp", unit="văn bằng")
    path = _save_template_xlsx(
        _name(folder, kind, "xlsx"), _sheet(form, code, name, year, signed, lines + [extra]), _sheet_name(form)
    )
    return CorpusFile(
        kind,
        path,
        "partly",
        code,
        year,
        form,
        _values(lines),
        frozenset({("0999", "tong")}),
        ("0999",),
        report_date=signed,
    )


def write_not_adding_up(folder: Path) -> CorpusFile:
    """gioi_tinh:nam + gioi_tinh:nu = 490 against a total of 480, while trinh_do adds up: the
    gioi_tinh rows quarantined, the total and trinh_do kept."""
    kind, code, year, form = "not_adding_up", "75", 2025, "02/KHCN-NL"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_34[code], date(2026, 1, 26)
    values = {
        "tong": 480,
        "gioi_tinh:nam": 260,
        "gioi_tinh:nu": 230,
        "trinh_do:tien_si": 52,
        "trinh_do:thac_si": 141,
        "trinh_do:dai_hoc": 247,
        "trinh_do:khac": 40,
    }
    lines = [_Line("0201", bd, v) for bd, v in values.items()]
    path = _save_template_xlsx(
        _name(folder, kind, "xlsx"), _sheet(form, code, name, year, signed, lines), _sheet_name(form)
    )
    bad = {("0201", "gioi_tinh:nam"), ("0201", "gioi_tinh:nu")}
    kept = {k: v for k, v in _values(lines).items() if k not in bad}
    return CorpusFile(kind, path, "partly", code, year, form, kept, frozenset(bad), ("add up",), report_date=signed)


def write_over_ceiling(folder: Path) -> CorpusFile:
    """0301 nguon:doanh_nghiep of 1e15 million VND (and the total, a SUM over it, too): both over the
    ceiling and quarantined; the other sources kept."""
    kind, code, year, form = "over_ceiling", "80", 2024, "03/KHCN-CP"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_63[code], date(2025, 1, 27)
    members = {
        "nguon:nsnn_trung_uong": 4200,
        "nguon:nsnn_dia_phuong": 9800,
        "nguon:doanh_nghiep": 1e15,
        "nguon:nuoc_ngoai": 700,
        "nguon:khac": 300,
    }
    lines = [_Line("0301", "tong", sum(members.values()))] + [_Line("0301", bd, v) for bd, v in members.items()]
    path = _save_template_xlsx(
        _name(folder, kind, "xlsx"), _sheet(form, code, name, year, signed, lines), _sheet_name(form)
    )
    bad = {("0301", "tong"), ("0301", "nguon:doanh_nghiep")}
    kept = {k: v for k, v in _values(lines).items() if k not in bad}
    return CorpusFile(kind, path, "partly", code, year, form, kept, frozenset(bad), ("ceiling",), report_date=signed)


def write_usd_unit(folder: Path) -> CorpusFile:
    """The 0402 row (no breakdowns) reported in "USD"."""
    kind, code, year, form = "usd_unit", "91", 2025, "04/KHCN-NV"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_34[code], date(2026, 1, 28)
    lines = _lines(form, random.Random(31))
    for line in lines:
        if line.code == "0402":
            line.unit, line.value = "USD", 485000
    path = _save_template_xlsx(
        _name(folder, kind, "xlsx"), _sheet(form, code, name, year, signed, lines), _sheet_name(form)
    )
    kept = {k: v for k, v in _values(lines).items() if k[0] != "0402"}
    return CorpusFile(
        kind, path, "partly", code, year, form, kept, frozenset({("0402", "tong")}), ("USD",), report_date=signed
    )


def write_text_value(folder: Path) -> CorpusFile:
    """The 0402 value cell reads "khoảng 50" (about 50)."""
    kind, code, year, form = "text_value", "82", 2025, "04/KHCN-NV"
    _slot(kind, code, year, form)
    name, signed = PROVINCES_34[code], date(2026, 1, 29)
    lines = _lines(form, random.Random(32))
    for line in lines:
        if line.code == "0402":
            line.value = "khoảng 50"
    path = _save_template_xlsx(
        _name(folder, kind, "xlsx"), _sheet(form, code, name, year, signed, lines), _sheet_name(form)
    )
    kept = _values([line for line in lines if line.code != "0402"])
    return CorpusFile(
        kind, path, "partly", code, year, form, kept, frozenset({("0402", "tong")}), ("khoảng 50",), report_date=signed
    )


ALL_KINDS = [
    write_template_xlsx,
    write_unicode_text,
    write_csv_utf8_ragged,
    write_csv_cp1258,
    write_csv_mojibake,
    write_csv_ansi_lossy,
    write_cover_sheet,
    write_hidden_sheet,
    write_two_row_header,
    write_csv_english_locale,
    write_csv_english_locale_money,
    write_billions,
    write_numeric_codes,
    write_totals_row,
    write_date_in_words,
    write_revision_words,
    write_name_only_hcm,
    write_name_only_hue,
    write_xls_biff8,
    write_ods,
    write_formula_text,
    write_encrypted_xlsx,
    write_empty_workbook,
    write_empty_csv,
    write_bac_giang_2025,
    write_old_bac_ninh_code,
    write_future_year,
    write_html_as_xls,
    write_cover_only,
    write_duplicate_row,
    write_unknown_indicator,
    write_not_adding_up,
    write_over_ceiling,
    write_usd_unit,
    write_text_value,
]


def write_all(folder: Path) -> list[CorpusFile]:
    return [write(folder) for write in ALL_KINDS]


# ---------------------------------------------------------------------------------------------------
# Bulk: plain template files on slots no corpus kind uses


def _corpus_slots() -> set[tuple]:
    """Every (province code, year, form) a corpus kind states or resolves to (form None: every form)."""
    resolved = {
        "name_only_hcm": ("79", 2025, "01/KHCN-TC"),
        "name_only_hue": ("46", 2024, "02/KHCN-NL"),
        "old_bac_ninh_code": ("24", 2025, "03/KHCN-CP"),
    }
    taken = set()
    for slot in [*SLOTS.values(), *resolved.values()]:
        code, year, form = slot
        for f in [form] if form else list(FORMS):
            taken.add((code, year, f))
    return taken


# Each kind's (province code, year, form) as the file states it (None where it states none; the hidden
# sheet's own slot is reserved too). A file's resolved slot is on its CorpusFile.
SLOTS: dict[str, tuple[str | None, int | None, str | None]] = {
    "template_xlsx": ("01", 2024, "02/KHCN-NL"),
    "unicode_text": ("31", 2024, "01/KHCN-TC"),
    "csv_utf8_ragged": ("22", 2024, "04/KHCN-NV"),
    "csv_cp1258": ("38", 2024, "03/KHCN-CP"),
    "csv_mojibake": ("40", 2024, "01/KHCN-TC"),
    "csv_ansi_lossy": ("42", 2023, "02/KHCN-NL"),
    "cover_sheet": ("48", 2025, "01/KHCN-TC"),
    "hidden_sheet": ("92", 2025, "02/KHCN-NL"),
    "hidden_sheet:hidden": ("92", 2024, "02/KHCN-NL"),
    "two_row_header": ("19", 2024, "04/KHCN-NV"),
    "csv_english_locale": ("79", 2024, "02/KHCN-NL"),
    "csv_english_locale_money": ("79", 2024, "03/KHCN-CP"),
    "billions": ("56", 2025, "03/KHCN-CP"),
    "numeric_codes": ("20", 2024, "04/KHCN-NV"),
    "totals_row": ("14", 2024, "01/KHCN-TC"),
    "date_in_words": ("01", 2024, "04/KHCN-NV"),
    "revision_words": ("86", 2025, "03/KHCN-CP"),
    "name_only_hcm": (None, 2025, "01/KHCN-TC"),
    "name_only_hue": (None, 2024, "02/KHCN-NL"),
    "xls_biff8": ("33", 2024, "03/KHCN-CP"),
    "ods": ("37", 2024, "01/KHCN-TC"),
    "formula_text": ("25", 2024, "02/KHCN-NL"),
    "encrypted_xlsx": ("44", 2024, "04/KHCN-NV"),
    "empty_workbook": (None, None, None),
    "empty_csv": (None, None, None),
    "bac_giang_2025": ("24", 2025, "02/KHCN-NL"),
    "old_bac_ninh_code": ("27", 2025, "03/KHCN-CP"),
    "future_year": ("12", 2042, "01/KHCN-TC"),
    "html_as_xls": ("08", 2024, "01/KHCN-TC"),
    "cover_only": ("11", 2024, None),
    "duplicate_row": ("66", 2024, "04/KHCN-NV"),
    "unknown_indicator": ("68", 2024, "04/KHCN-NV"),
    "not_adding_up": ("75", 2025, "02/KHCN-NL"),
    "over_ceiling": ("80", 2024, "03/KHCN-CP"),
    "usd_unit": ("91", 2025, "04/KHCN-NV"),
    "text_value": ("82", 2025, "04/KHCN-NV"),
}


def good_files(folder: Path, n: int) -> list[CorpusFile]:
    """n plain template .xlsx files, each on its own (province, year, form): 2024 first, then 2023,
    then 2025; never a slot a corpus kind uses."""
    taken = _corpus_slots()
    slots = [
        (code, year, form)
        for year in (2024, 2023, 2025)
        for code in provinces_for(year)
        for form in FORMS
        if (code, year, form) not in taken
    ]
    if n > len(slots):
        raise ValueError(f"at most {len(slots)} distinct good files")
    out = []
    for i, (code, year, form) in enumerate(slots[:n]):
        rng = random.Random(1000 + i)
        name = provinces_for(year)[code]
        signed = date(year + 1, 1, rng.randint(5, 28))
        dims = {c: rng.sample(_BREAKDOWNS[c], k=min(len(_BREAKDOWNS[c]), rng.randint(1, 2))) for c in _BREAKDOWNS}
        lines = _lines(form, rng, dims=dims)
        path = folder / f"good_{i:03d}_{code}_{year}_{form[:2]}.xlsx"
        folder.mkdir(parents=True, exist_ok=True)
        _save_template_xlsx(path, _sheet(form, code, name, year, signed, lines), _sheet_name(form))
        out.append(CorpusFile("good", path, "loaded", code, year, form, _values(lines), report_date=signed))
    return out
