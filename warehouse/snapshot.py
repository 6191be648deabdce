"""Writes the contents of one snapshot: the DuckDB file and its Parquet copies.

- `csdl.duckdb` in DuckDB's v1.4.0 storage format (STORAGE_VERSION), so that the 1.4 LTS line, later 1.x
  releases, BI tools and drivers on them, and the current DuckDB all open it;
- `core`, `marts`: the tables, text in NFC, personal data masked, money and indicator values DECIMAL, keys
  declared, and every table and column described (`COMMENT ON`, English then Vietnamese);
- `core.code_<list>`: what each code means (warehouse/codes.py), referenced by the coded columns of `core`;
- `questions`: the README's ten analyst questions as views (warehouse/views/*.sql);
- `main.catalog`, `main.personal_data_masked`, `main.refresh`;
- `parquet/<schema>.<table>.parquet`, and `parquet/by_year/<schema>.<table>/<year column>=<y>/` for the
  large facts (Hive partitioning), each with its descriptions in the Parquet key-value metadata.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.catalog import describe
from warehouse.codes import LOOKUP_COLUMNS, LOOKUP_DESCRIPTION, UNLABELLED, code_list, lookups
from warehouse.personal_data import MASKS, mask
from warehouse.snapshot_tables import LOOKUP_SCHEMA, TEXT_TYPES, TableSpec, lookup_table, table_specs

STORAGE_VERSION = "v1.4.0"
VIEWS_DIR = Path(__file__).parent / "views"
QUESTIONS_SCHEMA = "questions"
# The large facts, also written partitioned by their year column.
BY_YEAR = {"core.fct_task": "start_year", "core.fct_publication": "year", "core.fct_statistic": "reference_year",
           "marts.indicators_by_province_year": "year"}
CATALOG = "snapshot"  # the alias the snapshot file is attached under while it is written


def comment(en: str | None, vi: str | None) -> str | None:
    """How a description reads in DESCRIBE, duckdb_columns().comment and DBeaver: English — Vietnamese."""
    return " — ".join(text for text in (en, vi) if text) or None


def question_views() -> list[tuple[str, str, str, str]]:
    """(name, question in English, in Vietnamese, SELECT) of every view file, in order."""
    views = []
    for path in sorted(VIEWS_DIR.glob("*.sql")):
        lines = path.read_text(encoding="utf-8").strip().splitlines()
        header = [line[2:].strip() for line in lines if line.startswith("--")]
        english = " ".join(h for h in header if not h.startswith("vi:"))
        vietnamese = " ".join(h[3:].strip() for h in header if h.startswith("vi:"))
        sql = "\n".join(line for line in lines if not line.startswith("--")).rstrip(";")
        views.append((re.sub(r"^q\d+_", "", path.stem), english, vietnamese, sql))
    return views


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], names: tuple[str, ...]) -> None:
    """One INSERT for all rows (executemany runs one statement per row)."""
    if rows:
        arrow = pa.Table.from_pylist([dict(zip(names, row)) for row in rows])  # noqa: F841 (read by the SQL below)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM arrow")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _lookup_rows(con: duckdb.DuckDBPyConnection, specs: list[TableSpec]) -> dict[str, dict[str, tuple[str, str]]]:
    """Every code list, with any code the tables hold that the list lacks (labelled as such, so that every
    join to a lookup keeps its rows and the unknown code shows)."""
    found = lookups()
    for spec in specs:
        for column, data_type in spec.columns:
            name = code_list(spec.table, column)
            if name and data_type == "VARCHAR":
                for (code,) in con.execute(f'SELECT DISTINCT "{column}" FROM {spec.name} WHERE "{column}" IS NOT NULL').fetchall():
                    # as the table publishes it: in NFC, personal data masked (an unknown code is a value as received)
                    found[name].setdefault(mask(unicodedata.normalize("NFC", code)), UNLABELLED)
    return found


def lookup_description(name: str) -> tuple[str, str]:
    return tuple(d.format(name=name) for d in LOOKUP_DESCRIPTION)


def _write_lookups(con: duckdb.DuckDBPyConnection, specs: list[TableSpec]) -> dict[str, int]:
    """`core.code_<list>` for every code list; returns their codes per table."""
    rows = {}
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{LOOKUP_SCHEMA}")
    for name, codes in sorted(_lookup_rows(con, specs).items()):
        table = f"{CATALOG}.{LOOKUP_SCHEMA}.{lookup_table(name)}"
        con.execute(f"CREATE TABLE {table} (code VARCHAR PRIMARY KEY, label_en VARCHAR NOT NULL, label_vi VARCHAR NOT NULL)")
        _insert(con, table, [(code, *labels) for code, labels in codes.items()], ("code", "label_en", "label_vi"))
        con.execute(f"COMMENT ON TABLE {table} IS {_quote(comment(*lookup_description(name)))}")
        for column, description in LOOKUP_COLUMNS.items():
            con.execute(f"COMMENT ON COLUMN {table}.{column} IS {_quote(comment(*description))}")
        rows[f"{LOOKUP_SCHEMA}.{lookup_table(name)}"] = len(codes)
    return rows


def column_description(table: str, column: str) -> tuple[str | None, str | None]:
    if table.startswith("code_") and column in LOOKUP_COLUMNS:
        return LOOKUP_COLUMNS[column]
    en, vi = describe(table, column)
    name = code_list(table, column)
    if name and en:  # where its codes are explained
        en, vi = f"{en}; codes: {LOOKUP_SCHEMA}.{lookup_table(name)}", f"{vi}; mã: {LOOKUP_SCHEMA}.{lookup_table(name)}"
    return en, vi


def _mask_counts(con, schema: str, table: str, text_columns: list[tuple[str, str]]) -> list[tuple]:
    """Masks per column and kind: each mask in the snapshot's text, less any the source text already held."""
    if not text_columns:
        return []
    terms, keys = [], []
    for column, data_type in text_columns:
        text = f'array_to_string("{column}", chr(10))' if data_type == "VARCHAR[]" else f'"{column}"'
        for kind, token in MASKS.items():
            terms.append(f"coalesce(sum((length({text}) - length(replace({text}, '{token}', ''))) // {len(token)}), 0)")
            keys.append((column, kind))
    select = ", ".join(terms)
    published = con.execute(f'SELECT {select} FROM {CATALOG}."{schema}"."{table}"').fetchall()[0]
    if not any(published):
        return []
    received = con.execute(f'SELECT {select} FROM "{schema}"."{table}"').fetchall()[0]
    return [(schema, table, column, kind, p - r) for (column, kind), p, r in zip(keys, published, received) if p - r]


