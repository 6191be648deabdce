"""The warehouse build: every SQL model in `warehouse/models/` and every matcher, one asset each,
built in one step in dependency order and checked before anything is built from it (as `dbt build`
does). One step, because a step costs Dagster about 0.15 s whatever it does and the tables are many.

A blocking check that fails, or a table that cannot be built, stops what is built from that table,
in this step and after it (publishing included); independent tables are still built, and the step
then fails naming them. The UI shows each table as its own asset, with its own checks and history,
and any subset can be run (`can_subset`)."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import dagster as dg

from assets.ingest import PROVINCE_YEAR_KEY
from assets.metadata import column_schema, matcher_spec, model_spec
from assets.resources import DuckDBWarehouse
from quality.checks import (
    gx_check_specs,
    reconcile_spec,
    resolved_once_spec,
    run_gx_checks,
    run_reconcile,
    run_resolved_once,
)
from quality.great_expectations import warm_up_in_background
from quality.settings import ReportingRules
from quality.suites import suites
from warehouse.kept_lineage import model_lineage
from warehouse.matching.matcher import Matcher
from warehouse.matching.tables import MATCHERS, build_table
from warehouse.modelling import Model, discover, in_dependency_order, in_rounds, run_model

MODELS = discover()
SUITES = suites()
# Writers of a raw table besides its dlt asset: a model reading the table runs after them too.
OTHER_RAW_WRITERS = {
    "raw_provinces.report_rows": [PROVINCE_YEAR_KEY],
    "raw_provinces.report_files": [PROVINCE_YEAR_KEY],
}
# Raw tables a dlt resource writes beside its own (one pass over the intake writes rows and files).
WRITTEN_WITH = {"raw_provinces.report_files": "raw_provinces.report_rows"}


READS = {m.table: m.dependencies for m in [*MODELS, *MATCHERS]}


@cache
def source_families(table: str) -> frozenset[str]:
    """The source families (ministries, academies, provinces, reference) a table is built from."""
    if table.startswith("raw_"):
        return frozenset({table.split(".")[0].removeprefix("raw_")})
    return frozenset().union(*(source_families(d) for d in READS.get(table, [])))


def table_asset_key(table: str) -> dg.AssetKey:
    """`raw_ministries.tasks` -> raw/ministries/tasks; `core.fct_task` -> core/fct_task."""
    schema, name = WRITTEN_WITH.get(table, table).split(".")
    if schema.startswith("raw_"):
        return dg.AssetKey(["raw", schema.removeprefix("raw_"), name])
    return dg.AssetKey([schema, name])


class WarehouseBuildConfig(dg.Config):
    full_rebuild: bool = False
    """Rebuild every table whole and validate every row again, forgetting what earlier runs kept:
    after raw rows were corrected in place (`csdl quarantine replay`) or a suite was loosened."""


@dataclass(frozen=True)
class Step:
    """One table of the build: how to make it and which checks follow."""

    table: str
    deps: list[str]
    spec: dg.AssetSpec
    build: Callable  # (con, incremental) -> materialization metadata
    # (specs, run): `run(con, run_id, names asked for, incremental)` returns the results of those of its specs asked for
    checks: list[tuple[list[dg.AssetCheckSpec], Callable]]

    @property
    def check_specs(self) -> list[dg.AssetCheckSpec]:
        return [spec for specs, _ in self.checks for spec in specs]


def _column_lineage(model: Model, con) -> dg.TableColumnLineage:
    lineage = model_lineage(con, model)
    return dg.TableColumnLineage(
        {
            column: [dg.TableColumnDep(asset_key=table_asset_key(table), column_name=source) for table, source in deps]
            for column, deps in lineage.items()
        }
    )


def _build_model(model: Model):
    def build(con, incremental: bool) -> dict:
        counts = run_model(con, model, incremental=incremental)
        columns = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [model.layer, model.name],
        ).fetchall()
        return {
            "dagster/row_count": counts["kept"],
            "rows_received": counts["received"],
            "rows_quarantined": counts["quarantined"],
            "rows_computed": counts["processed"],
            "dagster/column_schema": column_schema(model.schema, columns),
            "dagster/column_lineage": _column_lineage(model, con),
        }

    return build


def _build_matcher(matcher: Matcher):
    def build(con, incremental: bool) -> dict:
        rows, found = build_table(con, matcher, incremental=incremental)
        return {"dagster/row_count": rows, matcher.counted: found}

    return build


def _gx(table: str) -> tuple[list[dg.AssetCheckSpec], Callable]:
    """Both Great Expectations checks of a table come from one validation."""
    suite = SUITES.get(table, [])
    return (
        gx_check_specs(table, suite),
        lambda con, run_id, names, incremental: run_gx_checks(con, run_id, table, suite, names, incremental),
    )


def _steps() -> list[Step]:
    steps = []
    for model in MODELS:
        raw = [d for d in model.dependencies if d.startswith("raw_")]
        checks = [_gx(model.table)]
        if model.quarantines:
            checks.append(
                (
                    [reconcile_spec(model.table, raw[0])],
                    lambda con, run_id, names, incremental, t=model.table, r=raw[0]: [run_reconcile(con, run_id, t, r)],
                )
            )
        deps = [table_asset_key(d) for d in model.dependencies] + [
            key for d in model.dependencies for key in OTHER_RAW_WRITERS.get(d, [])
        ]
        spec = model_spec(model, table_asset_key(model.table), deps, source_families(model.table))
        steps.append(Step(model.table, model.dependencies, spec, _build_model(model), checks))
    for matcher in MATCHERS:
        checks = [_gx(matcher.table)]
        if matcher.resolves:
            checks.append(
                (
                    [resolved_once_spec(matcher.table, matcher.resolves)],
                    lambda con, run_id, names, incremental, m=matcher: [
                        run_resolved_once(con, run_id, m.table, m.resolves, m.resolves_where)
                    ],
                )
            )
        spec = matcher_spec(
            matcher,
            table_asset_key(matcher.table),
            [table_asset_key(d) for d in matcher.dependencies],
            source_families(matcher.table),
        )
        steps.append(Step(matcher.table, matcher.dependencies, spec, _build_matcher(matcher), checks))
    return steps


# One build order for models and matchers (warehouse/modelling/order.py), in rounds: each reads only earlier rounds.
_BY_TABLE = {s.table: s for s in _steps()}
STEPS = [_BY_TABLE[n.table] for n in in_dependency_order([*MODELS, *MATCHERS])]
GENERATIONS = [[_BY_TABLE[n.table] for n in generation] for generation in in_rounds([*MODELS, *MATCHERS])]


@dg.multi_asset(
    name="warehouse",
    specs=[s.spec for s in STEPS],
    check_specs=[spec for s in STEPS for spec in s.check_specs],
    can_subset=True,
    pool="duckdb",
    description="Staging, matching, core and marts: every table built and checked in dependency order.",
)
def warehouse(
    context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse, reporting: ReportingRules, config: WarehouseBuildConfig
):
    selected = context.selected_asset_keys
    incremental = not config.full_rebuild
    stopped: dict[str, str] = {}  # table -> why it and what is built from it were not built
    broken: dict[str, str] = {}  # table -> the error that stopped its build or its checks: the step fails
    warm_up_in_background()  # Great Expectations takes seconds to import: while the first tables are built
    with duckdb.connect(reporting.sql_variables()) as con:
        # Each round's tables are all built before any of them is checked: the first round's builds run
        # while Great Expectations is still importing. A check still comes before what is built from its table.
        for generation in GENERATIONS:
            ready = []  # built (or not asked for) and not stopped: their checks run next
            for step in generation:
                upstream = next((d for d in step.deps if d in stopped), None)
                if upstream:
                    if step.spec.key in selected:
                        context.log.warning(f"{step.table} not built: {upstream} {stopped[upstream]}")
                    stopped[step.table] = f"is built from {upstream}, which was not"
                    continue
                if step.spec.key in selected:
                    started = time.perf_counter()
                    try:
                        metadata = step.build(con, incremental)
                    except Exception as exc:  # the rest of the build goes on; the step fails at the end
                        context.log.error(f"{step.table} could not be built: {exc}")
                        stopped[step.table] = broken[step.table] = f"could not be built: {exc}"
                        continue
                    if metadata.get("rows_quarantined"):
                        context.log.warning(
                            f"{step.table}: {metadata['rows_quarantined']} of "
                            f"{metadata['rows_received']} rows quarantined; see quality.quarantine "
                            "for the reasons"
                        )
                    yield dg.MaterializeResult(
                        asset_key=step.spec.key,
                        metadata={**metadata, "build_seconds": round(time.perf_counter() - started, 3)},
                    )
                ready.append(step)
            for step in ready:
                yield from _check(context, con, step, incremental, stopped, broken)
    if broken:
        raise dg.Failure(
            description="Tables that could not be built or checked: "
            + "; ".join(f"{t} {why}" for t, why in broken.items()),
            metadata={"tables": dg.MetadataValue.json(broken)},
        )


def _check(context: dg.AssetExecutionContext, con, step: Step, incremental: bool, stopped: dict, broken: dict):
    """Runs the checks of `step` asked for; a failed blocking check (or one that cannot run) stops its table."""
    names = {spec.name for spec in step.check_specs if spec.key in context.selected_asset_check_keys}
    for specs, run in step.checks:
        asked = [spec for spec in specs if spec.name in names]
        if not asked:
            continue
        started = time.perf_counter()
        try:
            results = run(con, context.run.run_id, names, incremental)
        except Exception as exc:  # a check that cannot run has not passed
            context.log.error(f"{step.table}: checks {', '.join(s.name for s in asked)} could not run: {exc}")
            stopped[step.table] = broken[step.table] = f"could not be checked: {exc}"
            results = [
                dg.AssetCheckResult(
                    asset_key=step.spec.key,
                    check_name=spec.name,
                    passed=False,
                    description=f"could not run: {exc}",
                    severity=dg.AssetCheckSeverity.ERROR if spec.blocking else dg.AssetCheckSeverity.WARN,
                )
                for spec in asked
            ]
        seconds = time.perf_counter() - started
        for result in results:
            yield dg.AssetCheckResult(
                asset_key=result.asset_key,
                check_name=result.check_name,
                passed=result.passed,
                severity=result.severity,
                description=result.description,
                metadata={**result.metadata, "check_seconds": round(seconds / len(results), 3)},
            )
            if not result.passed and result.severity == dg.AssetCheckSeverity.ERROR:
                stopped.setdefault(step.table, f"failed its blocking check {result.check_name}")
