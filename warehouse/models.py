"""SQL models: discovery, dependencies and column lineage read from the SQL with sqlglot, and running.

A model is one file `models/<layer>/<table>.sql` holding one SELECT; the table it builds is
`<layer>.<table>`. Its dependencies are the tables the SELECT reads, never a hand-kept list.

A staging model may add two columns, `reject_reason` and `raw_record`: rows with a reason go to
`quality.quarantine` (with the raw record as JSON) instead of the table, so every row received is
either kept or quarantined, and the counts reconcile.

A staging model that is row-wise over one raw table may declare, in its header, the output columns
that identify a raw row: `-- incremental: source_system, source_id`. `run_model(..., incremental=True)`
then computes only the rows of the raw loads it has not processed yet and replaces those keys' rows
(in the table and in the quarantine), keeping what it processed in `quality.model_builds`.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel
from sqlglot.lineage import lineage

from warehouse.database import TEXT_FUNCTIONS

MODELS_DIR = Path(__file__).parent / "models"
LAYERS = ("staging", "core", "marts")
REJECT_COLUMNS = ("reject_reason", "raw_record")
_DESCRIPTION = re.compile(r"^--\s*(.+)$")
_INCREMENTAL = re.compile(r"^incremental:\s*(.+)$")
# Where the incremental key columns of a staging model go in quality.quarantine.
QUARANTINE_KEY = {"source_system": "source_system", "source_id": "source_key"}
# Nodes that make a SELECT's rows depend on other rows, or keep only some rows.
_NOT_ROW_WISE = {exp.AggFunc: "aggregates", exp.Window: "window functions", exp.Distinct: "DISTINCT",
                 exp.Group: "GROUP BY", exp.Having: "HAVING", exp.Qualify: "QUALIFY", exp.Limit: "LIMIT",
                 exp.Offset: "OFFSET", exp.SetOperation: "UNION/INTERSECT/EXCEPT", exp.Where: "WHERE",
                 exp.Unnest: "UNNEST"}


class ModelError(ValueError):
    pass


@dataclass(frozen=True)
class Model:
    layer: str
    name: str
    path: Path
    sql: str = field(repr=False)

    @property
    def table(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def asset_path(self) -> list[str]:
        return [self.layer, self.name]

    @cached_property
    def tree(self) -> exp.Expression:
        return sqlglot.parse_one(self.sql, read="duckdb")

    @cached_property
    def dependencies(self) -> list[str]:
        """Schema-qualified tables read by the SELECT (CTE names excluded), in first-seen order."""
        ctes = {cte.alias_or_name for cte in self.tree.find_all(exp.CTE)}
        found: list[str] = []
        for table in self.tree.find_all(exp.Table):
            if table.db and table.name not in ctes:
                name = f"{table.db}.{table.name}"
                if name not in found:
                    found.append(name)
        return found

    @cached_property
    def _header(self) -> tuple[str, str, str | None]:
        """The comment lines at the top of the file: English, then lines starting `vi:` in Vietnamese;
        and the `incremental:` line, if any."""
        english, vietnamese, incremental = [], [], None
        for line in self.sql.splitlines():
            match = _DESCRIPTION.match(line.strip())
            if not match:
                break
            text = match.group(1)
            if _INCREMENTAL.match(text):
                incremental = _INCREMENTAL.match(text).group(1)
            elif text.startswith("vi:"):
                vietnamese.append(text[3:].strip())
            else:
                (vietnamese if vietnamese else english).append(text)
        return " ".join(english), " ".join(vietnamese), incremental

    @property
    def description(self) -> str:
        return self._header[0]

    @property
    def description_vi(self) -> str | None:
        return self._header[1] or None

    @cached_property
    def incremental_key(self) -> tuple[str, ...] | None:
        """The output columns naming the raw row each output row comes from, if the model declares them."""
        declared = self._header[2]
        return tuple(c.strip() for c in declared.split(",")) if declared else None

    @cached_property
    def driving_table(self) -> str | None:
        """The raw table an incremental model computes row by row (its one raw dependency)."""
        raw = [d for d in self.dependencies if d.startswith("raw_")]
        return raw[0] if len(raw) == 1 else None

    @cached_property
    def definition_hash(self) -> str:
        """Changes when the SQL or the source of a Python text function it calls changes."""
        called = {f.name.lower() for f in self.tree.find_all(exp.Anonymous)}
        modules = sorted({TEXT_FUNCTIONS[name].__module__ for name in called if name in TEXT_FUNCTIONS})
        code = [inspect.getsource(sys.modules[module]) for module in modules]
        return hashlib.sha256("\n".join([self.sql, *code]).encode()).hexdigest()

    @cached_property
    def row_wise_problems(self) -> list[str]:
        """Why the declared incremental key cannot be trusted: each output row must come from exactly one
        row of the driving table, computed from that row alone (small tables may be joined to it)."""
        if not self.incremental_key:
            return []
        problems = []
        if not self.driving_table:
            return [f"reads {len([d for d in self.dependencies if d.startswith('raw_')])} raw tables; "
                    "an incremental model reads exactly one"]
        unknown = [c for c in self.incremental_key if c not in QUARANTINE_KEY or c not in self.output_columns]
        if unknown or "source_id" not in self.incremental_key:
            problems.append(f"key {', '.join(self.incremental_key)} must be output columns among "
                            f"{', '.join(QUARANTINE_KEY)}, including source_id")
        driven = self._names_reading_driving_table()
        for name in sorted(driven):  # a second read of the raw table, or of a CTE over it, joins rows to other rows
            reads = [t for t in self.tree.find_all(exp.Table) if (f"{t.db}.{t.name}" if t.db else t.name) == name]
            if len(reads) > 1:
                problems.append(f"reads {name} {len(reads)} times; an incremental model reads its raw rows once")

        def over_driving_table(node: exp.Expression) -> bool:
            scope = node if isinstance(node, exp.SetOperation) else node.find_ancestor(exp.Select)
            return scope is not None and bool(_table_names(scope) & driven)

        for node_type, what in _NOT_ROW_WISE.items():
            problems += [f"uses {what} over {self.driving_table}"
                         for node in self.tree.find_all(node_type) if over_driving_table(node)]
        problems += [f"{join.side or 'inner'} join to {join.this.sql()}: only a LEFT JOIN keeps every raw row"
                     for join in self.tree.find_all(exp.Join) if join.side.upper() != "LEFT" and over_driving_table(join)]
        for column in self.incremental_key:
            sources = {table for table, _ in self.column_lineage().get(column, [])}
            if sources - {self.driving_table}:
                problems.append(f"key column {column} comes from {', '.join(sorted(sources))}, not only {self.driving_table}")
        return sorted(set(problems))

    def _names_reading_driving_table(self) -> set[str]:
        """The driving table and the CTEs that read it, directly or through other CTEs."""
        driven = {self.driving_table}
        ctes = list(self.tree.find_all(exp.CTE))
        changed = True
        while changed:
            changed = False
            for cte in ctes:
                if cte.alias_or_name not in driven and _table_names(cte.this) & driven:
                    driven.add(cte.alias_or_name)
                    changed = True
        return driven

    def sql_for_loads(self, load_ids: list[str]) -> str:
        """The model's SELECT over only the rows of the driving table that these dlt loads wrote."""
        tree = self.tree.copy()
        table = next(t for t in tree.find_all(exp.Table) if f"{t.db}.{t.name}" == self.driving_table)
        rows = (exp.select("*").from_(exp.table_(table.name, db=table.db))
                .where(exp.column("_dlt_load_id").isin(*(exp.Literal.string(i) for i in load_ids))))
        table.replace(rows.subquery(table.alias_or_name))
        return tree.sql(dialect="duckdb")

    @property
    def quarantines(self) -> bool:
        return all(col in self.output_columns for col in REJECT_COLUMNS)

    @cached_property
    def output_columns(self) -> list[str]:
        select = self.tree if isinstance(self.tree, exp.Select) else self.tree.find(exp.Select)
        return [e.alias_or_name for e in select.expressions]

    def column_lineage(self, schemas: dict[str, dict[str, str]] | None = None) -> dict[str, list[tuple[str, str]]]:
        """For each output column, the (table, column) pairs of the dependencies it is computed from."""
        try:  # one pass over every output column (sqlglot shares the work between them)
            nodes = lineage(None, self.sql, schema=schemas, dialect="duckdb")
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

    def transpile(self, dialect: str) -> str:
        """The model in another dialect; raises where that dialect cannot express it."""
        return sqlglot.transpile(self.sql, read="duckdb", write=dialect, unsupported_level=ErrorLevel.RAISE)[0]


