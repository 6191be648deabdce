"""Mutants of the core and mart SQL models for bench/mutation.py (cosmic-ray reads only Python).

Each mutant is one small, realistic bug, made on the sqlglot tree of the model: a comparison turned
(= <> , < <=, > >=), AND for OR and back, SUM for COUNT, MIN for MAX, a LEFT JOIN made inner, one
condition of a WHERE, ON or HAVING dropped. The file keeps its leading comment lines (description,
`-- incremental:`); the body is sqlglot's rendering, so the bench first checks that the rendering of
the unmutated tree passes the tests (otherwise no mutant of that model would mean anything).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

SWAPS: dict[type, type] = {
    exp.EQ: exp.NEQ,
    exp.NEQ: exp.EQ,
    exp.LT: exp.LTE,
    exp.LTE: exp.LT,
    exp.GT: exp.GTE,
    exp.GTE: exp.GT,
    exp.And: exp.Or,
    exp.Or: exp.And,
}
AGGREGATES: dict[type, type] = {exp.Sum: exp.Count, exp.Count: exp.Sum, exp.Min: exp.Max, exp.Max: exp.Min}


@dataclass(frozen=True)
class SqlMutant:
    path: Path
    description: str
    text: str  # the whole mutated file


def split_header(text: str) -> tuple[str, str]:
    """(leading comment lines, the statement)."""
    lines = text.splitlines(keepends=True)
    count = next((i for i, line in enumerate(lines) if not line.lstrip().startswith("--")), len(lines))
    return "".join(lines[:count]), "".join(lines[count:])


def render(header: str, tree: exp.Expression) -> str:
    return header + tree.sql(dialect="duckdb", pretty=True) + "\n"


def _swap(node: exp.Expression) -> exp.Expression | None:
    if type(node) in SWAPS:
        return SWAPS[type(node)](this=node.this.copy(), expression=node.expression.copy())
    if type(node) in AGGREGATES and not (isinstance(node, exp.Count) and isinstance(node.this, exp.Star)):
        return AGGREGATES[type(node)](this=node.this.copy())
    return None


def _conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    return list(condition.flatten()) if isinstance(condition, exp.And) else [condition]


def _site_mutations(node: exp.Expression) -> Iterator[tuple[str, Callable[[exp.Expression], None]]]:
    """(what the bug is, how to make it on the copy of `node`) for each mutation at this node."""
    swapped = _swap(node)
    if swapped is not None:
        yield (
            f"{node.sql(dialect='duckdb')[:80]} -> {swapped.sql(dialect='duckdb')[:80]}",
            lambda n, s=swapped: n.replace(s.copy()),
        )
    if isinstance(node, exp.Join) and node.side == "LEFT":
        yield f"LEFT JOIN {node.this.sql(dialect='duckdb')[:60]} made inner", lambda n: n.set("side", None)
    if isinstance(node, (exp.Where, exp.Having)) or (isinstance(node, exp.Join) and node.args.get("on")):
        condition = node.this if not isinstance(node, exp.Join) else node.args["on"]
        parts = _conjuncts(condition)
        for i, part in enumerate(parts):

            def drop(n, i=i):
                kept = [
                    p.copy()
                    for j, p in enumerate(_conjuncts(n.this if not isinstance(n, exp.Join) else n.args["on"]))
                    if j != i
                ]
                if not kept:
                    n.pop()
                    return
                n.set("on" if isinstance(n, exp.Join) else "this", exp.and_(*kept) if len(kept) > 1 else kept[0])

            if len(parts) > 1 or not isinstance(node, exp.Join):
                yield f"{node.key.upper()} condition dropped: {part.sql(dialect='duckdb')[:80]}", drop


def mutants(path: Path) -> Iterator[SqlMutant]:
    """Every mutant of one model file, one change each, in the order of the tree."""
    header, body = split_header(path.read_text(encoding="utf-8"))
    tree = sqlglot.parse_one(body, dialect="duckdb")
    for index, node in enumerate(tree.walk()):
        for description, mutate in _site_mutations(node):
            copy = tree.copy()
            target = next(n for i, n in enumerate(copy.walk()) if i == index)
            mutate(target)
            yield SqlMutant(path, description, render(header, copy))


def unmutated(path: Path) -> str:
    """The file as the mutants render it, without a mutation."""
    header, body = split_header(path.read_text(encoding="utf-8"))
    return render(header, sqlglot.parse_one(body, dialect="duckdb"))
