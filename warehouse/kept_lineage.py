"""Column-level lineage of a model, as its model object computes it with sqlglot (about 1 s for all models),
kept in `quality.model_lineage` until the model's SQL or the columns it reads change. The Dagster assets show
it as column lineage; the data dictionary of each snapshot shows it too."""

from __future__ import annotations

import hashlib
import json

import duckdb

from warehouse.database import table_exists
from warehouse.modelling import Model


def model_lineage(con: duckdb.DuckDBPyConnection, model: Model) -> dict[str, list[tuple[str, str]]]:
    """For each output column of `model`, the (table, column) pairs it is computed from."""
    schemas: dict = {}
    for table in model.dependencies:  # column types of what the model reads, for sqlglot
        schema, name = table.split(".")
        schemas.setdefault(schema, {})[name] = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = current_database() "
                "AND table_schema = ? AND table_name = ?",
                [schema, name],
            ).fetchall()
        )
    fingerprint = hashlib.sha256(json.dumps([model.sql, schemas], sort_keys=True).encode()).hexdigest()
    kept_here = table_exists(con, "quality", "model_lineage")
    kept = (
        con.execute(
            "SELECT lineage FROM quality.model_lineage WHERE model = ? AND fingerprint = ?", [model.table, fingerprint]
        ).fetchall()
        if kept_here
        else []
    )
    if kept:
        return {column: [tuple(pair) for pair in pairs] for column, pairs in json.loads(kept[0][0]).items()}
    lineage = model.column_lineage(schemas)
    if lineage and kept_here:  # none (sqlglot could not trace the SQL) is tried again next time
        con.execute("DELETE FROM quality.model_lineage WHERE model = ?", [model.table])
        con.execute(
            "INSERT INTO quality.model_lineage VALUES (?, ?, ?)", [model.table, fingerprint, json.dumps(lineage)]
        )
    return lineage
