"""Where the template's parts are on a sheet: the metadata labels ("Biểu số:", "Mã tỉnh:" ...), the header
row of the data table (one row, or two with merged cells: "Phân tổ" over "Mã" | "Tên"), the column-numbering
row under it, and the table's rows up to the signature block. Labels compare folded (no diacritics, any case)
and survive an ANSI save that turned every letter outside Windows-1252 into '?'."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sources.vietnamese import fold

# Header texts (folded) -> the column they name.
HEADER_ROLES = {
    "stt": "row_label",
    "so tt": "row_label",
    "tt": "row_label",
    "so thu tu": "row_label",
    "ma chi tieu": "indicator_code",
    "ma so": "indicator_code",
    "ma so chi tieu": "indicator_code",
    "chi tieu ma": "indicator_code",
    "chi tieu ma so": "indicator_code",
    "ten chi tieu": "indicator_name",
    "chi tieu": "indicator_name",
    "chi tieu ten": "indicator_name",
    "chi tieu ten chi tieu": "indicator_name",
    "noi dung": "indicator_name",
    "ma phan to": "breakdown",
    "phan to ma": "breakdown",
    "phan to ma phan to": "breakdown",
    "phan to": "breakdown_name",
    "ten phan to": "breakdown_name",
    "phan to ten": "breakdown_name",
    "phan to ten phan to": "breakdown_name",
    "don vi tinh": "unit",
    "dvt": "unit",
    "don vi": "unit",
    "gia tri": "value",
    "so lieu": "value",
    "gia tri so lieu": "value",
    "so luong": "value",
    "tri so": "value",
}
_VALUE_PREFIXES = ("gia tri ", "so lieu ")  # "Giá trị năm 2024", "Số liệu (năm báo cáo)"
REQUIRED_ROLES = {"indicator_code", "value"}

# Metadata labels (folded) -> field.
METADATA_ROLES = {
    "bieu so": "form_code",
    "bieu mau": "form_code",
    "mau bieu": "form_code",
    "mau so": "form_code",
    "so hieu bieu": "form_code",
    "ma bieu": "form_code",
    "ma tinh": "province_code",
    "ma tinh thanh pho": "province_code",
    "ma tinh tp": "province_code",
    "ten tinh": "province_name",
    "tinh": "province_name",
    "tinh thanh pho": "province_name",
    "ten tinh thanh pho": "province_name",
    "tinh tp": "province_name",
    "nam bao cao": "reference_year",
    "ky bao cao": "reference_year",
    "nam": "reference_year",
    "ngay bao cao": "report_date",
    "ngay ky": "report_date",
    "ngay lap": "report_date",
    "ngay gui": "report_date",
    "lan nop": "revision",
    "lan gui": "revision",
    "lan bao cao": "revision",
    "don vi bao cao": "sender",
}


def _key(text) -> str:
    """A label's matching key: folded, a '?' left by an ANSI save kept as the wildcard '_'."""
    text = re.sub(r"(?<=\w)\?|\?(?=\w)", "_", str(text))
    return (fold(text) or "").rstrip(" :")


@lru_cache(maxsize=4096)
def _lookup(key: str, table_name: str) -> str | None:
    table = HEADER_ROLES if table_name == "header" else METADATA_ROLES
    if key in table:
        return table[key]
    if "_" in key:  # damaged letters: the one label the pattern fits
        pattern = re.compile(re.escape(key).replace("_", "[a-z]"))
        fits = {role for label, role in table.items() if pattern.fullmatch(label)}
        if len(fits) == 1:
            return fits.pop()
    if table_name == "header" and key.startswith(_VALUE_PREFIXES):
        return "value"
    return None


def role_of(text) -> str | None:
    return None if text is None or not str(text).strip() else _lookup(_key(text), "header")


def metadata_role(text) -> str | None:
    return None if text is None or not str(text).strip() else _lookup(_key(text), "metadata")


def header_roles(cells) -> dict[int, str]:
    """Column -> role for one row, each role kept at its first column."""
    roles: dict[int, str] = {}
    for i, cell in enumerate(cells):
        role = role_of(cell) if isinstance(cell, str) else None
        if role and role not in roles.values():
            roles[i] = role
    return roles


