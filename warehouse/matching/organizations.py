"""Organisations: the same organisation under several names across sources is one org_id.

Two records are one organisation when their names agree after normal form and abbreviation
expansion (`warehouse.names.org_key`: diacritics, case, NFD, tone placement, "ĐHQG HN",
"Viện HL KH&CN VN" ...), when they carry the same ROR id, or when, with the same type and year of
establishment, their names differ by no more than a typo.
"""

from __future__ import annotations

from collections import defaultdict

from rapidfuzz import fuzz

from warehouse.matching.clusters import UnionFind, cluster_ids
from warehouse.names import org_key

# Names of one organisation that differ only by a typo or a dropped word score above this;
# "Miền Bắc"/"Miền Nam" siblings of the same type and year stay below it.
TYPO_SIMILARITY = 96


def _numbers(key: str) -> list[str]:
    return [word for word in key.split() if word.isdigit()]


def match_organizations(records: list[dict]) -> dict[tuple[str, str], str]:
    """{(source_system, source_id): org_id} for records with `name` and optionally `ror`, `org_type`,
    `established_year`."""
    found = UnionFind()
    by_key, by_ror, by_profile = defaultdict(list), defaultdict(list), defaultdict(set)
    for r in records:
        ident = (r["source_system"], r["source_id"])
        found.add(ident)
        key = org_key(r.get("name"))
        if key:
            by_key[key].append(ident)
            by_profile[(r.get("org_type"), r.get("established_year"))].add(key)
        if r.get("ror"):
            by_ror[r["ror"]].append(ident)
    for group in (*by_key.values(), *by_ror.values()):
        for other in group[1:]:
            found.union(group[0], other)
    for keys in by_profile.values():
        keys = sorted(keys)
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                if _numbers(a) == _numbers(b) and fuzz.ratio(a, b) >= TYPO_SIMILARITY:
                    found.union(by_key[a][0], by_key[b][0])
    return cluster_ids(found.groups(), "ORG")
