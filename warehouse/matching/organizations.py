"""Organisations: the same organisation under several names across sources is one org_id.

Two records are one organisation when their names agree after normal form and abbreviation
expansion (`warehouse.names.org_key`: diacritics, case, NFD, tone placement, "ĐHQG HN",
"Viện HL KH&CN VN" ...), when they carry the same ROR id, or when, with the same type and year of
establishment, their names differ by no more than a typo.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from rapidfuzz import fuzz

from warehouse.matching.blocking import Edge, block_key, block_kind, ident, match_in_blocks
from warehouse.names import org_key

# Names of one organisation that differ only by a typo or a dropped word score above this;
# "Miền Bắc"/"Miền Nam" siblings of the same type and year stay below it.
TYPO_SIMILARITY = 96
# What incremental builds compare with the last build's: a change here makes the next build a full one.
VERSION = f"organizations 1, typo {TYPO_SIMILARITY}"


# A name is keyed once for its own block and again for its (type, year) block.
_name_key = lru_cache(maxsize=1 << 16)(org_key)


def _numbers(key: str) -> list[str]:
    return [word for word in key.split() if word.isdigit()]


def block_keys(record: dict) -> list[str]:
    """The normal-form name, the ROR id, and (type, year of establishment) for the typo comparison."""
    keys = []
    name = _name_key(record.get("name"))
    if name:
        keys += [block_key("name", name), block_key("profile", record.get("org_type"), record.get("established_year"))]
    if record.get("ror"):
        keys.append(block_key("ror", record["ror"]))
    return keys


def block_edges(blocks: dict[str, list[dict]]) -> Iterator[Edge]:
    for key, members in blocks.items():
        if block_kind(key) != "profile":  # one name or one ROR id: one organisation
            yield from ((key, ident(members[0]), ident(other), ()) for other in members[1:])
            continue
        # Names of one type and year that differ by a typo; records of one name are joined by its own block.
        first_with = {}
        for record in members:
            first_with.setdefault(_name_key(record.get("name")), record)
        names = sorted(first_with)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if _numbers(a) == _numbers(b) and fuzz.ratio(a, b) >= TYPO_SIMILARITY:
                    yield key, ident(first_with[a]), ident(first_with[b]), ()


def match_organizations(records: list[dict]) -> dict[tuple[str, str], str]:
    """{(source_system, source_id): org_id} for records with `name` and optionally `ror`, `org_type`,
    `established_year`."""
    return match_in_blocks(records, block_keys, block_edges, "ORG")
