"""Places a task title names, and whether two titles name different ones: the same template topic
for another province, district, river or region is another work.

Provinces come from the reference list (former and current names; after the merger of 1 July 2025 a
former province and the unit it joined are one place); other places are the capitalised words after
a place word ("huyện Thạnh Trị", "sông Ba", "vịnh Hạ Long", "ở Mai Châu").
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from sources.reference import load_provinces
from sources.vietnamese import fold as _fold
from sources.vietnamese import normalize

# Titles are compared with many others: each is folded once.
fold = lru_cache(maxsize=1 << 17)(_fold)

# A named place in the title as written: a place word, then capitalised words.
_PLACE_WORDS = r"(?:huyện|thị xã|thị trấn|quận|xã|phường|vịnh|sông|đảo|hồ|thành phố|tỉnh|TP\.?|vùng|tại|ở|miền)"
_CAPITAL = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ"
_NAMED = re.compile(_PLACE_WORDS + rf"\s+([{_CAPITAL}][\w'-]*(?: [{_CAPITAL}][\w'-]*){{0,3}})")
_PLACE_PREFIX = re.compile(r"^(?:tinh|thanh pho|huyen|tp|thi xa|quan)\s+")
REGIONS = [
    "tay bac",
    "tay nguyen",
    "dong bang song hong",
    "dong bang song cuu long",
    "bac trung bo",
    "nam trung bo",
    "duyen hai mien trung",
    "dong nam bo",
    "tay nam bo",
    "nam bo",
    "bac bo",
    "mien trung",
    "mien bac",
    "mien nam",
    "trung du mien nui phia bac",
    "ven bien",
]


@lru_cache(maxsize=1)
def _provinces() -> tuple[dict[str, str], tuple[str, ...]]:
    """{folded province name: folded name of its current unit} and every name, longest first."""
    rows = load_provinces()
    short = lambda r: fold(r["name"]).replace("thanh pho ", "").replace("tinh ", "")  # noqa: E731
    current = {r["province_code"]: short(r) for r in rows if r["valid_to"] is None}
    successor = {short(r): current[r["successor_code"]] for r in rows if r["valid_to"]} | {"thua thien hue": "hue"}
    names = sorted(set(successor) | set(current.values()), key=len, reverse=True)
    return successor, tuple(names)


@lru_cache(maxsize=1 << 16)
def places(title: str) -> frozenset[str]:
    """Provinces, regions and named places the title mentions, folded."""
    folded = f" {fold(title) or ''} "
    successor, names = _provinces()
    found = {name for name in (*names, *REGIONS) if f" {name} " in folded}
    text = normalize(title) or ""
    if not text.isupper():
        for match in _NAMED.finditer(text):
            name = _PLACE_PREFIX.sub("", fold(match.group(1)))
            if name:
                found.add(name)
    # A named place that is a part of a longer found name ("tri" in "thanh tri") adds nothing.
    return frozenset(p for p in found if not any(p != q and f" {p} " in f" {q} " for q in found))


def _absent(place: str, folded_title: str) -> bool:
    """Not in the title, even with a typo ("Đồng bằg sông Hồng")."""
    return fuzz.partial_ratio(place, folded_title) < 90


def places_only_in(a: str, b: str) -> set[str]:
    """The places `a` names that `b` does not, even with a typo."""
    fb = fold(b) or ""
    return {p for p in places(a) if _absent(p, fb)}


def places_differ(a: str, b: str, after_merger: bool) -> bool:
    """Each title names a place the other does not (a title naming one more place, or leaving it out, is
    the same work); after the merger a former province and the unit it joined are one place."""
    only_a, only_b = places_only_in(a, b), places_only_in(b, a)
    if after_merger:
        successor, _ = _provinces()
        only_a, only_b = (
            {p for p in side if successor.get(p, p) not in {successor.get(q, q) for q in other}}
            for side, other in ((only_a, only_b), (only_b, only_a))
        )
    return bool(only_a and only_b)
