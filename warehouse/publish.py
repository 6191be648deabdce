"""Publishing the analysts' snapshot under `published/`: `csdl.duckdb`, `parquet/` and `provinces/<code>/`.

Everything is written into a fresh folder beside its final place, and each part (the DuckDB file, the
Parquet folder, the province folder) is then renamed into place: a reader of one part sees its old
version or its new one, never half of one. Personal identifiers never leave the
working warehouse.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from warehouse.catalog import describe
from warehouse.models import Model

PUBLISHED_SCHEMAS = ("core", "marts")
PERSONAL_COLUMNS = {"national_id", "email", "phone", "birth_date", "cccd", "so_dien_thoai"}
# What each province's Department of S&T gets back: its own rows of these tables. Each query gives the
# rows and `_province`, the current province they go to.
PROVINCE_SLICES = {
    "fct_task": "SELECT *, current_province_code AS _province FROM core.fct_task",
    "dim_organization": "SELECT *, province_code AS _province FROM core.dim_organization",
    "fct_statistic": "SELECT *, current_province_code AS _province FROM core.fct_statistic",
    "indicators_by_province_year": """
        SELECT i.*, CASE i.unit_set WHEN '34' THEN i.province_code WHEN '63' THEN p.successor_code END AS _province
        FROM marts.indicators_by_province_year i
        LEFT JOIN core.dim_province p ON p.province_code = i.province_code AND NOT p.is_current""",
    "reporting_completeness": "SELECT *, successor_code AS _province FROM marts.reporting_completeness",
}
PARTS = ("csdl.duckdb", "parquet", "provinces")


class PublishError(RuntimeError):
    pass


def _published_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    return con.execute(
        "SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
        f"WHERE c.table_catalog = current_database() AND c.table_schema IN {PUBLISHED_SCHEMAS} "
        "AND t.table_type = 'BASE TABLE' ORDER BY 1, 2, c.ordinal_position").fetchall()


def publish(con: duckdb.DuckDBPyConnection, published_dir: Path, run_id: str, models: list[Model]) -> dict:
    """Copies core and marts into a fresh snapshot with its catalog and province slices; returns {table: rows}."""
    columns = _published_columns(con)
    leaked = sorted({f"{s}.{t}.{c}" for s, t, c, _ in columns if c.lower() in PERSONAL_COLUMNS})
    if leaked:
        raise PublishError(f"refusing to publish personal identifiers: {', '.join(leaked)}; "
                           "drop these columns from the core/marts models")
    tables = list(dict.fromkeys((s, t) for s, t, _, _ in columns))
    models_by_table = {m.table: m for m in models}
    published_dir.mkdir(parents=True, exist_ok=True)
    work = published_dir / f".publishing-{uuid.uuid4().hex}"
    (work / "parquet").mkdir(parents=True)
    counts = {}
    try:
        con.execute(f"ATTACH '{work / 'csdl.duckdb'}' AS snapshot")
        try:
            for schema in PUBLISHED_SCHEMAS:
                con.execute(f"CREATE SCHEMA snapshot.{schema}")
            for schema, table in tables:
                con.execute(f"CREATE TABLE snapshot.{schema}.{table} AS SELECT * FROM {schema}.{table}")
                counts[f"{schema}.{table}"] = con.execute(
                    f"SELECT count(*) FROM snapshot.{schema}.{table}").fetchall()[0][0]
                con.execute(f"COPY {schema}.{table} TO '{work / 'parquet' / f'{schema}.{table}.parquet'}' (FORMAT parquet)")
            catalog = []
            for schema, table in tables:
                model = models_by_table.get(f"{schema}.{table}")
                catalog.append((schema, table, None, "table", model and model.description, model and model.description_vi))
            catalog += [(s, t, c, d, *describe(t, c)) for s, t, c, d in columns]
            con.execute("CREATE TABLE snapshot.main.catalog (table_schema VARCHAR, table_name VARCHAR, "
                        "column_name VARCHAR, data_type VARCHAR, description_en VARCHAR, description_vi VARCHAR)")
            con.executemany("INSERT INTO snapshot.main.catalog VALUES (?, ?, ?, ?, ?, ?)", catalog)
            con.execute("CREATE TABLE snapshot.main.refresh AS SELECT ? AS run_id, ?::TIMESTAMPTZ AS refreshed_at",
                        [run_id, datetime.now(timezone.utc)])
        finally:
            con.execute("DETACH snapshot")
        _write_province_slices(con, work / "provinces")
        for part in PARTS:  # swap each part into place; the old one is removed only after
            target, retired = published_dir / part, published_dir / f".retired-{uuid.uuid4().hex}"
            if target.exists():
                target.rename(retired)
            (work / part).rename(target)
            if retired.is_dir():
                shutil.rmtree(retired)
            else:
                retired.unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return counts


def _write_province_slices(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """`<folder>/<code>/<table>.parquet` for every current province and slice, empty where it has no rows.
    One partitioned COPY per table (not one per province and table), its parts then renamed into place."""
    folder.mkdir()
    available = {t for (t,) in con.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables "
                                           "WHERE table_catalog = current_database()").fetchall()}
    if "core.dim_province" not in available:
        return
    codes = [c for (c,) in con.execute("SELECT province_code FROM core.dim_province WHERE is_current ORDER BY 1").fetchall()]
    for code in codes:
        (folder / code).mkdir()
    parts = folder / ".parts"
    parts.mkdir()
    for name, query in PROVINCE_SLICES.items():
        if not any(t.endswith(f".{name}") for t in available):
            continue
        con.execute(f"""COPY (SELECT * FROM ({query}) WHERE _province IN (SELECT unnest(?)))
                        TO '{parts / name}' (FORMAT parquet, PARTITION_BY (_province))""", [codes])
        empty = parts / f"{name}.parquet"
        con.execute(f"COPY (SELECT * EXCLUDE (_province) FROM ({query}) LIMIT 0) TO '{empty}' (FORMAT parquet)")
        for code in codes:
            target = folder / code / f"{name}.parquet"
            written = sorted((parts / name / f"_province={code}").glob("*.parquet"))
            if len(written) == 1:
                written[0].rename(target)
            elif written:  # DuckDB closed the partition's file early and went on in another: merged
                con.execute(f"COPY (SELECT * FROM read_parquet(?, hive_partitioning = false)) TO '{target}' (FORMAT parquet)",
                            [[str(p) for p in written]])
            else:
                shutil.copyfile(empty, target)
    shutil.rmtree(parts, ignore_errors=True)
