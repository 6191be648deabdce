"""Sensors: the provincial intake starts when a report file lands."""

import hashlib

import dagster as dg

from assets.resources import DuckDBWarehouse
from pipelines.jobs import provinces_refresh


@dg.sensor(job=provinces_refresh, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts provinces_refresh when a report file lands in the intake folder. The run key is the "
                       "file's SHA-256, so the same file dropped twice (even under another name) is one run.")
def province_intake_sensor(context: dg.SensorEvaluationContext, duckdb: DuckDBWarehouse):
    intake = duckdb.intake_dir
    if not intake.is_dir():
        return dg.SkipReason(f"no intake folder at {intake}")
    requested = set()
    for path in sorted(p for p in intake.iterdir() if p.is_file() and not p.name.startswith(".")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest not in requested:
            requested.add(digest)
            # Dagster skips run keys it has seen; the run loads every file not loaded yet (dlt state)
            yield dg.RunRequest(run_key=digest, tags={"csdl/report_file": path.name})
    if not requested:
        yield dg.SkipReason(f"no report files in {intake}")


SENSORS = [province_intake_sensor]
