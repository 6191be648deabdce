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

import contextlib
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.codes import (
    LOOKUP_COLUMNS,
    LOOKUP_DESCRIPTION,
    UNLABELLED,
    code_list,
    lookups,
)
from warehouse.personal_data import MASKS, mask
from warehouse.snapshot_parquet import write_parquet
from warehouse.snapshot_tables import (
    LOOKUP_SCHEMA,
    TEXT_TYPES,
    TableSpec,
    column_description,
    comment,
    lookup_table,
    quote,
    table_specs,
)

STORAGE_VERSION = "v1.4.0"
VIEWS_DIR = Path(__file__).parent / "views"
QUESTIONS_SCHEMA = "questions"
MAIN_TABLES = {
    "main.catalog": (
        "Every table, view and column of the snapshot with its description",
        "Mọi bảng, khung nhìn và cột của bản dữ liệu cùng mô tả",
    ),
    "main.personal_data_masked": (
        "Personal data masked in the published text, per table, column and kind",
        "Dữ liệu cá nhân đã được che trong văn bản công bố, theo bảng, cột và loại",
    ),
    "main.refresh": (
        "The run that wrote this snapshot, when, and how many values it masked",
        "Lần chạy đã ghi bản dữ liệu này, thời điểm và số giá trị đã che",
    ),
}
CATALOG = "snapshot"  # the alias the snapshot file is attached under while it is written


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
        arrow = pa.Table.from_pylist([dict(zip(names, row, strict=True)) for row in rows])  # noqa: F841 (read by the SQL below)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM arrow")


def _lookup_rows(con: duckdb.DuckDBPyConnection, specs: list[TableSpec]) -> dict[str, dict[str, tuple[str, str]]]:
    """Every code list, with any code the tables hold that the list lacks (labelled as such, so that every
    join to a lookup keeps its rows and the unknown code shows)."""
    found = {name: dict(codes) for name, codes in lookups().items()}  # LABELS itself stays as written
    for spec in specs:
        for column, data_type in spec.columns:
            name = code_list(spec.table, column)
            if name and data_type == "VARCHAR":
                for (code,) in con.execute(
                    f'SELECT DISTINCT "{column}" FROM {spec.name} WHERE "{column}" IS NOT NULL'
                ).fetchall():
                    # as the table publishes it: in NFC, personal data masked (an unknown code is a value as received)
                    found[name].setdefault(mask(unicodedata.normalize("NFC", code)), UNLABELLED)
    return found


def _lookup_descriptions(specs: list[TableSpec]) -> dict[str, tuple[str, str]]:
    """Per lookup table, what it is and which published columns hold its codes."""
    users: dict[str, list[str]] = {name: [] for name in lookups()}
    for spec in specs:
        for column, _ in spec.columns:
            if code_list(spec.table, column):
                users[code_list(spec.table, column)].append(f"{spec.name}.{column}")
    return {
        f"{LOOKUP_SCHEMA}.{lookup_table(name)}": tuple(
            d.format(name=name, users=", ".join(used) or "-") for d in LOOKUP_DESCRIPTION
        )
        for name, used in users.items()
    }


def _write_lookups(con: duckdb.DuckDBPyConnection, specs: list[TableSpec], descriptions: dict) -> dict[str, int]:
    """`core.code_<list>` for every code list; returns their codes per table."""
    rows = {}
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{LOOKUP_SCHEMA}")
    for name, codes in sorted(_lookup_rows(con, specs).items()):
        table = f"{CATALOG}.{LOOKUP_SCHEMA}.{lookup_table(name)}"
        con.execute(
            f"CREATE TABLE {table} (code VARCHAR PRIMARY KEY, label_en VARCHAR NOT NULL, label_vi VARCHAR NOT NULL)"
        )
        _insert(con, table, [(code, *labels) for code, labels in codes.items()], ("code", "label_en", "label_vi"))
        con.execute(
            f"COMMENT ON TABLE {table} IS {quote(comment(*descriptions[f'{LOOKUP_SCHEMA}.{lookup_table(name)}']))}"
        )
        for column, description in LOOKUP_COLUMNS.items():
            con.execute(f"COMMENT ON COLUMN {table}.{column} IS {quote(comment(*description))}")
        rows[f"{LOOKUP_SCHEMA}.{lookup_table(name)}"] = len(codes)
    return rows


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
    return [
        (schema, table, column, kind, p - r)
        for (column, kind), p, r in zip(keys, published, received, strict=True)
        if p - r
    ]


def _write_tables(con, specs: list[TableSpec], descriptions: dict[str, tuple], result) -> None:
    for spec in specs:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{spec.schema}")
        con.execute(spec.ddl(CATALOG))
        con.execute(f"INSERT INTO {CATALOG}.{spec.name} {spec.select()}")
        result.rows[spec.name] = con.execute(f"SELECT count(*) FROM {CATALOG}.{spec.name}").fetchall()[0][0]
        result.personal_data += _mask_counts(
            con, spec.schema, spec.table, [(c, d) for c, d in spec.columns if d in TEXT_TYPES]
        )
        described = comment(*descriptions.get(spec.name, (None, None)))
        if described:
            con.execute(f"COMMENT ON TABLE {CATALOG}.{spec.name} IS {quote(described)}")
        for column, _ in spec.columns:
            described = comment(*column_description(spec.table, column))
            if described:
                con.execute(f'COMMENT ON COLUMN {CATALOG}.{spec.name}."{column}" IS {quote(described)}')


