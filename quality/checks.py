"""The quality checks of every staging, core and mart table, as Dagster asset checks.

A table's Great Expectations suite becomes one check per kind of rule, named for what it checks
(`keys_unique`, `required_values_present`, `codes_in_code_lists`, `values_in_range`, `dates_in_order`,
`text_in_nfc`, ...), each listing its expectations in its description and the failing ones, with
their counts and samples, in its metadata. A check is blocking when its expectations are (a failure
stops everything downstream in the run, publishing included, so the last good snapshot stays in place);
a kind with warnings too on the same table gets a second check, `<name>_warnings` (reported and alerted
on, never blocking). Staging tables that quarantine get `rows_reconcile` and mapping tables
`every_record_resolved_once`, both blocking. Every result is also kept in `quality.check_results`, with
its severity (ERROR or WARN).

The checks run in the step that builds their table (assets/warehouse.py), right after it; one
validation of the table serves all its checks.
"""

import json
import re

import dagster as dg

from quality.suites import BLOCKING, MOJIBAKE, NOT_NFC, WARNING, Expectation
from quality.validation import validate_table

RECONCILE = "rows_reconcile"
RESOLVED_ONCE = "every_record_resolved_once"
# The check an expectation belongs to, by its Great Expectations class.
_KINDS = {
    "ExpectColumnValuesToBeUnique": "keys_unique",
    "ExpectCompoundColumnsToBeUnique": "keys_unique",
    "ExpectColumnValuesToNotBeNull": "required_values_present",
    "ExpectColumnValuesToBeInSet": "codes_in_code_lists",
    "ExpectColumnValuesToBeBetween": "values_in_range",
    "ExpectColumnPairValuesAToBeGreaterThanB": "dates_in_order",
    "ExpectColumnValuesToMatchRegex": "identifiers_well_formed",
    "ExpectColumnValuesToNotMatchRegex": "text_patterns_absent",
    "ExpectColumnValuesToBeNull": "rows_not_flagged",
}


def record(
    con, run_id: str, table: str, check_name: str, passed: bool, failed: int, details: dict, severity: str = BLOCKING
) -> None:
    con.execute(
        "INSERT INTO quality.check_results VALUES (?, ?, ?, ?, ?, ?, ?, now())",
        [run_id, table, check_name, passed, severity, failed, json.dumps(details, ensure_ascii=False)],
    )


def _key(table: str) -> dg.AssetKey:
    return dg.AssetKey(table.split("."))


def _kind(expectation: Expectation) -> str:
    name, kwargs = expectation[:2]
    if name == "ExpectColumnValuesToNotBeNull" and kwargs.get("row_condition"):
        return "references_resolved"
    if name == "ExpectColumnValuesToNotMatchRegex":
        return {NOT_NFC: "text_in_nfc", MOJIBAKE: "text_without_mojibake"}.get(kwargs["regex"], _KINDS[name])
    # any other Great Expectations class a yml names: its own words (ExpectColumnMeanToBeBetween -> column_mean_...)
    return _KINDS.get(name) or re.sub(r"(?<!^)(?=[A-Z])", "_", name.removeprefix("Expect")).lower()


def what(expectation: Expectation) -> str:
    """What an expectation says, in words: `title is present`, `sex is one of nam, nu`."""
    name, kw = expectation[:2]
    column = kw.get("column") or f"({', '.join(kw.get('column_list') or [])})"
    values = kw.get("value_set") or []
    low, high = kw.get("min_value"), kw.get("max_value")
    kind = _kind(expectation)
    return {
        "keys_unique": f"{column} is unique",
        "required_values_present": f"{column} is present",
        "references_resolved": f"{column} is present wherever {(kw.get('row_condition') or ('', ''))[1]} is",
        "codes_in_code_lists": f"{column} is one of "
        + (
            ", ".join(map(str, values))
            if len(values) <= 6
            else f"{len(values)} codes ({', '.join(map(str, values[:3]))}, ...)"
        ),
        "values_in_range": f"{column} is "
        + (
            f"between {low} and {high}"
            if low is not None and high is not None
            else f"at least {low}"
            if low is not None
            else f"at most {high}"
        ),
        "dates_in_order": f"{kw.get('column_A')} is not before {kw.get('column_B')}",
        "identifiers_well_formed": f"{column} matches {kw.get('regex')}",
        "text_in_nfc": f"{column} is in Unicode NFC (no combining marks)",
        "text_without_mojibake": f"{column} has no mojibake (text decoded with the wrong code page)",
        "text_patterns_absent": f"{column} does not match {kw.get('regex')}",
        "rows_not_flagged": f"{column} is empty",
    }.get(kind, f"{column}: {name}({', '.join(f'{k}={v}' for k, v in kw.items() if k != 'column')})")


