"""Building a model's table, whole or incrementally, with the rows it rejects written to `quality.quarantine`."""

from __future__ import annotations

import duckdb

from warehouse.modelling import state
from warehouse.modelling.lineage import REJECT_COLUMNS
from warehouse.modelling.model import Model, ModelError
from warehouse.modelling.row_wise import QUARANTINE_KEY


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
    last = state.last_build(con, model)
    # the SQL is analysed (a quarter of a second for all models) until a build of this definition was incremental
    checked = last and last[0] == model.definition_hash and last[3]
    if incremental and model.incremental_key and not checked and model.row_wise_problems:
        raise ModelError(
            f"{model.table} declares `incremental_key: [{', '.join(model.incremental_key)}]` in "
            f"{model.name}.yml but cannot be built row by row: {'; '.join(model.row_wise_problems)}"
        )
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {model.layer}")
    now = state.current_state(con, model)
    new_loads = state.unprocessed_loads(con, model, now, last) if incremental and now else None
    state.forget(con, model)
    if new_loads is None:
        processed = _build(con, model, model.sql, whole=True)
    else:
        processed = _build(con, model, model.sql_for_loads(new_loads), whole=False) if new_loads else 0
    counts = _counts(con, model)
    if new_loads is not None and not counts["reconcile"]:
        new_loads, processed = None, _build(con, model, model.sql, whole=True)  # raw rows went away
        counts = _counts(con, model)
    # Loads are remembered only when the rows reconcile: the next build starts from them.
    state.remember(
        con, model, now, now["loads"] if now and counts["reconcile"] else None, new_loads is not None, processed
    )
    return {
        "received": counts["kept"] + counts["quarantined"],
        "kept": counts["kept"],
        "quarantined": counts["quarantined"],
        "processed": processed,
    }


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
            con.execute(
                f"DELETE FROM quality.quarantine AS t USING _model_candidates AS c WHERE t.model = ? AND {same_key}",
                [model.table],
            )
        con.execute(f"INSERT INTO {model.table} BY NAME SELECT {columns} FROM _model_candidates {kept}")
    if model.quarantines:
        con.execute(
            """INSERT INTO quality.quarantine
               SELECT ?, source_system, source_id, reject_reason, raw_record::JSON, _dlt_load_id, now()
               FROM _model_candidates WHERE reject_reason IS NOT NULL""",
            [model.table],
        )
    computed = con.execute("SELECT count(*) FROM _model_candidates").fetchall()[0][0]
    con.execute("DROP TABLE _model_candidates")
    return computed


def _counts(con: duckdb.DuckDBPyConnection, model: Model) -> dict:
    """Rows kept in the model's table and in the quarantine; for an incremental model, whether they
    reconcile with the rows of its raw table (one output row per raw row)."""
    kept = con.execute(f"SELECT count(*) FROM {model.table}").fetchall()[0][0]
    quarantined = (
        con.execute("SELECT count(*) FROM quality.quarantine WHERE model = ?", [model.table]).fetchall()[0][0]
        if model.quarantines
        else 0
    )
    received = (
        con.execute(f"SELECT count(*) FROM {model.driving_table}").fetchall()[0][0]
        if model.incremental_key
        else kept + quarantined
    )
    return {"kept": kept, "quarantined": quarantined, "reconcile": received == kept + quarantined}
