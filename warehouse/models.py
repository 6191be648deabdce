"""SQL models: discovery, dependencies and column lineage read from the SQL with sqlglot, and running.

A model is one file `models/<layer>/<table>.sql` holding one SELECT; the table it builds is
`<layer>.<table>`. Its dependencies are the tables the SELECT reads, never a hand-kept list.

A staging model may add two columns, `reject_reason` and `raw_record`: rows with a reason go to
`quality.quarantine` (with the raw record as JSON) instead of the table, so every row received is
either kept or quarantined, and the counts reconcile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel
from sqlglot.lineage import lineage

MODELS_DIR = Path(__file__).parent / "models"
LAYERS = ("staging", "core", "marts")
REJECT_COLUMNS = ("reject_reason", "raw_record")
_DESCRIPTION = re.compile(r"^--\s*(.+)$")


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
    def _header(self) -> tuple[str, str]:
        """The comment lines at the top of the file: English, then lines starting `vi:` in Vietnamese."""
        english, vietnamese = [], []
        for line in self.sql.splitlines():
            match = _DESCRIPTION.match(line.strip())
            if not match:
                break
            text = match.group(1)
            if text.startswith("vi:"):
                vietnamese.append(text[3:].strip())
            else:
                (vietnamese if vietnamese else english).append(text)
        return " ".join(english), " ".join(vietnamese)

    @property
    def description(self) -> str:
        return self._header[0]

    @property
    def description_vi(self) -> str | None:
        return self._header[1] or None

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


def discover(models_dir: Path = MODELS_DIR) -> list[Model]:
    models = []
    for layer in LAYERS:
        for path in sorted((models_dir / layer).glob("*.sql")):
            models.append(Model(layer, path.stem, path, path.read_text(encoding="utf-8")))
    return models


def run_model(con: duckdb.DuckDBPyConnection, model: Model) -> dict:
    """Builds the model's table; returns row counts (received, kept, quarantined)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {model.layer}")
    if not model.quarantines:
        con.execute(f"CREATE OR REPLACE TABLE {model.table} AS {model.sql}")
        kept = con.execute(f"SELECT count(*) FROM {model.table}").fetchall()[0][0]
        return {"received": kept, "kept": kept, "quarantined": 0}
    con.execute(f"CREATE OR REPLACE TEMP TABLE _model_candidates AS {model.sql}")
    con.execute("DELETE FROM quality.quarantine WHERE model = ?", [model.table])
    con.execute(
        """INSERT INTO quality.quarantine
           SELECT ?, source_system, source_id, reject_reason, raw_record::JSON, _dlt_load_id, now()
           FROM _model_candidates WHERE reject_reason IS NOT NULL""", [model.table])
    con.execute(f"""CREATE OR REPLACE TABLE {model.table} AS
                    SELECT * EXCLUDE ({', '.join(REJECT_COLUMNS)}) FROM _model_candidates
                    WHERE reject_reason IS NULL""")
    received, quarantined = con.execute(
        "SELECT count(*), count(reject_reason) FROM _model_candidates").fetchall()[0]
    con.execute("DROP TABLE _model_candidates")
    return {"received": received, "kept": received - quarantined, "quarantined": quarantined}


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
