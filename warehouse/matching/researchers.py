"""Researchers: the same person across sources is one researcher_id.

Records are one person when their names agree in any word order and with or without diacritics
(`warehouse.names.person_key`), with the same birth year, sex and resolved organisation; or when
they carry the same ORCID iD and birth year. Two records with different ORCID iDs are never joined by name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from warehouse.matching.blocking import Edge, block_key, block_kind, ident, match_in_blocks
from warehouse.names import person_key

# What incremental builds compare with the last build's: a change here makes the next build a full one.
VERSION = "researchers 1"


def block_keys(record: dict) -> list[str]:
    """(name key, birth year, sex, organisation) and (ORCID iD, birth year); `resolved_org_id` is the
    record's organisation after organisation matching."""
    keys = []
    name = person_key(record.get("full_name"))
    if name:
        keys.append(
            block_key("profile", name, record.get("birth_year"), record.get("sex"), record.get("resolved_org_id"))
        )
    if record.get("orcid"):
        # An ORCID iD typed into the wrong person's record happens: the birth year must agree too.
        keys.append(block_key("orcid", record["orcid"], record.get("birth_year")))
    return keys


def block_edges(blocks: dict[str, list[dict]]) -> Iterator[Edge]:
    """Who joins whom in each block. Inside a profile block this depends on the whole block (which
    ORCID iDs it holds), not only on the pair: incremental builds redo whole blocks, so that is fine."""
    for key, members in blocks.items():
        if block_kind(key) == "orcid":
            yield from ((key, ident(members[0]), ident(other), ()) for other in members[1:])
            continue
        # Namesakes with different ORCID iDs are different people; the others join the first.
        by_id = defaultdict(list)
        for record in members:
            by_id[record.get("orcid") or None].append(ident(record))
        anchors = {orcid: people[0] for orcid, people in by_id.items() if orcid}
        default = next(iter(anchors.values())) if len(anchors) == 1 else None
        for orcid, people in by_id.items():
            target = anchors.get(orcid, default) or people[0]
            yield from ((key, target, person, ()) for person in people if person != target)


def match_researchers(records: list[dict], org_ids: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """{(source_system, source_id): researcher_id}; records carry `full_name`, `birth_year`, `sex`,
    `org_source_id` (resolved through `org_ids`, the organisation matches) and `orcid`."""
    resolved = [{**r, "resolved_org_id": org_ids.get((r["source_system"], r.get("org_source_id")))} for r in records]
    return match_in_blocks(resolved, block_keys, block_edges, "NCV")