def _write_tables(con, specs: list[TableSpec], descriptions: dict[str, tuple], result) -> None:
    for spec in specs:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{spec.schema}")
        con.execute(spec.ddl(CATALOG))
        con.execute(f"INSERT INTO {CATALOG}.{spec.name} {spec.select()}")
        result.rows[spec.name] = con.execute(f"SELECT count(*) FROM {CATALOG}.{spec.name}").fetchall()[0][0]
        result.personal_data += _mask_counts(con, spec.schema, spec.table,
                                             [(c, d) for c, d in spec.columns if d in TEXT_TYPES])
        described = comment(*descriptions.get(spec.name, (None, None)))
        if described:
            con.execute(f"COMMENT ON TABLE {CATALOG}.{spec.name} IS {_quote(described)}")
        for column, _ in spec.columns:
            described = comment(*column_description(spec.table, column))
            if described:
                con.execute(f'COMMENT ON COLUMN {CATALOG}.{spec.name}."{column}" IS {_quote(described)}')


def _write_views(con: duckdb.DuckDBPyConnection, result) -> None:
    """The analyst questions, created inside the snapshot (so that they name its tables). A view whose tables a
    small warehouse lacks is left out and named in `result.views_left_out`."""
    warehouse = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute(f"USE {CATALOG}")
    try:
        con.execute(f"CREATE SCHEMA {QUESTIONS_SCHEMA}")
        for name, english, vietnamese, sql in question_views():
            try:
                con.execute(f"CREATE VIEW {QUESTIONS_SCHEMA}.{name} AS {sql}")
            except (duckdb.BinderException, duckdb.CatalogException) as error:
                result.views_left_out.append(f"{QUESTIONS_SCHEMA}.{name}: {str(error).splitlines()[0]}")
                continue
            con.execute(f"COMMENT ON VIEW {QUESTIONS_SCHEMA}.{name} IS {_quote(comment(english, vietnamese))}")
            result.views.append(f"{QUESTIONS_SCHEMA}.{name}")
    finally:
        con.execute(f"USE {warehouse}")


