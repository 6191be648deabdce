"""Cell values as Vietnamese offices type them: numbers in either locale, dates in figures or in words,
submission numbers in words, units with a known factor, and text that a spreadsheet would run as a formula."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sources.vietnamese import fold

DECIMAL_COMMA, DECIMAL_POINT = ",", "."


class AmbiguousNumber(ValueError):
    """'1.234' or '1,234' in a file that says nowhere which of '.' and ',' is its decimal separator."""


_NUMERIC_TEXT = re.compile(r"^[+-]?\d[\d.,]*$")
_GROUPED = {sep: re.compile(rf"^\d{{1,3}}(\{sep}\d{{3}})+$") for sep in (",", ".")}


def _clean(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f']", "", text)


def separator_evidence(value) -> str | None:
    """The decimal separator a cell proves ('1.234,5' -> ','), or None when it proves nothing."""
    if not isinstance(value, str):
        return None
    text = _clean(value).lstrip("+-")
    if not _NUMERIC_TEXT.match(text):
        return None
    if "." in text and "," in text:
        return DECIMAL_COMMA if text.rfind(",") > text.rfind(".") else DECIMAL_POINT
    for sep, other in ((",", "."), (".", ",")):
        if sep in text:
            if text.count(sep) > 1:
                return other if _GROUPED[sep].match(text) else None  # '1.234.567': '.' groups thousands
            whole, fraction = text.split(sep)
            if len(fraction) != 3 or len(whole) > 3 or whole == "0":
                return sep  # '12,5', '1234.567' or '0,125': a decimal separator
    return None


def file_decimal_separator(values) -> str | None:
    """The one decimal separator the file's numeric text proves (the majority when cells disagree)."""
    votes = {DECIMAL_COMMA: 0, DECIMAL_POINT: 0}
    for value in values:
        evidence = separator_evidence(value)
        if evidence:
            votes[evidence] += 1
    if votes[DECIMAL_COMMA] == votes[DECIMAL_POINT]:
        return None
    return max(votes, key=votes.get)


def parse_number(value, decimal: str | None = None, whole: bool = False) -> float | None:
    """A number from a cell: numbers as they are; text by its own separators, else the file's `decimal`
    separator, else, for a quantity that is always whole (`whole`: people, organisations), read as
    thousands. Blank and '-' are None. Raises AmbiguousNumber or ValueError."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = _clean(str(value))
    if text in ("", "-", "–"):
        return None
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if not _NUMERIC_TEXT.match(body):
        raise ValueError(f"'{value}' is not a number")
    own = separator_evidence(body)
    if own is None and ("," in body or "." in body):
        sep = "," if "," in body else "."
        if body.count(sep) == 1 and not _GROUPED[sep].match(body):
            raise ValueError(f"'{value}' is not a number")
        if decimal is not None:
            own = decimal
        elif whole or body.count(sep) > 1:
            own = DECIMAL_COMMA if sep == "." else DECIMAL_POINT  # the separator groups thousands
        else:
            raise AmbiguousNumber(value)
    if own == DECIMAL_COMMA:
        body = body.replace(".", "").replace(",", ".")
    elif own == DECIMAL_POINT:
        body = body.replace(",", "")
    return sign * float(body)


_IN_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_DMY = re.compile(r"\b(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\b")
_YMD = re.compile(r"\b(\d{4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\b")


def parse_date(value) -> date | None:
    """A date as signed: a date cell, an Excel serial number, 12/02/2025 (day first), 2025-02-12, or in words:
    'Hà Nội, ngày 12 tháng 02 năm 2025'."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return date(1899, 12, 30) + timedelta(days=int(value)) if 30000 <= value <= 80000 else None
    text = fold(str(value or "")) or ""
    raw = str(value or "")
    for pattern, order in ((_IN_WORDS, (0, 1, 2)), (_YMD, (2, 1, 0)), (_DMY, (0, 1, 2))):
        found = pattern.search(text if pattern is _IN_WORDS else raw)
        if found:
            day, month, year = (int(found.group(i + 1)) for i in order)
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def find_date_in_words(text) -> date | None:
    """Only a date written 'ngày .. tháng .. năm ..' (the signature line), not any figure in a row."""
    found = _IN_WORDS.search(fold(str(text or "")) or "")
    return parse_date(text) if found else None


_ORDINALS = {"dau": 1, "nhat": 1, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5}


def parse_revision(value) -> int | None:
    """'1', 2.0, 'Lần 2 (bổ sung)', 'lần thứ hai', 'Lần đầu'; 'bổ sung' alone is a second submission."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    text = fold(str(value)) or ""
    digits = re.search(r"\d+", text)
    if digits:
        return int(digits.group())
    for word in text.split():
        if word in _ORDINALS:
            return _ORDINALS[word]
    return 2 if "bo sung" in text or "sua doi" in text else None


def parse_year(value) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    found = re.search(r"\b(19|20)\d{2}\b", str(value or ""))
    return int(found.group()) if found else None


# Units with a known factor to the template's unit (folded keys).
_MONEY = {
    "trieu dong": 1.0,
    "tr dong": 1.0,
    "trieu vnd": 1.0,
    "trieu d": 1.0,
    "trd": 1.0,
    "trieu": 1.0,
    "ty dong": 1000.0,
    "ti dong": 1000.0,
    "ty vnd": 1000.0,
    "ty": 1000.0,
    "ti": 1000.0,
    "ty d": 1000.0,
    "nghin dong": 0.001,
    "ngan dong": 0.001,
    "nghin vnd": 0.001,
    "dong": 1e-6,
    "vnd": 1e-6,
    "d": 1e-6,
}
UNIT_FACTORS = {"trieu dong": _MONEY}


def unit_factor(received, template_unit: str | None) -> float | None:
    """How many of the template's unit one received unit is; 1 for a blank unit; None when unknown."""
    if template_unit is None:
        return None
    key = fold(str(received or "")) or ""
    expected = fold(template_unit)
    if key in ("", expected):
        return 1.0
    return UNIT_FACTORS.get(expected, {}).get(key)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text):
    """Text a spreadsheet would run as a formula ('=HYPERLINK(...)', '@SUM', '+cmd') is stored with a leading
    apostrophe, so neither our tables nor an export opened in Excel executes it."""
    if isinstance(text, str) and text.startswith(_FORMULA_START):
        try:
            parse_number(text, decimal=DECIMAL_POINT)
            return text  # '-5', '+3,5': a number, not a formula
        except ValueError:
            return "'" + text
    return text
