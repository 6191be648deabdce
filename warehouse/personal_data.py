"""Personal data typed into free text (names, titles, addresses, notes): found and masked before publishing.

Sources put e-mail addresses, phone numbers and citizen ID numbers where they do not belong ("Nguyễn Văn A
- 0912 345 678", "ThS. Lê Hoa (hoa@vnu.edu.vn)"). The working warehouse keeps the text as received; every
published copy gets it masked: `[email]`, `[phone]`, `[national id]`.

What counts, and what must not:
- e-mail: `name@domain.tld`;
- phone: Vietnamese numbers after `+84`, `0` (or a bare `84` right after a label such as "ĐT:"): mobiles
  0[35789] and 9 more digits, landlines 02 and 10 more digits (area code and subscriber), grouped with
  spaces, dots, dashes or a parenthesised area code;
- national id: a 12-digit CCCD (it starts with the 0 of its province code, 001-096), grouped or not; a
  9-digit CMND, or any 9 or 12 digits, only where a label says it is one ("CMND", "CCCD", "số định danh").
- never: identifiers ("NCV-010095683923"), numbers glued to a longer number or a decimal ("1.050.000.000 đồng", "0.912345678"), numbers
  inside a DOI, URL or ORCID iD, a tax code after "MST", task codes, years and indicator codes.
"""

from __future__ import annotations

import re
from collections import Counter

MASKS = {"email": "[email]", "phone": "[phone]", "national_id": "[national id]"}

# A match stands alone: not inside a word, not the tail of a longer number or decimal, not a URL's path,
# not the digits of an identifier ("NCV-010095683923", "PUB_0912345678").
_START = r"(?<![\w+/@])(?<!\d[.,])(?<!\w[\-_])"
_END = r"(?![\w@])(?![.,\-/]\d)"
_GAP = r"(?:[ .\-]|\)\s?)?"  # between digits: "0912 345 678", "0912.345.678", "(024) 3826 1234"


def _digits(count: int) -> str:
    return rf"(?:{_GAP}\d){{{count}}}"


_SUBSCRIBER = rf"(?:[35789]{_digits(8)}|2{_digits(9)})"  # mobile 0[35789]xxxxxxxx, landline 02xxxxxxxxx
_PHONE_LABEL = r"(?:s?đt|s?dt|điện thoại|dien thoai|di động|di dong|tel|phone|mobile|hotline|zalo|fax)"
_ID_LABEL = (
    r"(?:cmnd|cmtnd|cccd|căn cước(?: công dân)?|can cuoc(?: cong dan)?|chứng minh(?: nhân dân)?|"
    r"chung minh(?: nhan dan)?|số định danh(?: cá nhân)?|so dinh danh(?: ca nhan)?)"
)

EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?![\w\-])")
# The trunk 0 is never followed by a separator: "0.912345678" is a decimal, not a phone.
PHONE = re.compile(_START + rf"(?:\(?\+84\)?[ .\-]?\(?|\(?0){_SUBSCRIBER}" + _END)
# A bare 84 is as often a budget ("84.500.000.000"): a phone only right after a phone label.
LABELLED_PHONE = re.compile(rf"(\b{_PHONE_LABEL}\b[\s:.\-]{{0,3}})84[ .\-]?{_SUBSCRIBER}" + _END, re.IGNORECASE)
CCCD = re.compile(_START + r"0\d{2}(?:[ .]?\d{3}){3}" + _END)
LABELLED_ID = re.compile(
    rf"(\b{_ID_LABEL}\b[^\d\n]{{0,20}})(?:\d{{9}}|\d{{3}}(?:[ .]?\d{{3}}){{2,3}})" + _END, re.IGNORECASE
)

# Spans whose digits are never personal data.
PROTECTED = re.compile(r"https?://\S+|www\.\S+|\b10\.\d{4,9}/\S+|\b\d{4}-\d{4}-\d{4}-\d{3}[\dX]\b", re.IGNORECASE)
TAX_CODE_LABEL = re.compile(
    r"\b(?:mst|mã số thuế|ma so thue|mã số doanh nghiệp|ma so doanh nghiep)\b[\s:.\-]*$", re.IGNORECASE
)

# A cheap first test (DuckDB's RE2, no look-around): text that may hold any of the above.
CANDIDATE_RE2 = r"@|\d[\d .()\-]{7,}\d"


def _substitute(pattern: re.Pattern, kind: str, text: str, found: Counter, keep_label: bool = False) -> str:
    protected = [m.span() for m in PROTECTED.finditer(text)] if kind != "email" else []

    def replace(match: re.Match) -> str:
        start = match.end(1) if keep_label else match.start()
        if any(a <= start < b for a, b in protected):
            return match.group(0)
        if kind == "phone" and TAX_CODE_LABEL.search(text[max(0, start - 30) : start]):
            return match.group(0)
        found[kind] += 1
        return (match.group(1) if keep_label else "") + MASKS[kind]

    return pattern.sub(replace, text)


def find_and_mask(text: str) -> tuple[str, Counter]:
    """The text with every e-mail, phone and national id masked, and how many of each kind it held."""
    found: Counter = Counter()
    # e-mail first: "0912345678@gmail.com" is one address, not a phone
    text = _substitute(EMAIL, "email", text, found)
    text = _substitute(LABELLED_ID, "national_id", text, found, keep_label=True)
    text = _substitute(CCCD, "national_id", text, found)
    text = _substitute(LABELLED_PHONE, "phone", text, found, keep_label=True)
    text = _substitute(PHONE, "phone", text, found)
    return text, found


def mask(text: str | None) -> str | None:
    return None if text is None else find_and_mask(text)[0]
