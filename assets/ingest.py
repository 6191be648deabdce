"""One set of dlt assets per source family: `raw/<source>/<resource>`; and `raw/provinces/reporting_year`,
which re-reads the report files of one reporting year (partitioned by year, for re-runs and backfills)."""


from datetime import date
from typing import Callable

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from assets.resources import DuckDBWarehouse
from sources.academies import academies
from sources.ministries import ministries
from sources.provinces import provinces
from sources.reference import reference


class RawLayerTranslator(DagsterDltTranslator):
    def __init__(self, source_name: str):
        self.source_name = source_name

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        return super().get_asset_spec(data).replace_attributes(
            key=dg.AssetKey(["raw", self.source_name, data.resource.name]),
            deps=[], group_name="ingest", kinds={"dlt", "duckdb"},
        )


def _ingest_assets(source_name: str, listing_source: dlt.sources.DltSource,
                   run_source: Callable[[DuckDBWarehouse], dlt.sources.DltSource], description: str):
    """`listing_source` only names the resources (no config needed to load the definitions);
    `run_source` builds the source a run loads, with its settings resolved by dlt."""

    @dlt_assets(
        dlt_source=listing_source,
        dlt_pipeline=dlt.pipeline(pipeline_name=source_name, destination="duckdb", dataset_name=f"raw_{source_name}"),
        name=f"ingest_{source_name}",
        dagster_dlt_translator=RawLayerTranslator(source_name),
        pool="duckdb",
    )
    def _assets(context: dg.AssetExecutionContext, dlt: DagsterDltResource, duckdb: DuckDBWarehouse):
        yield from dlt.run(context=context, dlt_source=run_source(duckdb), dlt_pipeline=duckdb.dlt_pipeline(source_name),
                           loader_file_format="parquet")

    _assets.__doc__ = description
    return _assets


ministry_assets = _ingest_assets(
    "ministries", ministries(base_url="", api_key=""), lambda wh: ministries(),
    "Tasks, results, organisations and researchers from the ministry APIs in the registry.")
academy_assets = _ingest_assets(
    "academies", academies(base_url=""), lambda wh: academies(),
    "Publications harvested over OAI-PMH from the academy repositories.")
province_assets = _ingest_assets(
    "provinces", provinces(intake_dir="", quarantine_dir=""),
    lambda wh: provinces(intake_dir=str(wh.intake_dir), quarantine_dir=str(wh.quarantine_dir)),
    "Provincial report files (forms 01-04) from the intake folder.")
reference_assets = _ingest_assets(
    "reference", reference(), lambda wh: reference(),
    "Provincial units before and after the 2025 merger, fields of S&T, task levels.")


# Provincial statistics partitioned by reporting year. The partitioned asset re-reads one year's files into
# the same raw table; the unpartitioned models downstream are then rebuilt whole (cheap) by the
# `provinces_year_refresh` job. `national_refresh` leaves it out, so it stays one unpartitioned run.
PROVINCE_YEAR_KEY = dg.AssetKey(["raw", "provinces", "reporting_year"])
REPORTING_YEARS = dg.StaticPartitionsDefinition([str(y) for y in range(2016, date.today().year + 1)])


@dg.asset(key=PROVINCE_YEAR_KEY, partitions_def=REPORTING_YEARS, group_name="ingest", kinds={"dlt", "duckdb"},
          pool="duckdb")
def province_reporting_year(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse) -> dg.MaterializeResult:
    """Re-reads every report file of one reporting year in the intake folder (loaded before or not) into
    raw_provinces.report_rows, replacing that year's earlier rows file by file."""
    year = int(context.partition_key)
    pipeline = duckdb.dlt_pipeline("provinces")
    pipeline.run(provinces(intake_dir=str(duckdb.intake_dir), quarantine_dir=str(duckdb.quarantine_dir),
                           reload_year=year), loader_file_format="parquet")
    rows = pipeline.last_trace.last_normalize_info.row_counts.get("report_rows", 0)
    with duckdb.connect() as con:
        files = con.execute("SELECT count(DISTINCT file_sha256) FROM raw_provinces.report_rows WHERE reference_year = ?",
                            [year]).fetchall()[0][0]
    context.log.info(f"reporting year {year}: {rows} rows of {files} files in the raw table after the re-read")
    return dg.MaterializeResult(metadata={"reporting_year": year, "rows_loaded": rows, "files": files})


INGEST_ASSETS = [ministry_assets, academy_assets, province_assets, reference_assets, province_reporting_year]