def gx_checks(expectations: list[Expectation]) -> dict[str, tuple[str, list[int]]]:
    """The suite's checks: name -> (severity, positions of its expectations in the suite)."""
    grouped: dict[tuple[str, str], list[int]] = {}
    for position, expectation in enumerate(expectations):
        grouped.setdefault((_kind(expectation), expectation[2]), []).append(position)
    kinds = [kind for kind, _ in grouped]
    return {
        (f"{kind}_warnings" if severity == WARNING and kinds.count(kind) > 1 else kind): (severity, positions)
        for (kind, severity), positions in grouped.items()
    }


def gx_check_specs(table: str, expectations: list[Expectation]) -> list[dg.AssetCheckSpec]:
    specs = []
    for name, (severity, positions) in gx_checks(expectations).items():
        rules = "; ".join(what(expectations[p]) for p in positions)
        effect = "Blocking: a failure stops publishing" if severity == BLOCKING else "Warning: reported, never blocking"
        specs.append(
            dg.AssetCheckSpec(
                name,
                asset=_key(table),
                blocking=severity == BLOCKING,
                description=f"{effect}. {rules}.",
                metadata={"expectations": len(positions)},
            )
        )
    return specs


def reconcile_spec(table: str, raw_table: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        RECONCILE,
        asset=_key(table),
        blocking=True,
        description=f"Every row of {raw_table} is either in {table} or in quality.quarantine.",
    )


def resolved_once_spec(table: str, source_table: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        RESOLVED_ONCE,
        asset=_key(table),
        blocking=True,
        description=f"Every record of {source_table} has exactly one row in {table}.",
    )


def run_gx_checks(
    con, run_id: str, table: str, expectations: list[Expectation], names: set[str], incremental: bool = True
) -> list[dg.AssetCheckResult]:
    """The suite's checks from one validation of the table; `names` are the checks asked for."""
    validation = validate_table(con, table, expectations, incremental=incremental)
    results = []
    for check_name, (severity, positions) in gx_checks(expectations).items():
        if check_name not in names:
            continue
        failures = {
            what(expectations[p]): {
                "unexpected": validation.outcomes[p].unexpected_count,
                "sample": validation.outcomes[p].sample,
            }
            for p in positions
            if not validation.outcomes[p].success
        }
        record(con, run_id, table, check_name, not failures, len(failures), failures, severity)
        results.append(
            dg.AssetCheckResult(
                asset_key=_key(table),
                check_name=check_name,
                passed=not failures,
                severity=dg.AssetCheckSeverity.ERROR if severity == BLOCKING else dg.AssetCheckSeverity.WARN,
                metadata={
                    "rows": validation.rows,
                    "rows_read": validation.rows_read,
                    "expectations": len(positions),
                    "failed": len(failures),
                    "failing_expectations": dg.MetadataValue.json(failures),
                },
                description=(
                    f"all {len(positions)} expectations met"
                    if not failures
                    else "; ".join(
                        f"{rule}: {v['unexpected']} rows, e.g. {v['sample'][:3]}" for rule, v in failures.items()
                    )
                ),
            )
        )
    return results


def run_reconcile(con, run_id: str, table: str, raw_table: str) -> dg.AssetCheckResult:
    """Rows in the raw table = rows kept in the staging table + rows it quarantined."""
    received, kept, quarantined = con.execute(
        f"""
        SELECT (SELECT count(*) FROM {raw_table}), (SELECT count(*) FROM {table}),
               (SELECT count(*) FROM quality.quarantine WHERE model = ?)""",
        [table],
    ).fetchall()[0]
    passed = received == kept + quarantined
    counts = {"received": received, "kept": kept, "quarantined": quarantined}
    record(con, run_id, table, RECONCILE, passed, 0 if passed else 1, counts)
    return dg.AssetCheckResult(
        asset_key=_key(table),
        check_name=RECONCILE,
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=counts,
        description=None
        if passed
        else f"{received} rows received but {kept} kept + {quarantined} quarantined: {received - kept - quarantined} unaccounted for",
    )


def run_resolved_once(con, run_id: str, table: str, source_table: str, where: str = "") -> dg.AssetCheckResult:
    """Every source record resolves to exactly one entity: none left out, none resolved twice."""
    missing, repeated = con.execute(f"""
        SELECT (SELECT count(*) FROM {source_table} AS s WHERE ({where or "true"})
                AND NOT EXISTS (SELECT 1 FROM {table} AS m
                                WHERE m.source_system = s.source_system AND m.source_id = s.source_id)),
               (SELECT count(*) FROM (SELECT source_system, source_id FROM {table}
                                      GROUP BY ALL HAVING count(*) > 1))""").fetchall()[0]
    passed = missing == 0 and repeated == 0
    counts = {"unresolved_records": missing, "records_resolved_twice": repeated}
    record(con, run_id, table, RESOLVED_ONCE, passed, 0 if passed else 1, counts)
    return dg.AssetCheckResult(
        asset_key=_key(table),
        check_name=RESOLVED_ONCE,
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=counts,
        description=None if passed else f"{missing} records of {source_table} unresolved, {repeated} resolved twice",
    )
