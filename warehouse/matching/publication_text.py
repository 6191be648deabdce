"""Publication records as the matcher reads them: folded text without what scraping leaves in it,
author lists, years found anywhere, title numbers, and venues by family ("proc . of vldb" is VLDB)
and kind (journal or conference)."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from sources.vietnamese import fold

# Venue names two catalogues give the same venue; other venues agree when their folded names do, one
# is the initials of the other ("vldb"), or every word of one starts a word of the other.
VENUE_EQUIVALENTS = frozenset(
    [
        ("acm sigmod record", "sigmod record"),
        ("acm trans database syst", "acm transactions on database systems tods"),
        ("international conference on management of data", "sigmod conference"),
        ("the vldb journal the international journal on very large data bases", "vldb j"),
        ("very large data bases", "vldb"),
    ]
)
# Venue families, the most specific first: (family, its kind, patterns over the folded venue). A
# venue no pattern knows gets its kind from its words, and no family.
VENUE_FAMILIES = (
    ("sigmod record", "journal", r"\bsigmod rec"),
    ("vldb journal", "journal", r"\bvldb j\b|\bvldb journal|\bjournal on very large"),
    ("tods", "journal", r"\btods\b|transactions on database systems|\btrans database syst"),
    ("sigmod", "conference", r"\bsigmod\b|management of data"),
    ("vldb", "conference", r"\bvldb\b|\bvery large data|\bconference on very\b"),
    ("icde", "conference", r"\bicde\b|conference on data engineering"),
)
_FAMILY_PATTERNS = tuple((family, kind, re.compile(pattern)) for family, kind, pattern in VENUE_FAMILIES)
_JOURNAL_WORDS = re.compile(
    r"\b(?:journal|j|trans|transactions|record|magazine|letters|review|surveys|bulletin|tap chi)\b"
)
_CONFERENCE_WORDS = re.compile(r"\b(?:conference|conf|proceedings|proc|symposium|workshop|hoi nghi|hoi thao|ky yeu)\b")
_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"}
_NO_AUTHORS = {"", "?"}
# A one-letter Roman numeral is an author's initial unless a word like "part" comes before it.
_PART = {"part", "vol", "volume", "phan", "tap", "chapter"}
YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_FLOAT_YEAR = re.compile(r"\b(\d{4})\.0\b")
# What scraping leaves in a record: "&hellip;" spelt out, and UTF-8 punctuation read as Latin-1
# ("â€¦", "â ?? "), which would glue an "a" to the word before it.
_SCRAPE_DEBRIS = re.compile(r"&\s*hellip\s*;|â\s*(?:\?\s*\?|\?\s*¦|€\S?)")
# A letter from another script inside a Latin word is a mangled accent ("hernсndez"): dropped.
_MANGLED = re.compile(r"(?<=[a-z])[^\x00-\x7f]+|[^\x00-\x7f]+(?=[a-z])")
_INITIALS_STOP = {"of", "on", "the", "and", "for"}


def text(value) -> str:
    if type(value) is str:  # nearly always: checked first
        return _fold_text(value)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = " , ".join(str(v) for v in value)
    return _fold_text(str(value))


@lru_cache(maxsize=500_000)
def _fold_text(value: str) -> str:
    """Folded once per distinct text: names and venues repeat, and block keys fold the title too."""
    # "1997.0": a year some catalogues wrote as a float (each pattern only run where it may match)
    if ".0" in value:
        value = _FLOAT_YEAR.sub(r"\1", value)
    if "&" in value or "â" in value:
        value = _SCRAPE_DEBRIS.sub(" ", html.unescape(value))
    folded = fold(value) or ""
    return folded if folded.isascii() else _MANGLED.sub("", folded)


def authors(value) -> list[str]:
    if value is None:
        return []
    raw = str(value)
    # "Guha, Sudipto; Rastogi, Rajeev": with semicolons, a comma is inside one name
    names = value if isinstance(value, (list, tuple)) else re.split(";" if ";" in raw else ",", raw)
    return [n for n in (text(name) for name in names) if n not in _NO_AUTHORS]


def year_of(value) -> int | None:
    match = YEAR.search(str(value or ""))
    return int(match.group(1)) if match else None


def title_numbers(words: list[str]) -> frozenset[str]:
    """Numbers of a title that tell works apart ("part ii", "(12)"); years are left out, a dirty
    record carries its year in the title."""
    return frozenset(
        w
        for i, w in enumerate(words)
        if (w.isdigit() and not YEAR.fullmatch(w)) or (w in _ROMAN and (len(w) > 1 or i and words[i - 1] in _PART))
    )


def _initials(words: str) -> str:
    return "".join(w[0] for w in words.split() if w not in _INITIALS_STOP)


def venues_agree(a: str, b: str) -> bool:
    return folded_venues_agree(text(a), text(b))


def folded_venues_agree(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b or tuple(sorted((a, b))) in VENUE_EQUIVALENTS:
        return True
    short, long_ = sorted((a, b), key=len)
    if short.replace(" ", "") in (_initials(long_), long_.replace(" ", "")):
        return True
    words = long_.split()
    return all(any(w.startswith(s) for w in words) for s in short.split())


@lru_cache(maxsize=100_000)
def venue_family(venue: str) -> tuple[str | None, str | None]:
    """(family, kind) of a folded venue: ("vldb", "conference") for "proc . of vldb"; kind "journal"
    or "conference" from the words of a venue no family knows, None where nothing tells."""
    for family, kind, pattern in _FAMILY_PATTERNS:
        if pattern.search(venue):
            return family, kind
    journal, conference = bool(_JOURNAL_WORDS.search(venue)), bool(_CONFERENCE_WORDS.search(venue))
    return None, ("journal" if journal else "conference") if journal != conference else None
