"""Match keys for organisation and person names (the first, exact-key resolution of entities)."""

from __future__ import annotations

import re

from sources.vietnamese import fold

# Abbreviations Vietnamese registries use in organisation names, folded, longest first.
_ORG_ABBREVIATIONS = [
    ("dhqg", "dai hoc quoc gia"),
    ("vien hl", "vien han lam"),
    ("kh cn", "khoa hoc va cong nghe"),
    ("khcn", "khoa hoc va cong nghe"),
    ("ctcp", "cong ty co phan"),
    ("cty", "cong ty"),
    ("dh", "dai hoc"),
    ("nc", "nghien cuu"),
    ("tt", "trung tam"),
    ("kh", "khoa hoc"),
    ("cn", "cong nghe"),
    ("tp hcm", "thanh pho ho chi minh"),
    ("tphcm", "thanh pho ho chi minh"),
    ("hn", "ha noi"),
    ("vn", "viet nam"),
]
_ABBREVIATION = re.compile(r"\b(" + "|".join(re.escape(a) for a, _ in _ORG_ABBREVIATIONS) + r")\b")
_EXPANSION = dict(_ORG_ABBREVIATIONS)


def org_key(name: str | None) -> str | None:
    """Folded organisation name with common abbreviations written out."""
    folded = fold(name)
    if not folded:
        return None
    expanded = _ABBREVIATION.sub(lambda m: _EXPANSION[m.group(1)], folded)
    # "Trường Đại học X" is registered as "ĐH X" as often as in full: one key for both.
    expanded = re.sub(r"\btruong dai hoc\b", "dai hoc", expanded.replace(" va ", " "))
    return re.sub(r"\s+", " ", expanded).strip()


def person_key(name: str | None) -> str | None:
    """Folded name with its words sorted, so "Nguyễn Văn An" and "An Nguyen Van" agree."""
    folded = fold(name)
    return " ".join(sorted(folded.split())) if folded else None
