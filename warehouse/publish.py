"""Publishing the analysts' snapshot: `published/csdl.duckdb` and `published/parquet/`.

Both are written beside their final place and renamed into it, so a reader sees the old snapshot or
the new one, never half of one. Personal identifiers never leave the working warehouse.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from warehouse.models import Model

PUBLISHED_SCHEMAS = ("core", "marts")
PERSONAL_COLUMNS = {"national_id", "email", "phone", "birth_date", "cccd", "so_dien_thoai"}


class PublishError(RuntimeError):
    pass


def published_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        f"AND table_schema IN {PUBLISHED_SCHEMAS} AND table_type = 'BASE TABLE' ORDER BY 1, 2").fetchall()


def publish(con: duckdb.DuckDBPyConnection, published_dir: Path, run_id: str, models: list[Model]) -> dict:
    """Copies core and marts into a fresh snapshot with its catalog; returns {table: rows}."""
    published_dir.mkdir(parents=True, exist_ok=True)
    tables = published_tables(con)
    columns = con.execute(
        "SELECT table_schema, table_name, column_name, data_type, ordinal_position FROM information_schema.columns "
        f"WHERE table_catalog = current_database() AND table_schema IN {PUBLISHED_SCHEMAS} ORDER BY 1, 2, 5").fetchall()
    leaked = sorted({f"{s}.{t}.{c}" for s, t, c, _, _ in columns if c.lower() in PERSONAL_COLUMNS})
    if leaked:
        raise PublishError(f"refusing to publish personal identifiers: {', '.join(leaked)}; "
                           "drop these columns from the core/marts models")
    descriptions = {m.table: m for m in models}
    tmp_db = published_dir / f".csdl-{uuid.uuid4().hex}.duckdb"
    tmp_parquet = published_dir / f".parquet-{uuid.uuid4().hex}"
    tmp_parquet.mkdir()
    counts = {}
    try:
        con.execute(f"ATTACH '{tmp_db}' AS snapshot")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA snapshot.{schema}")
        for schema, table in tables:
            con.execute(f"CREATE TABLE snapshot.{schema}.{table} AS SELECT * FROM {schema}.{table}")
            counts[f"{schema}.{table}"] = con.execute(f"SELECT count(*) FROM snapshot.{schema}.{table}").fetchall()[0][0]
            con.execute(f"COPY {schema}.{table} TO '{tmp_parquet / f'{schema}.{table}.parquet'}' (FORMAT parquet)")
        catalog = [(s, t, None, "table", descriptions[f"{s}.{t}"].description if f"{s}.{t}" in descriptions else None,
                    descriptions[f"{s}.{t}"].description_vi if f"{s}.{t}" in descriptions else None)
                   for s, t in tables]
        catalog += [(s, t, c, d, None, None) for s, t, c, d, _ in columns]
        con.execute("CREATE TABLE snapshot.main.catalog (table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR, "
                    "data_type VARCHAR, description_en VARCHAR, description_vi VARCHAR)")
        con.executemany("INSERT INTO snapshot.main.catalog VALUES (?, ?, ?, ?, ?, ?)", catalog)
        con.execute("CREATE TABLE snapshot.main.refresh AS SELECT ? AS run_id, ?::TIMESTAMPTZ AS refreshed_at",
                    [run_id, datetime.now(timezone.utc)])
        con.execute("DETACH snapshot")
        tmp_db.replace(published_dir / "csdl.duckdb")
        target = published_dir / "parquet"
        retired = published_dir / f".retired-{uuid.uuid4().hex}"
        if target.exists():
            target.rename(retired)
        tmp_parquet.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        if any(db == "snapshot" for (db,) in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()):
            con.execute("DETACH snapshot")
        tmp_db.unlink(missing_ok=True)
        shutil.rmtree(tmp_parquet, ignore_errors=True)
    return counts
