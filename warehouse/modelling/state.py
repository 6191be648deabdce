"""What an incremental build starts from: the last build of each model, kept in `quality.model_builds`."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import duckdb

from warehouse.database import table_exists

if TYPE_CHECKING:
    from warehouse.modelling.model import Model


def last_build(con: duckdb.DuckDBPyConnection, model: Model) -> tuple | None:
    """(definition hash, inputs fingerprint, load ids, incremental) of the model's last build, if any."""
    rows = con.execute(
        "SELECT definition_hash, inputs_fingerprint, load_ids, incremental FROM quality.model_builds WHERE model = ?",
        [model.table],
    ).fetchall()
    return rows[0] if rows else None


def current_state(con: duckdb.DuckDBPyConnection, model: Model) -> dict | None:
    """For a model declaring an incremental key: what it reads now (`inputs`) and the raw loads (`loads`)."""
    if not model.incremental_key:
        return None
    return {
        "inputs": _inputs_fingerprint(con, model),
        "loads": sorted(
            r[0] for r in con.execute(f"SELECT DISTINCT _dlt_load_id FROM {model.driving_table}").fetchall()
        ),
    }


def _inputs_fingerprint(con: duckdb.DuckDBPyConnection, model: Model) -> str:
    """Contents of everything an incremental model reads besides its raw table (dlt's own columns left
    out: reference tables are replaced whole on every load), and the corrections applied to its raw rows."""
    parts = []
    for table in (d for d in model.dependencies if d != model.driving_table):
        parts.append(
            con.execute(f"""SELECT count(*), sum(hash(r)) FROM (
            SELECT COLUMNS(lambda c: NOT starts_with(c, '_dlt_')) FROM {table}) AS r""").fetchall()[0]
        )
    parts.append(
        con.execute(
            "SELECT count(*), max(applied_at) FROM quality.corrections WHERE model = ?", [model.table]
        ).fetchall()[0]
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def unprocessed_loads(
    con: duckdb.DuckDBPyConnection, model: Model, state: dict, last: tuple | None
) -> list[str] | None:
    """The raw loads the `last` build did not process, or None when the model must be built whole."""
    if (
        not table_exists(con, model.layer, model.name)
        or not last
        or last[0] != model.definition_hash
        or last[1] != state["inputs"]
        or last[2] is None
    ):
        return None
    return sorted(set(state["loads"]) - set(last[2]))


def forget(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    """Forgets the last build first: a build cut short leaves no state, so the next one is whole."""
    con.execute("DELETE FROM quality.model_builds WHERE model = ?", [model.table])


def remember(
    con: duckdb.DuckDBPyConnection,
    model: Model,
    state: dict | None,
    loads: list[str] | None,
    incremental: bool,
    processed: int,
) -> None:
    con.execute(
        "INSERT INTO quality.model_builds VALUES (?, ?, ?, ?, ?, ?, now())",
        [model.table, model.definition_hash, state and state["inputs"], loads, incremental, processed],
    )
