"""The one build order of the warehouse: SQL models and matchers alike, each after the tables it reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar


class Buildable(Protocol):
    table: str  # <layer>.<name>
    dependencies: list[str]  # the tables it reads, from its SQL


Node = TypeVar("Node", bound=Buildable)


def in_dependency_order(nodes: Sequence[Node]) -> list[Node]:
    """`nodes` sorted so that each comes after the nodes it reads, otherwise in the order given; a cycle
    is an error naming the tables in it."""
    by_table = {n.table: n for n in nodes}
    ordered: list[Node] = []
    done: set[str] = set()

    def visit(node: Node, path: tuple[str, ...]) -> None:
        if node.table in done:
            return
        if node.table in path:
            cycle = " -> ".join((*path[path.index(node.table) :], node.table))
            raise ValueError(f"the warehouse's tables read each other in a cycle: {cycle}")
        for dependency in node.dependencies:
            if dependency in by_table:
                visit(by_table[dependency], (*path, node.table))
        done.add(node.table)
        ordered.append(node)

    for node in nodes:
        visit(node, ())
    return ordered


def in_rounds(nodes: Sequence[Node]) -> list[list[Node]]:
    """The nodes in rounds, in dependency order: each round reads only tables of earlier rounds (and raw tables)."""
    round_of: dict[str, int] = {}
    ordered = in_dependency_order(nodes)
    for node in ordered:
        round_of[node.table] = 1 + max((round_of[d] for d in node.dependencies if d in round_of), default=-1)
    return [[n for n in ordered if round_of[n.table] == r] for r in range(max(round_of.values(), default=-1) + 1)]