def _table_names(node: exp.Expression) -> set[str]:
    """Tables (schema-qualified) and CTEs (bare names) read anywhere inside `node`."""
    return {f"{t.db}.{t.name}" if t.db else t.name for t in node.find_all(exp.Table)}


def discover(models_dir: Path = MODELS_DIR) -> list[Model]:
    models = []
    for layer in LAYERS:
        for path in sorted((models_dir / layer).glob("*.sql")):
            models.append(Model(layer, path.stem, path, path.read_text(encoding="utf-8")))
    return models


def run_model(con: duckdb.DuckDBPyConnection, model: Model, incremental: bool = False) -> dict:
    """Builds the model's table. Returns the row counts of the whole table after the build (received,
    kept, quarantined) and how many rows were computed this time (processed).

    With `incremental`, a model declaring an incremental key computes only the rows of the raw loads it
    has not processed yet and replaces the rows with those keys, in its table and in the quarantine. It
    is built whole instead when it was never built with its current SQL and text functions, when its
    table is missing, when anything else it reads changed (contents, or corrections applied to its raw
    rows in place by `csdl quarantine replay`), or when its raw table lost rows (received must still be
    kept + quarantined).
    """
    last = con.execute("SELECT definition_hash, inputs_fingerprint, load_ids, incremental FROM quality.model_builds "
                       "WHERE model = ?", [model.table]).fetchall()
    # the SQL is analysed (a quarter of a second for all models) until a build of this definition was incremental
    checked = last and last[0][0] == model.definition_hash and last[0][3]
    if incremental and model.incremental_key and not checked and model.row_wise_problems:
        raise ModelError(f"{model.table} declares `incremental: {', '.join(model.incremental_key)}` but cannot be "
                         f"built row by row: {'; '.join(model.row_wise_problems)}")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {model.layer}")
    state = None
    if model.incremental_key:
        state = {"inputs": _inputs_fingerprint(con, model),
                 "loads": sorted(r[0] for r in con.execute(
                     f"SELECT DISTINCT _dlt_load_id FROM {model.driving_table}").fetchall())}
    new_loads = _unprocessed_loads(con, model, state, last) if incremental and state else None
    # Forget the last build first: a build cut short leaves no state, so the next one is whole.
    con.execute("DELETE FROM quality.model_builds WHERE model = ?", [model.table])
    if new_loads is None:
        processed = _build(con, model, model.sql, whole=True)
    else:
        processed = _build(con, model, model.sql_for_loads(new_loads), whole=False) if new_loads else 0
    counts = _counts(con, model)
    if new_loads is not None and not counts["reconcile"]:
        new_loads, processed = None, _build(con, model, model.sql, whole=True)  # raw rows went away
        counts = _counts(con, model)
    # Loads are remembered only when the rows reconcile: the next build starts from them.
    loads = state["loads"] if state and counts["reconcile"] else None
    con.execute("INSERT INTO quality.model_builds VALUES (?, ?, ?, ?, ?, ?, now())",
                [model.table, model.definition_hash, state and state["inputs"], loads, new_loads is not None, processed])
    return {"received": counts["kept"] + counts["quarantined"], "kept": counts["kept"],
            "quarantined": counts["quarantined"], "processed": processed}


