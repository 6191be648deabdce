"""Clusters from matched pairs (union-find) and stable ids for them."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Hashable, Iterable


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def add(self, item: Hashable) -> None:
        self.parent.setdefault(item, item)

    def find(self, item: Hashable) -> Hashable:
        self.add(item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[Hashable]]:
        found: dict[Hashable, list] = defaultdict(list)
        for item in self.parent:
            found[self.find(item)].append(item)
        return [sorted(members) for members in found.values()]


def clusters(items: Iterable[Hashable], pairs: Iterable[tuple[Hashable, Hashable]]) -> list[list[Hashable]]:
    """The groups `pairs` join `items` into (an item alone is a group of its own); items only
    named by a pair are included."""
    found = UnionFind()
    for item in items:
        found.add(item)
    for a, b in pairs:
        found.union(a, b)
    return found.groups()


def cluster_ids(groups: Iterable[list[tuple[str, str]]], prefix: str) -> dict[tuple[str, str], str]:
    """`prefix-<12 hex>` per cluster, from its smallest (source_system, source_id): stable across runs
    as long as that record stays in the cluster."""
    ids = {}
    for members in groups:
        anchor = min(members)
        cluster = f"{prefix}-{hashlib.md5('/'.join(anchor).encode()).hexdigest()[:12]}"
        for member in members:
            ids[member] = cluster
    return ids
