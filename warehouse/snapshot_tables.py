"""How each warehouse table is declared in the snapshot: published types, primary and foreign keys, and the
SELECT that copies it (text in NFC with personal data masked, money and indicator values as DECIMAL).

DuckDB declares keys only in CREATE TABLE, and a foreign key only within one schema: `core` tables reference
the dimensions and the `core.code_<list>` lookups; `marts` columns name their lookups in their comments.
The keys are those each model's yml declares (`primary_key`, `foreign_keys`); one is declared only where the
rows satisfy it (the blocking checks ensure most), else it is left out and said so (`Snapshot.keys_left_out`),
never a failed publish.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from warehouse.catalog import describe
from warehouse.codes import LOOKUP_COLUMNS, code_list
from warehouse.modelling.schema import all_schemas
from warehouse.personal_data import CANDIDATE_RE2

TEXT_TYPES = ("VARCHAR", "VARCHAR[]")
MONEY_TYPE = "DECIMAL(18,0)"  # VND, whole dong
VALUE_TYPE = "DECIMAL(18,3)"  # indicator values: counts, and million VND to the thousand dong
VALUE_COLUMNS = {"value", "previous_value"}
LOOKUP_SCHEMA = "core"


def comment(en: str | None, vi: str | None) -> str | None:
    """How a description reads in DESCRIBE, duckdb_columns().comment and DBeaver: English — Vietnamese."""
    return " — ".join(text for text in (en, vi) if text) or None


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def column_description(table: str, column: str) -> tuple[str | None, str | None]:
    if table.startswith("code_") and column in LOOKUP_COLUMNS:
        return LOOKUP_COLUMNS[column]
    en, vi = describe(table, column)
    name = code_list(table, column)
    if name and en:  # where its codes are explained
        en, vi = f"{en}; codes: {LOOKUP_SCHEMA}.{lookup_table(name)}", f"{vi}; mã: {LOOKUP_SCHEMA}.{lookup_table(name)}"
    return en, vi


def lookup_table(name: str) -> str:
    return f"code_{name}"


@dataclass
class TableSpec:
    schema: str
    table: str
    columns: list[tuple[str, str]]  # (name, warehouse type)
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (column, table, its column)

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    def published_type(self, column: str, data_type: str) -> str:
        if "_vnd" in column and data_type in ("BIGINT", "INTEGER", "HUGEINT", "DOUBLE"):
            return MONEY_TYPE
        if column in VALUE_COLUMNS and data_type in ("DOUBLE", "FLOAT", "BIGINT", "INTEGER"):
            return VALUE_TYPE
        return data_type

    def ddl(self, catalog: str) -> str:
        lines = [
            f'"{c}" {self.published_type(c, d)}' + (" NOT NULL" if c in self.primary_key else "")
            for c, d in self.columns
        ]
        if self.primary_key:
            lines.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        lines += [
            f'FOREIGN KEY ("{c}") REFERENCES {catalog}.{self.schema}.{t} ({rc})' for c, t, rc in self.foreign_keys
        ]
        return f"CREATE TABLE {catalog}.{self.name} (\n  " + ",\n  ".join(lines) + "\n)"

    def select(self) -> str:
        """The published rows: text in NFC, personal data masked (only text that may hold some reaches Python),
        money and indicator values cast."""
        one = "CASE WHEN regexp_matches({v}, '{re}') THEN mask_personal_data({v}) ELSE {v} END"
        parts = []
        for column, data_type in self.columns:
            quoted = f'"{column}"'
            if data_type == "VARCHAR[]":
                parts.append(
                    f"list_transform({quoted}, lambda v: "
                    f"{one.format(v='nfc_normalize(v)', re=CANDIDATE_RE2)}) AS {quoted}"
                )
            elif data_type == "VARCHAR":
                parts.append(f"{one.format(v=f'nfc_normalize({quoted})', re=CANDIDATE_RE2)} AS {quoted}")
            elif self.published_type(column, data_type) != data_type:
                parts.append(f"CAST({quoted} AS {self.published_type(column, data_type)}) AS {quoted}")
            else:
                parts.append(quoted)
        return f"SELECT {', '.join(parts)} FROM {self.name}"


def _holds_as_key(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> bool:
    cols = ", ".join(f'"{c}"' for c in columns)
    nulls = " OR ".join(f'"{c}" IS NULL' for c in columns)
    rows, distinct, null_rows = con.execute(
        f"SELECT count(*), count(DISTINCT ({cols})), count(*) FILTER (WHERE {nulls}) FROM {table}"
    ).fetchall()[0]
    return rows == distinct and not null_rows


def _orphans(con: duckdb.DuckDBPyConnection, table: str, column: str, referenced: str, key: str) -> int:
    return con.execute(
        f'SELECT count(*) FROM {table} WHERE "{column}" IS NOT NULL AND "{column}" NOT IN '
        f'(SELECT "{key}" FROM {referenced} WHERE "{key}" IS NOT NULL)'
    ).fetchall()[0][0]


def table_specs(
    con: duckdb.DuckDBPyConnection, columns: list[tuple[str, str, str, str]]
) -> tuple[list[TableSpec], list[str]]:
    """The published tables in creation order (a referenced table before the tables referencing it), and the
    keys left out because the rows do not satisfy them."""
    specs = {}
    for schema, table, column, data_type in columns:
        specs.setdefault(f"{schema}.{table}", TableSpec(schema, table, [])).columns.append((column, data_type))
    left_out = []
    schemas = all_schemas()  # each model's yml declares its keys
    for spec in specs.values():
        key = list(schemas[spec.name].primary_key) if spec.name in schemas else []
        if key and set(key) <= {c for c, _ in spec.columns}:
            if _holds_as_key(con, spec.name, key):
                spec.primary_key = key
            else:
                left_out.append(f"{spec.name} PRIMARY KEY ({', '.join(key)})")
    for spec in specs.values():
        declared = schemas[spec.name].foreign_keys if spec.name in schemas else {}
        for column, target in declared.items():
            table, key = target.rsplit(".", 1)
            referenced = specs.get(table)
            # DuckDB declares a foreign key within one schema only, to another table's primary key
            if (
                table == spec.name
                or referenced is None
                or referenced.schema != spec.schema
                or referenced.primary_key != [key]
                or column not in {c for c, _ in spec.columns}
            ):
                continue
            if _orphans(con, spec.name, column, referenced.name, key):
                left_out.append(f"{spec.name} FOREIGN KEY ({column}) REFERENCES {referenced.name}")
                continue
            spec.foreign_keys.append((column, referenced.table, key))
        if spec.schema == LOOKUP_SCHEMA:
            spec.foreign_keys += [
                (column, lookup_table(code_list(spec.table, column)), "code")
                for column, data_type in spec.columns
                if data_type == "VARCHAR" and code_list(spec.table, column)
            ]
    return _in_reference_order(list(specs.values())), left_out


def _in_reference_order(specs: list[TableSpec]) -> list[TableSpec]:
    by_name = {(s.schema, s.table): s for s in specs}
    ordered, seen = [], set()

    def visit(spec: TableSpec) -> None:
        if spec.name in seen:
            return
        seen.add(spec.name)
        for _, table, _ in spec.foreign_keys:
            if (spec.schema, table) in by_name:
                visit(by_name[(spec.schema, table)])
        ordered.append(spec)

    for spec in specs:
        visit(spec)
    return ordered