def _write_catalog(con: duckdb.DuckDBPyConnection, descriptions: dict[str, tuple], views: list[str]) -> None:
    """`main.catalog`: every table and column, and every view, with its descriptions."""
    tables = set(con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
                             "AND schema_name <> 'main'", [CATALOG]).fetchall())
    rows = [(s, t, None, "table", *descriptions.get(f"{s}.{t}", (None, None))) for s, t in sorted(tables)]
    rows += [(QUESTIONS_SCHEMA, name, None, "view", en, vi) for name, en, vi, _ in question_views()
             if f"{QUESTIONS_SCHEMA}.{name}" in views]
    for schema, table, column, data_type in con.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = ? AND schema_name <> 'main' ORDER BY schema_name, table_name, column_index",
            [CATALOG]).fetchall():
        if (schema, table) in tables:  # not the views' columns
            rows.append((schema, table, column, data_type, *column_description(table, column)))
    con.execute(f"CREATE TABLE {CATALOG}.main.catalog (table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR, "
                "data_type VARCHAR, description_en VARCHAR, description_vi VARCHAR)")
    _insert(con, f"{CATALOG}.main.catalog", rows,
            ("table_schema", "table_name", "column_name", "data_type", "description_en", "description_vi"))


def _kv_metadata(con, name: str, descriptions: dict[str, tuple]) -> str:
    en, vi = descriptions.get(name, (None, None))
    schema, table = name.split(".")
    columns = {column: dict(zip(("en", "vi"), column_description(table, column))) for (column,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? AND table_name = ? "
        "ORDER BY column_index", [CATALOG, schema, table]).fetchall()}
    pairs = {"table": name, "description_en": en or "", "description_vi": vi or "",
             "columns": json.dumps(columns, ensure_ascii=False)}
    return "{" + ", ".join(f"'{key}': {_quote(value)}" for key, value in pairs.items()) + "}"


def _write_parquet(con, folder: Path, specs: list[TableSpec], names: list[str], descriptions: dict[str, tuple]) -> None:
    """Copies of the masked snapshot tables, never of the working ones."""
    columns = {spec.name: {c for c, _ in spec.columns} for spec in specs}
    (folder / "by_year").mkdir()
    for name in names:
        metadata = _kv_metadata(con, name, descriptions)
        con.execute(f"COPY {CATALOG}.{name} TO '{folder / f'{name}.parquet'}' (FORMAT parquet, KV_METADATA {metadata})")
        if BY_YEAR.get(name) in columns.get(name, ()):
            con.execute(f"COPY {CATALOG}.{name} TO '{folder / 'by_year' / name}' "
                        f"(FORMAT parquet, PARTITION_BY ({BY_YEAR[name]}), KV_METADATA {metadata})")


def write(con: duckdb.DuckDBPyConnection, folder: Path, columns: list[tuple[str, str, str, str]],
          descriptions: dict[str, tuple], run_id: str, result) -> None:
    """Writes `folder/csdl.duckdb` and `folder/parquet/` from the warehouse tables `columns` lists."""
    specs, result.keys_left_out = table_specs(con, columns)
    con.execute(f"ATTACH '{folder / 'csdl.duckdb'}' AS {CATALOG} (STORAGE_VERSION '{STORAGE_VERSION}')")
    try:
        con.execute("BEGIN TRANSACTION")  # one commit for the whole file: a commit per COMMENT ON costs seconds
        result.lookups = _write_lookups(con, specs)
        descriptions = {**descriptions, **{name: lookup_description(name.split(".code_", 1)[1]) for name in result.lookups}}
        _write_tables(con, specs, descriptions, result)
        _write_views(con, result)
        _write_catalog(con, descriptions, result.views)
        con.execute(f"CREATE TABLE {CATALOG}.main.personal_data_masked (table_schema VARCHAR, table_name VARCHAR, "
                    "column_name VARCHAR, kind VARCHAR, values_masked BIGINT)")
        if result.personal_data:
            con.executemany(f"INSERT INTO {CATALOG}.main.personal_data_masked VALUES (?, ?, ?, ?, ?)", result.personal_data)
        con.execute(f"CREATE TABLE {CATALOG}.main.refresh AS SELECT ? AS run_id, ?::TIMESTAMPTZ AS refreshed_at, "
                    "?::BIGINT AS personal_data_masked", [run_id, datetime.now(timezone.utc), result.personal_data_masked])
        con.execute("COMMIT")
        _write_parquet(con, folder / "parquet", specs, [*result.lookups, *(s.name for s in specs)], descriptions)
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.TransactionException:  # the failure came after the commit
            pass
        raise
    finally:
        con.execute(f"DETACH {CATALOG}")