def _two_row_roles(top: list, bottom: list) -> dict[int, str]:
    """Roles of a header written on two rows: a top label merged over several columns (blank after its first)
    reads with each label under it: 'Phân tổ' + 'Mã' -> breakdown, 'Phân tổ' + 'Tên' -> breakdown_name."""
    width = max(len(top), len(bottom))
    roles: dict[int, str] = {}
    above = None
    for i in range(width):
        t = top[i] if i < len(top) else None
        b = bottom[i] if i < len(bottom) else None
        t = str(t).strip() if t is not None and str(t).strip() else None
        b = str(b).strip() if b is not None and str(b).strip() else None
        if t is not None:
            above = t
        elif b is None:
            above = None
        t = t or (above if b is not None else None)
        candidates = [f"{t} {b}"] if t and b else []
        candidates += [b] if b and _key(b) not in ("ma", "ten") else []
        candidates += [t] if t else []
        role = next((r for r in map(role_of, candidates) if r), None)
        if role and role not in roles.values():
            roles[i] = role
    return roles


@dataclass(frozen=True)
class Table:
    header_row: int  # index of the (first) header row
    first_data_row: int  # index of the first row after the header
    columns: dict  # column index -> role


def find_table(rows: list[list]) -> Table | None:
    for i, row in enumerate(rows):
        single = header_roles(row)
        if "indicator_code" not in single.values() and "value" not in single.values():
            continue
        below = rows[i + 1] if i + 1 < len(rows) else []
        double = _two_row_roles(row, below) if below and not _looks_like_data(below, single) else {}
        if set(double.values()) >= REQUIRED_ROLES and len(set(double.values())) > len(set(single.values())):
            return Table(i, i + 2, double)
        if set(single.values()) >= REQUIRED_ROLES:
            return Table(i, i + 1, single)
    return None


_CODE = re.compile(r"^\d{2,6}$")


def normalise_code(cell) -> str | None:
    """An indicator code as the template writes it: digits, four wide ('401' or 401.0 -> '0401')."""
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    compact = re.sub(r"[\s.]", "", text)
    if compact.isdigit():
        return compact.zfill(4)
    return text or None


def looks_like_code(code: str | None) -> bool:
    return bool(code and _CODE.match(code))


def _looks_like_data(row: list, roles: dict[int, str]) -> bool:
    code_column = next((i for i, r in roles.items() if r == "indicator_code"), None)
    return code_column is not None and code_column < len(row) and looks_like_code(normalise_code(row[code_column]))


_NUMBERING_TOKEN = re.compile(r"^\(?([0-9]{1,2}|[A-Za-z])\)?$")


def is_column_numbering(row: list) -> bool:
    """The row under a Vietnamese form's header that numbers its columns: '(1) (2) (3)' or 'A B 1 2 3'."""
    cells = [
        str(c).strip() if not isinstance(c, float) else str(int(c)) if c.is_integer() else str(c)
        for c in row
        if c is not None and str(c).strip()
    ]
    if len(cells) < 3 or not all(_NUMBERING_TOKEN.match(c) for c in cells):
        return False
    numbers = [int(m.group(1)) for c in cells if (m := _NUMBERING_TOKEN.match(c)) and m.group(1).isdigit()]
    return numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


_TOTALS = re.compile(r"^(tong cong|cong|tong|total|grand total)( toan tinh| chung| so)?$")


def is_totals_row(cells: dict) -> bool:
    """A 'Tổng cộng' line summing the column, which is not an indicator of the template."""
    if looks_like_code(normalise_code(cells.get("indicator_code"))):
        return False
    labels = [cells.get(k) for k in ("row_label", "indicator_code", "indicator_name", "breakdown", "breakdown_name")]
    return any(isinstance(c, str) and _TOTALS.match(_key(c)) for c in labels)


def metadata(rows: list[list]) -> dict:
    """Metadata fields from label/value pairs: a label cell and the next cell holding something, or
    'Label: value' in one cell. The first value found for a field wins."""
    found: dict = {}
    for row in rows:
        for i, cell in enumerate(row):
            if not isinstance(cell, str) or not cell.strip():
                continue
            label, sep, rest = cell.partition(":")
            role = metadata_role(label if sep else cell)
            if role is None or role in found:
                continue
            value = (
                rest.strip()
                if sep and rest.strip()
                else next((c for c in row[i + 1 :] if c is not None and str(c).strip()), None)
            )
            if value is not None:
                found[role] = value
    return found


def normalise_province_code(cell) -> str | None:
    """'24', 24.0, '24.0', ' 024 ' -> '24'; blank -> None."""
    if cell is None or not str(cell).strip():
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    # '4.0' is a number cell saved as text (a CSV export): code 04, not 40
    digits = re.sub(r"\D", "", re.sub(r"^\s*(\d+)[.,]0+\s*$", r"\1", str(cell)))
    return digits.lstrip("0").zfill(2) if digits else None
