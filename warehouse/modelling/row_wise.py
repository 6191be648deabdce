"""The proof that a model declaring an incremental key can be computed row by row over its raw table,
and its SELECT restricted to some raw loads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from warehouse.modelling.lineage import table_names

if TYPE_CHECKING:
    from warehouse.modelling.model import Model

# Where the incremental key columns of a staging model go in quality.quarantine.
QUARANTINE_KEY = {"source_system": "source_system", "source_id": "source_key"}
# Nodes that make a SELECT's rows depend on other rows, or keep only some rows.
_NOT_ROW_WISE = {
    exp.AggFunc: "aggregates",
    exp.Window: "window functions",
    exp.Distinct: "DISTINCT",
    exp.Group: "GROUP BY",
    exp.Having: "HAVING",
    exp.Qualify: "QUALIFY",
    exp.Limit: "LIMIT",
    exp.Offset: "OFFSET",
    exp.SetOperation: "UNION/INTERSECT/EXCEPT",
    exp.Where: "WHERE",
    exp.Unnest: "UNNEST",
}


def row_wise_problems(model: Model) -> list[str]:
    """Why the declared incremental key cannot be trusted: each output row must come from exactly one
    row of the driving table, computed from that row alone (small tables may be joined to it)."""
    key, driving = model.incremental_key, model.driving_table
    if not key:
        return []
    if not driving:
        raw = [d for d in model.dependencies if d.startswith("raw_")]
        return [f"reads {len(raw)} raw tables; an incremental model reads exactly one"]
    problems = []
    if [c for c in key if c not in QUARANTINE_KEY or c not in model.output_columns] or "source_id" not in key:
        problems.append(
            f"key {', '.join(key)} must be output columns among {', '.join(QUARANTINE_KEY)}, including source_id"
        )
    driven = _names_reading(model.tree, driving)
    for name in sorted(driven):  # a second read of the raw table, or of a CTE over it, joins rows to other rows
        reads = [t for t in model.tree.find_all(exp.Table) if (f"{t.db}.{t.name}" if t.db else t.name) == name]
        if len(reads) > 1:
            problems.append(f"reads {name} {len(reads)} times; an incremental model reads its raw rows once")

    def over_driving_table(node: exp.Expression) -> bool:
        scope = node if isinstance(node, exp.SetOperation) else node.find_ancestor(exp.Select)
        return scope is not None and bool(table_names(scope) & driven)

    for node_type, what in _NOT_ROW_WISE.items():
        problems += [
            f"uses {what} over {driving}" for node in model.tree.find_all(node_type) if over_driving_table(node)
        ]
    problems += [
        f"{join.side or 'inner'} join to {join.this.sql()}: only a LEFT JOIN keeps every raw row"
        for join in model.tree.find_all(exp.Join)
        if join.side.upper() != "LEFT" and over_driving_table(join)
    ]
    lineage = model.column_lineage()
    for column in key:
        sources = {table for table, _ in lineage.get(column, [])}
        if sources - {driving}:
            problems.append(f"key column {column} comes from {', '.join(sorted(sources))}, not only {driving}")
    return sorted(set(problems))


def _names_reading(tree: exp.Expression, driving_table: str) -> set[str]:
    """The driving table and the CTEs that read it, directly or through other CTEs."""
    driven = {driving_table}
    ctes = list(tree.find_all(exp.CTE))
    changed = True
    while changed:
        changed = False
        for cte in ctes:
            if cte.alias_or_name not in driven and table_names(cte.this) & driven:
                driven.add(cte.alias_or_name)
                changed = True
    return driven


def sql_for_loads(model: Model, load_ids: list[str]) -> str:
    """The model's SELECT over only the rows of the driving table that these dlt loads wrote."""
    tree = model.tree.copy()
    table = next(t for t in tree.find_all(exp.Table) if f"{t.db}.{t.name}" == model.driving_table)
    rows = (
        exp.select("*")
        .from_(exp.table_(table.name, db=table.db))
        .where(exp.column("_dlt_load_id").isin(*(exp.Literal.string(i) for i in load_ids)))
    )
    table.replace(rows.subquery(table.alias_or_name))
    return tree.sql(dialect="duckdb")
