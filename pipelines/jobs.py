"""Jobs and schedules: the national refresh, and one refresh per source family."""

from __future__ import annotations

import dagster as dg

from assets.cadences import CADENCES, TIMEZONE
from assets.ingest import PROVINCE_YEAR_KEY
from assets.warehouse import WarehouseBuildConfig

# The one partitioned asset; the jobs below leave it out so they stay single unpartitioned runs (a job
# that selects a partitioned asset needs a partition key for every run).
_ONE_YEAR = dg.AssetSelection.assets(PROVINCE_YEAR_KEY)


def _refresh_from(source: str) -> dg.AssetSelection:
    """A source family's raw assets, everything built from them, and everything those read.

    What is built from one family also reads the others (the author bridge reads the ministries'
    researchers, the snapshot every published table): without them the job fails on a fresh data
    folder. The other families' raw assets run too; their cursors make that an incremental fetch."""
    return dg.AssetSelection.key_prefixes(["raw", source]).downstream().upstream() - _ONE_YEAR


national_refresh = dg.define_asset_job(
    "national_refresh",
    selection=dg.AssetSelection.all() - _ONE_YEAR,
    description="Ingest every source, rebuild staging, core and marts, run the quality checks, publish.",
)
ministries_refresh = dg.define_asset_job(
    "ministries_refresh",
    selection=_refresh_from("ministries"),
    description="Ministry task registries and everything built from them.",
)
academies_refresh = dg.define_asset_job(
    "academies_refresh",
    selection=_refresh_from("academies"),
    description="Academy repositories (OAI-PMH) and everything built from them.",
)
provinces_refresh = dg.define_asset_job(
    "provinces_refresh",
    selection=_refresh_from("provinces"),
    description="Provincial report files in the intake folder and everything built from them.",
)
rebuild_from_raw = dg.define_asset_job(
    "rebuild_from_raw",
    selection=dg.AssetSelection.all() - dg.AssetSelection.key_prefixes(["raw"]),
    # raw rows corrected in place carry no new load: rebuild and revalidate every table whole
    config=dg.RunConfig(ops={"warehouse": WarehouseBuildConfig(full_rebuild=True)}),
    description="Rebuild staging, core and marts from what is already loaded, check and publish; "
    "`csdl quarantine replay` runs it after applying corrections.",
)

provinces_year_refresh = dg.define_asset_job(
    "provinces_year_refresh",
    selection=_ONE_YEAR.downstream(),
    description="Re-read one reporting year's provincial report files (a partition: re-run or backfill years "
    "from the UI), then rebuild everything built from them and publish.",
)

JOBS = [
    national_refresh,
    ministries_refresh,
    academies_refresh,
    provinces_refresh,
    provinces_year_refresh,
    rebuild_from_raw,
]
# One schedule per source family with a cadence of its own (assets/cadences.py), off until turned on in the UI.
SCHEDULES = [
    dg.ScheduleDefinition(
        job=job,
        cron_schedule=CADENCES[source].cron,
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=CADENCES[source].why,
    )
    for source, job in (
        ("ministries", ministries_refresh),
        ("academies", academies_refresh),
        ("provinces", provinces_refresh),
    )
]
