"""The working DuckDB warehouse: where it lives, how to open it, what every connection needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from sources.vietnamese import normalize
from warehouse.names import person_key

QUALITY_DDL = [
    "CREATE SCHEMA IF NOT EXISTS quality",
    """CREATE TABLE IF NOT EXISTS quality.quarantine (
        model VARCHAR, source_system VARCHAR, source_key VARCHAR, reason VARCHAR, raw_record JSON,
        load_id VARCHAR, quarantined_at TIMESTAMP WITH TIME ZONE)""",
    """CREATE TABLE IF NOT EXISTS quality.check_results (
        run_id VARCHAR, asset_key VARCHAR, check_name VARCHAR, passed BOOLEAN, severity VARCHAR,
        failed_expectations INTEGER, details JSON, checked_at TIMESTAMP WITH TIME ZONE)""",
    # Rows that met every row-level expectation of their table's suite version (quality/validation.py).
    "CREATE TABLE IF NOT EXISTS quality.validated_rows (table_name VARCHAR, suite_version VARCHAR, row_hash UBIGINT)",
    # Column lineage of each model, kept while its SQL and the columns it reads stay the same (assets/warehouse.py).
    "CREATE TABLE IF NOT EXISTS quality.model_lineage (model VARCHAR, fingerprint VARCHAR, lineage JSON)",
    # One row per problem while it lasts (quality/alerts.py): opened once, closed when it is gone.
    """CREATE TABLE IF NOT EXISTS quality.alerts (
        alert_id VARCHAR, problem_key VARCHAR, kind VARCHAR, severity VARCHAR, subject VARCHAR, message VARCHAR,
        details JSON, opened_at TIMESTAMP WITH TIME ZONE, last_seen_at TIMESTAMP WITH TIME ZONE,
        closed_at TIMESTAMP WITH TIME ZONE, opened_sent_to VARCHAR[], closed_sent_to VARCHAR[])""",
    # Fixes operators applied to quarantined records before replaying them (quality/quarantine.py).
    """CREATE TABLE IF NOT EXISTS quality.corrections (
        model VARCHAR, source_key VARCHAR, raw_table VARCHAR, reason VARCHAR, original JSON, corrected JSON,
        changed_fields VARCHAR[], applied_by VARCHAR, applied_at TIMESTAMP WITH TIME ZONE)""",
    # The last build of each model (warehouse/modelling/state.py): what an incremental build starts from.
    """CREATE TABLE IF NOT EXISTS quality.model_builds (
        model VARCHAR, definition_hash VARCHAR, inputs_fingerprint VARCHAR, load_ids VARCHAR[],
        incremental BOOLEAN, processed BIGINT, built_at TIMESTAMP WITH TIME ZONE)""",
]
# Python functions the SQL models call for Vietnamese text.
TEXT_FUNCTIONS = {"vi_normalize": normalize, "person_key": person_key}


def _per_distinct_value(fn: Callable[[str | None], str | None]) -> Callable[[pa.ChunkedArray], pa.Array]:
    """`fn` as a DuckDB Arrow function: called once per distinct value of each batch DuckDB passes,
    not once per row through DuckDB's row-at-a-time Python bridge."""

    def apply(values: pa.ChunkedArray) -> pa.Array:
        encoded = values.combine_chunks().dictionary_encode()  # nulls stay null indices
        results = pa.array([fn(text) for text in encoded.dictionary.to_pylist()], type=pa.string())
        return results.take(encoded.indices)

    return apply


@contextmanager
def connect(
    path: Path | str, read_only: bool = False, variables: dict[str, str] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Opens the warehouse with the text functions registered and `variables` set (read by `getvariable`)."""
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        for name, value in (variables or {}).items():
            con.execute(f"SET VARIABLE {name} = ?", [value])
        for name, fn in TEXT_FUNCTIONS.items():
            con.create_function(
                name,
                _per_distinct_value(fn),
                [duckdb.sqltype("VARCHAR")],
                duckdb.sqltype("VARCHAR"),
                type="arrow",
                side_effects=False,
                null_handling="special",
            )  # they may return null for text, e.g. person_key("-")
        if not read_only:
            for ddl in QUALITY_DDL:
                con.execute(ddl)
        yield con
    finally:
        con.close()


def table_exists(con, schema: str, table: str) -> bool:
    return con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchall() == [(1,)]