def _write_views(con: duckdb.DuckDBPyConnection, warehouse: str, result) -> None:
    """The analyst questions, created inside the snapshot (so that they name its tables). A view whose tables a
    small warehouse lacks is left out and named in `result.views_left_out`."""
    con.execute(f"USE {CATALOG}")
    try:
        con.execute(f"CREATE SCHEMA {QUESTIONS_SCHEMA}")
        for name, english, vietnamese, sql in question_views():
            try:
                con.execute(f"CREATE VIEW {QUESTIONS_SCHEMA}.{name} AS {sql}")
            except (duckdb.BinderException, duckdb.CatalogException) as error:
                result.views_left_out.append(f"{QUESTIONS_SCHEMA}.{name}: {str(error).splitlines()[0]}")
                continue
            con.execute(f"COMMENT ON VIEW {QUESTIONS_SCHEMA}.{name} IS {quote(comment(english, vietnamese))}")
            result.views.append(f"{QUESTIONS_SCHEMA}.{name}")
    finally:
        con.execute(f"USE {warehouse}")


def _write_about(con: duckdb.DuckDBPyConnection, run_id: str, result) -> None:
    """`main.personal_data_masked` and `main.refresh`."""
    con.execute(
        f"CREATE TABLE {CATALOG}.main.personal_data_masked (table_schema VARCHAR, table_name VARCHAR, "
        "column_name VARCHAR, kind VARCHAR, values_masked BIGINT)"
    )
    _insert(
        con,
        f"{CATALOG}.main.personal_data_masked",
        result.personal_data,
        ("table_schema", "table_name", "column_name", "kind", "values_masked"),
    )
    con.execute(
        f"CREATE TABLE {CATALOG}.main.refresh AS SELECT ? AS run_id, ?::TIMESTAMPTZ AS refreshed_at, "
        "?::BIGINT AS personal_data_masked",
        [run_id, datetime.now(UTC), result.personal_data_masked],
    )


def _write_catalog(con: duckdb.DuckDBPyConnection, descriptions: dict[str, tuple], views: list[str]) -> None:
    """`main.catalog`: every table and column, and every view, with its descriptions."""
    con.execute(
        f"CREATE TABLE {CATALOG}.main.catalog (table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR, "
        "data_type VARCHAR, description_en VARCHAR, description_vi VARCHAR)"
    )
    for name, description in MAIN_TABLES.items():
        con.execute(f"COMMENT ON TABLE {CATALOG}.{name} IS {quote(comment(*description))}")
    tables = set(
        con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?", [CATALOG]).fetchall()
    )
    rows = [(s, t, None, "table", *descriptions.get(f"{s}.{t}", (None, None))) for s, t in sorted(tables)]
    rows += [
        (QUESTIONS_SCHEMA, name, None, "view", en, vi)
        for name, en, vi, _ in question_views()
        if f"{QUESTIONS_SCHEMA}.{name}" in views
    ]
    for schema, table, column, data_type in con.execute(
        "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = ? ORDER BY schema_name, table_name, column_index",
        [CATALOG],
    ).fetchall():
        if (schema, table) in tables:  # not the views' columns
            rows.append((schema, table, column, data_type, *column_description(table, column)))
    _insert(
        con,
        f"{CATALOG}.main.catalog",
        rows,
        ("table_schema", "table_name", "column_name", "data_type", "description_en", "description_vi"),
    )


def write(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    columns: list[tuple[str, str, str, str]],
    descriptions: dict[str, tuple],
    run_id: str,
    result,
) -> None:
    """Writes `folder/csdl.duckdb` and `folder/parquet/` from the warehouse tables `columns` lists."""
    specs, result.keys_left_out = table_specs(con, columns)
    warehouse = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute(f"ATTACH '{folder / 'csdl.duckdb'}' AS {CATALOG} (STORAGE_VERSION '{STORAGE_VERSION}')")
    try:
        # one transaction for the tables: a commit per COMMENT ON would cost seconds
        con.execute("BEGIN TRANSACTION")
        descriptions = {**descriptions, **MAIN_TABLES, **_lookup_descriptions(specs)}
        result.lookups = _write_lookups(con, specs, descriptions)
        _write_tables(con, specs, descriptions, result)
        _write_about(con, run_id, result)
        con.execute("COMMIT")
        _write_views(con, warehouse, result)  # each alone: a view that cannot be created must not undo the rest
        con.execute("BEGIN TRANSACTION")
        _write_catalog(con, descriptions, result.views)
        con.execute("COMMIT")
        write_parquet(
            con, CATALOG, folder / "parquet", specs, [*result.lookups, *(s.name for s in specs)], descriptions
        )
    except BaseException:
        with contextlib.suppress(duckdb.TransactionException):  # the failure came outside a transaction
            con.execute("ROLLBACK")
        raise
    finally:
        con.execute(f"USE {warehouse}")
        con.execute(f"DETACH {CATALOG}")
