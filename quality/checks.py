"""The quality checks of every staging, core and mart table, as Dagster asset checks.

Each table gets `great_expectations` (its blocking expectations: a failure stops everything downstream
in the run, publishing included, so the last good snapshot stays in place) and, where its suite has
any, `great_expectations_warnings` (reported and alerted on, never blocking). Staging tables that
quarantine get `rows_reconcile` and mapping tables `every_record_resolved_once`, both blocking.
Every result is also kept in `quality.check_results`, with its severity (ERROR or WARN).

The checks run in the step that builds their table (assets/warehouse.py), right after it.
"""

import json

import dagster as dg

from quality.suites import BLOCKING, WARNING, Expectation
from quality.validation import validate_table

GX_CHECKS = {BLOCKING: "great_expectations", WARNING: "great_expectations_warnings"}
RECONCILE = "rows_reconcile"
RESOLVED_ONCE = "every_record_resolved_once"


def record(con, run_id: str, table: str, check_name: str, passed: bool, failed: int, details: dict,
           severity: str = BLOCKING) -> None:
    con.execute("INSERT INTO quality.check_results VALUES (?, ?, ?, ?, ?, ?, ?, now())",
                [run_id, table, check_name, passed, severity, failed, json.dumps(details, ensure_ascii=False)])


def _key(table: str) -> dg.AssetKey:
    return dg.AssetKey(table.split("."))


def gx_check_specs(table: str, expectations: list[Expectation]) -> list[dg.AssetCheckSpec]:
    specs = []
    for severity, name in GX_CHECKS.items():
        count = sum(1 for e in expectations if e[2] == severity)
        if count or severity == BLOCKING:
            specs.append(dg.AssetCheckSpec(
                name, asset=_key(table), blocking=severity == BLOCKING,
                description=f"Great Expectations suite for {table} "
                            f"({'blocking: a failure stops publishing' if severity == BLOCKING else 'warnings: reported, never blocking'}): "
                            f"{count} expectations."))
    return specs


def reconcile_spec(table: str, raw_table: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(RECONCILE, asset=_key(table), blocking=True,
                             description=f"Every row of {raw_table} is either in {table} or in quality.quarantine.")


def resolved_once_spec(table: str, source_table: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(RESOLVED_ONCE, asset=_key(table), blocking=True,
                             description=f"Every record of {source_table} has exactly one row in {table}.")


def run_gx_checks(con, run_id: str, table: str, expectations: list[Expectation], names: set[str],
                  incremental: bool = True) -> list[dg.AssetCheckResult]:
    """The suite's blocking and warning expectations from one validation of the table; `names` are the
    checks asked for."""
    validation = validate_table(con, table, expectations, incremental=incremental)
    results = []
    for severity, check_name in GX_CHECKS.items():
        outcomes = [o for o in validation.outcomes if o.severity == severity]
        if check_name not in names or not (outcomes or severity == BLOCKING):
            continue
        failures = [o for o in outcomes if not o.success]
        details = {f"{o.expectation}({o.column})": {"unexpected": o.unexpected_count, "sample": o.sample}
                   for o in failures}
        record(con, run_id, table, check_name, not failures, len(failures), details, severity)
        results.append(dg.AssetCheckResult(
            asset_key=_key(table), check_name=check_name, passed=not failures,
            severity=dg.AssetCheckSeverity.ERROR if severity == BLOCKING else dg.AssetCheckSeverity.WARN,
            metadata={"rows": validation.rows, "rows_read": validation.rows_read, "expectations": len(outcomes),
                      "failed": len(failures), "failures": dg.MetadataValue.json(details)},
            description=("all expectations met" if not failures else "; ".join(
                f"{k}: {v['unexpected']} rows, e.g. {v['sample'][:3]}" for k, v in details.items()))))
    return results


def run_reconcile(con, run_id: str, table: str, raw_table: str) -> dg.AssetCheckResult:
    """Rows in the raw table = rows kept in the staging table + rows it quarantined."""
    received, kept, quarantined = con.execute(f"""
        SELECT (SELECT count(*) FROM {raw_table}), (SELECT count(*) FROM {table}),
               (SELECT count(*) FROM quality.quarantine WHERE model = ?)""", [table]).fetchall()[0]
    passed = received == kept + quarantined
    counts = {"received": received, "kept": kept, "quarantined": quarantined}
    record(con, run_id, table, RECONCILE, passed, 0 if passed else 1, counts)
    return dg.AssetCheckResult(
        asset_key=_key(table), check_name=RECONCILE, passed=passed, severity=dg.AssetCheckSeverity.ERROR,
        metadata=counts, description=None if passed else
        f"{received} rows received but {kept} kept + {quarantined} quarantined: {received - kept - quarantined} unaccounted for")


def run_resolved_once(con, run_id: str, table: str, source_table: str, where: str = "") -> dg.AssetCheckResult:
    """Every source record resolves to exactly one entity: none left out, none resolved twice."""
    missing, repeated = con.execute(f"""
        SELECT (SELECT count(*) FROM {source_table} AS s WHERE ({where or 'true'})
                AND NOT EXISTS (SELECT 1 FROM {table} AS m
                                WHERE m.source_system = s.source_system AND m.source_id = s.source_id)),
               (SELECT count(*) FROM (SELECT source_system, source_id FROM {table}
                                      GROUP BY ALL HAVING count(*) > 1))""").fetchall()[0]
    passed = missing == 0 and repeated == 0
    counts = {"unresolved_records": missing, "records_resolved_twice": repeated}
    record(con, run_id, table, RESOLVED_ONCE, passed, 0 if passed else 1, counts)
    return dg.AssetCheckResult(
        asset_key=_key(table), check_name=RESOLVED_ONCE, passed=passed, severity=dg.AssetCheckSeverity.ERROR,
        metadata=counts,
        description=None if passed else f"{missing} records of {source_table} unresolved, {repeated} resolved twice")
