"""Blocking, as every matcher does it: records grouped under block keys, pairs decided inside each
block, entities from the decided pairs.

Each matcher supplies `block_keys(record) -> [key]` and `block_edges({key: members}) -> edges`, where
an edge is (block key, record a, record b, details) and a block's edges depend on nothing but its
members and their order (the builders list them by source_system, source_id). That contract is what lets `warehouse.matching.incremental` redo only the blocks a changed
record is in and keep every other block's edges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from warehouse.matching.clusters import cluster_ids, clusters

Ident = tuple[str, str]
Edge = tuple[str, Ident, Ident, tuple]
BlockKeys = Callable[[dict], list[str]]
BlockEdges = Callable[[dict[str, list[dict]]], Iterable[Edge]]


def ident(record: dict) -> Ident:
    return record["source_system"], record["source_id"]


def block_key(kind: str, *parts) -> str:
    """One text key per block (the state tables keep it): `kind`, then the parts' repr, which tells
    None from "None" and 1 from "1"."""
    return f"{kind}:{parts!r}"


def block_kind(key: str) -> str:
    return key.split(":", 1)[0]


def group_blocks(records: Iterable[dict], block_keys: BlockKeys) -> dict[str, list[dict]]:
    """Every block, its members in the order given."""
    blocks = defaultdict(list)
    for record in records:
        for key in block_keys(record):
            blocks[key].append(record)
    return blocks


def shared(blocks: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The blocks with something to compare: two members or more."""
    return {key: members for key, members in blocks.items() if len(members) > 1}


def match_in_blocks(
    records: list[dict], block_keys: BlockKeys, block_edges: BlockEdges, prefix: str
) -> dict[Ident, str]:
    """{(source_system, source_id): entity id} for every record, a record alone being an entity of its own."""
    edges = block_edges(shared(group_blocks(records, block_keys)))
    return cluster_ids(clusters(map(ident, records), ((a, b) for _, a, b, _ in edges)), prefix)
