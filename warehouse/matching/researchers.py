"""Researchers: the same person across sources is one researcher_id.

Records are one person when their names agree in any word order and with or without diacritics
(`warehouse.names.person_key`), with the same birth year, sex and resolved organisation; or when
they carry the same ORCID iD and birth year. Two records with different ORCID iDs are never joined by name.
"""

from __future__ import annotations

from collections import defaultdict

from warehouse.matching.clusters import UnionFind, cluster_ids
from warehouse.names import person_key


def match_researchers(records: list[dict], org_ids: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """{(source_system, source_id): researcher_id}; records carry `full_name`, `birth_year`, `sex`,
    `org_source_id` (resolved through `org_ids`, the organisation matches) and `orcid`."""
    found = UnionFind()
    by_profile, by_orcid = defaultdict(list), defaultdict(list)
    orcid_of = {}
    for r in records:
        ident = (r["source_system"], r["source_id"])
        found.add(ident)
        org = org_ids.get((r["source_system"], r.get("org_source_id")))
        key = person_key(r.get("full_name"))
        if key:
            by_profile[(key, r.get("birth_year"), r.get("sex"), org)].append(ident)
        if r.get("orcid"):
            # An ORCID iD typed into the wrong person's record happens: the birth year must agree too.
            by_orcid[(r["orcid"], r.get("birth_year"))].append(ident)
            orcid_of[ident] = r["orcid"]
    for group in by_orcid.values():
        for other in group[1:]:
            found.union(group[0], other)
    for group in by_profile.values():
        # Namesakes with different ORCID iDs are different people; the others join the first.
        by_id = defaultdict(list)
        for ident in group:
            by_id[orcid_of.get(ident)].append(ident)
        anchors = {orcid: members[0] for orcid, members in by_id.items() if orcid}
        default = next(iter(anchors.values())) if len(anchors) == 1 else None
        for orcid, members in by_id.items():
            target = anchors.get(orcid, default) or members[0]
            for ident in members:
                found.union(target, ident)
    return cluster_ids(found.groups(), "NCV")
