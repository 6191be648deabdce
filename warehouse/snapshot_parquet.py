"""The Parquet copies of a snapshot, with each table's and column's descriptions in the key-value metadata:
`parquet/<schema>.<table>.parquet` for every table, and `parquet/by_year/<schema>.<table>/<year column>=<y>/`
(Hive partitioning) for the large facts. Copied from the masked snapshot tables, never the working ones."""

from __future__ import annotations

import json
from pathlib import Path

from warehouse.snapshot_tables import TableSpec, column_description, quote

# The large facts, also written partitioned by their year column.
BY_YEAR = {
    "core.fct_task": "start_year",
    "core.fct_publication": "year",
    "core.fct_statistic": "reference_year",
    "marts.indicators_by_province_year": "year",
}


def _kv_metadata(con, catalog: str, name: str, descriptions: dict[str, tuple]) -> str:
    en, vi = descriptions.get(name, (None, None))
    schema, table = name.split(".")
    columns = {
        column: dict(zip(("en", "vi"), column_description(table, column), strict=True))
        for (column,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? AND table_name = ? "
            "ORDER BY column_index",
            [catalog, schema, table],
        ).fetchall()
    }
    pairs = {
        "table": name,
        "description_en": en or "",
        "description_vi": vi or "",
        "columns": json.dumps(columns, ensure_ascii=False),
    }
    return "{" + ", ".join(f"'{key}': {quote(value)}" for key, value in pairs.items()) + "}"


def write_parquet(
    con, catalog: str, folder: Path, specs: list[TableSpec], names: list[str], descriptions: dict[str, tuple]
) -> None:
    """Copies of the masked snapshot tables, never of the working ones."""
    columns = {spec.name: {c for c, _ in spec.columns} for spec in specs}
    (folder / "by_year").mkdir()
    for name in names:
        metadata = _kv_metadata(con, catalog, name, descriptions)
        con.execute(f"COPY {catalog}.{name} TO '{folder / f'{name}.parquet'}' (FORMAT parquet, KV_METADATA {metadata})")
        if BY_YEAR.get(name) in columns.get(name, ()):
            con.execute(
                f"COPY {catalog}.{name} TO '{folder / 'by_year' / name}' "
                f"(FORMAT parquet, PARTITION_BY ({BY_YEAR[name]}), KV_METADATA {metadata})"
            )
