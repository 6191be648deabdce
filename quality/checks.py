"""Dagster asset checks: Great Expectations suites on staging, core and mart tables, and load reconciliation.

Each table gets `great_expectations` (its blocking expectations: a failure stops everything downstream
in the run, publishing included, so the last good snapshot stays in place) and, where its suite has
any, `great_expectations_warnings` (reported and alerted on, never blocking). `rows_reconcile` is
blocking. Every result is also kept in `quality.check_results`, with its severity (ERROR or WARN).
"""


import json

import dagster as dg

from assets.resources import DuckDBWarehouse
from quality.great_expectations import validate
from quality.suites import BLOCKING, WARNING, Expectation, suites
from warehouse.models import Model


def _record(con, context: dg.AssetCheckExecutionContext, asset_key: str, check_name: str, passed: bool,
            failed: int, details: dict, severity: str = BLOCKING) -> None:
    con.execute("INSERT INTO quality.check_results VALUES (?, ?, ?, ?, ?, ?, ?, now())",
                [context.run.run_id, asset_key, check_name, passed, severity, failed,
                 json.dumps(details, ensure_ascii=False)])


CHECK_NAMES = {BLOCKING: "great_expectations", WARNING: "great_expectations_warnings"}


def gx_suite_checks(table: str, expectations: list[Expectation]) -> dg.AssetChecksDefinition:
    """One step per table (the table is read once) reporting its blocking and its warning expectations
    as two checks: `great_expectations` blocks, `great_expectations_warnings` (if any) never does."""
    asset_key = dg.AssetKey(table.split("."))
    by_severity = {severity: [e for e in expectations if e[2] == severity] for severity in CHECK_NAMES}
    by_severity = {severity: chosen for severity, chosen in by_severity.items() if chosen or severity == BLOCKING}
    specs = [dg.AssetCheckSpec(
        CHECK_NAMES[severity], asset=asset_key, blocking=severity == BLOCKING,
        description=f"Great Expectations suite for {table} "
                    f"({'blocking: a failure stops publishing' if severity == BLOCKING else 'warnings: reported, never blocking'}): "
                    f"{len(chosen)} expectations.") for severity, chosen in by_severity.items()]

    @dg.multi_asset_check(specs=specs, name=f"{table.replace('.', '__')}__great_expectations", pool="duckdb")
    def _checks(context: dg.AssetCheckExecutionContext, duckdb: DuckDBWarehouse):
        with duckdb.connect() as con:
            frame = con.sql(f"SELECT * FROM {table}").df()
            for severity, chosen in by_severity.items():
                check_name = CHECK_NAMES[severity]
                outcomes = validate(f"{table.replace('.', '__')}__{check_name}", frame,
                                    [(name, kwargs) for name, kwargs, _ in chosen])
                failures = [o for o in outcomes if not o.success]
                details = {f"{o.expectation}({o.column})": {"unexpected": o.unexpected_count, "sample": o.sample}
                           for o in failures}
                _record(con, context, table, check_name, not failures, len(failures), details, severity)
                yield dg.AssetCheckResult(
                    asset_key=asset_key, check_name=check_name, passed=not failures,
                    severity=dg.AssetCheckSeverity.ERROR if severity == BLOCKING else dg.AssetCheckSeverity.WARN,
                    metadata={"rows": len(frame), "expectations": len(outcomes), "failed": len(failures),
                              "failures": dg.MetadataValue.json(details)},
                    description=("all expectations met" if not failures else "; ".join(
                        f"{k}: {v['unexpected']} rows, e.g. {v['sample'][:3]}" for k, v in details.items())))

    return _checks


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
    checks = []
    for table, expectations in suites().items():
        checks.append(gx_suite_checks(table, expectations))
    for model in models:
        if model.quarantines:
            raw = [d for d in model.dependencies if d.startswith("raw_")]
            checks.append(reconciliation_check(model, raw[0]))
    return checks
