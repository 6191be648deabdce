"""Sensors: the provincial intake starts when a report file lands; the quality review follows every refresh.

The review writes the warehouse (`quality.alerts`), so it is a run with its step in the `duckdb` pool,
never work done inside a sensor tick: a sensor evaluating while a refresh writes would find the DuckDB
file locked, or lock a refresh out. The sensors only request the review run after each refresh job
finishes (succeeded or failed); the daily schedule catches what no run reveals (stale sources, reports
missing after the deadline).
"""

import hashlib

import dagster as dg

from assets.resources import DagsterUI, DuckDBWarehouse
from pipelines.jobs import JOBS, TIMEZONE, provinces_refresh
from pipelines.run_monitoring import fail_dead_runs
from quality.review import review, warehouse_for_review
from quality.settings import AlertChannels, ReportingRules
from sources.provinces import intake_files


@dg.sensor(
    job=provinces_refresh,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts provinces_refresh when a report file lands in the intake folder. The run key is the "
    "file's SHA-256, so the same file dropped twice (even under another name) is one run.",
)
def province_intake_sensor(context: dg.SensorEvaluationContext, duckdb: DuckDBWarehouse):
    intake = duckdb.intake_dir
    if not intake.is_dir():
        return dg.SkipReason(f"no intake folder at {intake}")
    requested = set()
    # a file still being copied gets a run for its hash so far, which leaves it until it has settled
    # (sources/provinces); the tick that sees it whole starts the run that loads it
    for path in intake_files(intake):
        with path.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        if digest not in requested:
            requested.add(digest)
            # Dagster skips run keys it has seen; the run loads every file not loaded yet (dlt state)
            yield dg.RunRequest(run_key=digest, tags={"csdl/report_file": path.name})
    if not requested:
        yield dg.SkipReason(f"no report files in {intake}")


@dg.op(
    pool="duckdb", description="Collects open problems, opens/closes alerts and sends them, writes the quality report."
)
def review_quality(
    context: dg.OpExecutionContext,
    duckdb: DuckDBWarehouse,
    alerting: AlertChannels,
    reporting: ReportingRules,
    dagster_ui: DagsterUI,
) -> dict:
    with warehouse_for_review(duckdb.database_path) as (con, problems):
        for problem in problems:
            context.log.error(problem.message)
        outcome = review(
            con,
            context.instance,
            duckdb.root / "reports" / "quality.html",
            job_names=[job.name for job in JOBS],
            problems_found=problems,
            channels=alerting.channels(),
            rules=reporting,
            ui=dagster_ui,
        )
    context.log.info(
        f"alerts: {outcome['opened']} opened, {outcome['closed']} closed, {outcome['open']} open; "
        f"{outcome['sent']} messages sent; report at {outcome['report']}"
    )
    for failure in outcome["failures"]:
        context.log.warning(f"alert not delivered (retried at the next review): {failure}")
    return outcome


@dg.job(
    description="Quality review: alerts for failed checks and runs, stale sources and missing reports; "
    "writes data/reports/quality.html."
)
def quality_review():
    review_quality()


def _request_review(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    run_id = context.dagster_run.run_id
    return dg.RunRequest(run_key=f"after:{run_id}", tags={"csdl/after_run": run_id})


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=JOBS,
    request_job=quality_review,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a refresh succeeds: review quality (closes alerts whose problem is gone).",
)
def review_after_refresh(context: dg.RunStatusSensorContext):
    return _request_review(context)


@dg.run_failure_sensor(
    monitored_jobs=JOBS,
    request_job=quality_review,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a refresh fails (a blocking check included): review quality and alert.",
)
def review_after_failure(context: dg.RunFailureSensorContext):
    return _request_review(context)


daily_quality_review = dg.ScheduleDefinition(
    job=quality_review,
    cron_schedule="0 7 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily at 07:00: stale sources and provincial reports missing after the deadline.",
)


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Fails runs left STARTED whose process is gone (killed, crashed) and frees their duckdb "
    "pool slot, so that later runs do not wait for it for ever (pipelines/run_monitoring.py).",
)
def dead_run_sensor(context: dg.SensorEvaluationContext):
    failed = fail_dead_runs(context.instance, context.log)
    return dg.SkipReason(
        f"{len(failed)} runs whose process was gone marked failed"
        if failed
        else "no run left STARTED without its process"
    )


SENSORS = [province_intake_sensor, review_after_refresh, review_after_failure, dead_run_sensor]
