"""What a SELECT reads, read with sqlglot: the tables it depends on and where each output column comes from."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.lineage import lineage

REJECT_COLUMNS = ("reject_reason", "raw_record")


def dependencies(tree: exp.Expression) -> list[str]:
    """Schema-qualified tables read by the SELECT (CTE names excluded), in first-seen order."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    found: list[str] = []
    for table in tree.find_all(exp.Table):
        if table.db and table.name not in ctes:
            name = f"{table.db}.{table.name}"
            if name not in found:
                found.append(name)
    return found


def table_names(node: exp.Expression) -> set[str]:
    """Tables (schema-qualified) and CTEs (bare names) read anywhere inside `node`."""
    return {f"{t.db}.{t.name}" if t.db else t.name for t in node.find_all(exp.Table)}


def output_columns(tree: exp.Expression) -> list[str]:
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    return [e.alias_or_name for e in select.expressions]


def column_lineage(sql: str, schemas: dict[str, dict[str, str]] | None = None) -> dict[str, list[tuple[str, str]]]:
    """For each output column, the (table, column) pairs of the dependencies it is computed from."""
    try:  # one pass over every output column (sqlglot shares the work between them)
        nodes = lineage(None, sql, schema=schemas, dialect="duckdb")
    except Exception:  # SQL sqlglot cannot trace (e.g. a table function) has no lineage, not a failed run
        return {}
    result: dict[str, list[tuple[str, str]]] = {}
    for column, node in nodes.items():
        if column in REJECT_COLUMNS:
            continue
        sources = set()
        for leaf in node.walk():
            if isinstance(leaf.expression, exp.Table) and leaf.expression.db:
                sources.add((f"{leaf.expression.db}.{leaf.expression.name}", leaf.name.split(".")[-1]))
        result[column] = sorted(sources)
    return result
