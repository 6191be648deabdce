"""The one place that assembles the CSDL KH&CN platform's Dagster definitions (the code location `csdl`)."""

from __future__ import annotations

import dagster as dg
from dagster_dlt import DagsterDltResource

from assets.ingest import INGEST_ASSETS
from assets.metadata import with_code_references
from assets.publish import published_snapshot
from assets.resources import DagsterUI, DuckDBWarehouse
from assets.warehouse import warehouse
from pipelines.jobs import JOBS, SCHEDULES
from pipelines.sensors import SENSORS, daily_quality_review, quality_review
from quality.settings import AlertChannels, ReportingRules

ASSETS = with_code_references([*INGEST_ASSETS, warehouse, published_snapshot])


@dg.definitions
def defs() -> dg.Definitions:
    """Built each time the code location loads (`dg dev`, or each `csdl` run): the settings' environment
    variables are the ones set then, and their values are read when a run starts."""
    return dg.Definitions(
        assets=ASSETS,
        jobs=[*JOBS, quality_review],
        schedules=[*SCHEDULES, daily_quality_review],
        sensors=SENSORS,
        resources={
            # Read when a run starts, so one code location serves whatever data folder the run is given.
            "duckdb": DuckDBWarehouse(data_dir=dg.EnvVar("CSDL_DATA_DIR")),
            "dlt": DagsterDltResource(),
            "alerting": AlertChannels.for_definitions(),
            "reporting": ReportingRules.for_definitions(),
            "dagster_ui": DagsterUI(),
        },
        # Every step writes the one DuckDB file, so steps run one after another anyway; in-process
        # execution saves the 1.5-2 s a subprocess costs per step.
        executor=dg.in_process_executor,
    )
