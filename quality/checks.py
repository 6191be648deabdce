"""Dagster asset checks: Great Expectations suites on published tables, and load reconciliation.

Both are blocking: a failure stops everything downstream in the run, publishing included, so the
last good snapshot stays in place. Every result is also kept in `quality.check_results`.
"""


import json

import dagster as dg

from assets.resources import DuckDBWarehouse
from quality.great_expectations import validate
from quality.suites import suites
from warehouse.models import Model


def _record(con, context: dg.AssetCheckExecutionContext, asset_key: str, check_name: str, passed: bool,
            failed: int, details: dict) -> None:
    con.execute("INSERT INTO quality.check_results VALUES (?, ?, ?, ?, 'ERROR', ?, ?, now())",
                [context.run.run_id, asset_key, check_name, passed, failed, json.dumps(details, ensure_ascii=False)])


def gx_suite_check(table: str, expectations: list[tuple[str, dict]]) -> dg.AssetChecksDefinition:
    asset_key = dg.AssetKey(table.split("."))

    @dg.asset_check(asset=asset_key, name="great_expectations", blocking=True, pool="duckdb",
                    description=f"Great Expectations suite for {table}: {len(expectations)} expectations.")
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBWarehouse) -> dg.AssetCheckResult:
        with duckdb.connect() as con:
            frame = con.sql(f"SELECT * FROM {table}").df()
            outcomes = validate(table.replace(".", "__"), frame, expectations)
            failures = [o for o in outcomes if not o.success]
            details = {f"{o.expectation}({o.column})": {"unexpected": o.unexpected_count, "sample": o.sample}
                       for o in failures}
            _record(con, context, table, "great_expectations", not failures, len(failures), details)
        return dg.AssetCheckResult(
            passed=not failures, severity=dg.AssetCheckSeverity.ERROR,
            metadata={"rows": len(frame), "expectations": len(outcomes), "failed": len(failures),
                      "failures": dg.MetadataValue.json(details)},
            description=("all expectations met" if not failures else
                         "; ".join(f"{k}: {v['unexpected']} rows, e.g. {v['sample'][:3]}" for k, v in details.items())))

    return _check


def reconciliation_check(model: Model, raw_table: str) -> dg.AssetChecksDefinition:
    """Rows in the raw table = rows kept in the staging table + rows quarantined by it."""

    @dg.asset_check(asset=dg.AssetKey(model.asset_path), name="rows_reconcile", blocking=True, pool="duckdb",
                    description=f"Every row of {raw_table} is either in {model.table} or in quality.quarantine.")
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBWarehouse) -> dg.AssetCheckResult:
        with duckdb.connect() as con:
            received, kept, quarantined = con.execute(f"""
                SELECT (SELECT count(*) FROM {raw_table}), (SELECT count(*) FROM {model.table}),
                       (SELECT count(*) FROM quality.quarantine WHERE model = ?)""", [model.table]).fetchall()[0]
            passed = received == kept + quarantined
            counts = {"received": received, "kept": kept, "quarantined": quarantined}
            _record(con, context, model.table, "rows_reconcile", passed, 0 if passed else 1, counts)
        return dg.AssetCheckResult(
            passed=passed, severity=dg.AssetCheckSeverity.ERROR, metadata=counts,
            description=None if passed else
            f"{received} rows received but {kept} kept + {quarantined} quarantined: {received - kept - quarantined} unaccounted for")

    return _check


def build_checks(models: list[Model]) -> list[dg.AssetChecksDefinition]:
    checks = [gx_suite_check(table, expectations) for table, expectations in suites().items()]
    for model in models:
        if model.quarantines:
            raw = [d for d in model.dependencies if d.startswith("raw_")]
            checks.append(reconciliation_check(model, raw[0]))
    return checks