def _inputs_fingerprint(con: duckdb.DuckDBPyConnection, model: Model) -> str:
    """Contents of everything an incremental model reads besides its raw table (dlt's own columns left
    out: reference tables are replaced whole on every load), and the corrections applied to its raw rows."""
    parts = []
    for table in (d for d in model.dependencies if d != model.driving_table):
        parts.append(con.execute(f"""SELECT count(*), sum(hash(r)) FROM (
            SELECT COLUMNS(lambda c: NOT starts_with(c, '_dlt_')) FROM {table}) AS r""").fetchall()[0])
    parts.append(con.execute("SELECT count(*), max(applied_at) FROM quality.corrections WHERE model = ?",
                             [model.table]).fetchall()[0])
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _unprocessed_loads(con: duckdb.DuckDBPyConnection, model: Model, state: dict, last: list) -> list[str] | None:
    """The raw loads the `last` build did not process, or None when the model must be built whole."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                         [model.layer, model.name]).fetchall()[0][0]
    if not exists or not last or last[0][0] != model.definition_hash or last[0][1] != state["inputs"] \
            or last[0][2] is None:
        return None
    return sorted(set(state["loads"]) - set(last[0][2]))


def _build(con: duckdb.DuckDBPyConnection, model: Model, sql: str, whole: bool) -> int:
    """Computes `sql` and stores its rows: the whole table, or (not `whole`) in place of the rows with the
    same incremental key. Rows with a reject reason go to the quarantine. Returns the rows computed."""
    if whole and not model.quarantines:
        con.execute(f"CREATE OR REPLACE TABLE {model.table} AS {sql}")
        return con.execute(f"SELECT count(*) FROM {model.table}").fetchall()[0][0]
    con.execute(f"CREATE OR REPLACE TEMP TABLE _model_candidates AS {sql}")
    kept = "WHERE reject_reason IS NULL" if model.quarantines else ""
    columns = f"* EXCLUDE ({', '.join(REJECT_COLUMNS)})" if model.quarantines else "*"
    if whole:
        con.execute("DELETE FROM quality.quarantine WHERE model = ?", [model.table])
        con.execute(f"CREATE OR REPLACE TABLE {model.table} AS SELECT {columns} FROM _model_candidates {kept}")
    else:
        same_key = " AND ".join(f"t.{c} = c.{c}" for c in model.incremental_key)
        con.execute(f"DELETE FROM {model.table} AS t USING _model_candidates AS c WHERE {same_key}")
        if model.quarantines:
            same_key = " AND ".join(f"t.{QUARANTINE_KEY[c]} = c.{c}" for c in model.incremental_key)
            con.execute(f"DELETE FROM quality.quarantine AS t USING _model_candidates AS c "
                        f"WHERE t.model = ? AND {same_key}", [model.table])
        con.execute(f"INSERT INTO {model.table} BY NAME SELECT {columns} FROM _model_candidates {kept}")
    if model.quarantines:
        con.execute(
            """INSERT INTO quality.quarantine
               SELECT ?, source_system, source_id, reject_reason, raw_record::JSON, _dlt_load_id, now()
               FROM _model_candidates WHERE reject_reason IS NOT NULL""", [model.table])
    computed = con.execute("SELECT count(*) FROM _model_candidates").fetchall()[0][0]
    con.execute("DROP TABLE _model_candidates")
    return computed


def _counts(con: duckdb.DuckDBPyConnection, model: Model) -> dict:
    """Rows kept in the model's table and in the quarantine; for an incremental model, whether they
    reconcile with the rows of its raw table (one output row per raw row)."""
    kept = con.execute(f"SELECT count(*) FROM {model.table}").fetchall()[0][0]
    quarantined = con.execute("SELECT count(*) FROM quality.quarantine WHERE model = ?",
                              [model.table]).fetchall()[0][0] if model.quarantines else 0
    received = con.execute(f"SELECT count(*) FROM {model.driving_table}").fetchall()[0][0] \
        if model.incremental_key else kept + quarantined
    return {"kept": kept, "quarantined": quarantined, "reconcile": received == kept + quarantined}


def in_dependency_order(models: list[Model]) -> list[Model]:
    """Models sorted so that each comes after the models it reads."""
    by_table = {m.table: m for m in models}
    ordered: list[Model] = []
    seen: set[str] = set()

    def visit(model: Model) -> None:
        if model.table in seen:
            return
        seen.add(model.table)
        for dep in model.dependencies:
            if dep in by_table:
                visit(by_table[dep])
        ordered.append(model)

    for model in models:
        visit(model)
    return ordered
