"""Resources named after the systems they reach."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import dlt
import duckdb

from warehouse.database import connect
from warehouse.permissions import secure_data_folder

# Arrow loads carry no dlt row ids unless asked; staging and quarantine name the load of every row.
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
# A load package holds the rows as received (personal data included): deleted once loaded, as are the
# rows merged through the `raw_*_staging` datasets.
os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
os.environ.setdefault("LOAD__TRUNCATE_STAGING_DATASET", "true")


class DuckDBWarehouse(dg.ConfigurableResource):
    """The working DuckDB file and the data folder around it (`CSDL_DATA_DIR`)."""

    data_dir: str

    @property
    def root(self) -> Path:
        return Path(self.data_dir).resolve()

    @property
    def database_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.root / "published"

    @property
    def intake_dir(self) -> Path:
        return self.root / "intake"

    @property
    def quarantine_dir(self) -> Path:
        return self.root / "quarantine"

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        secure_data_folder(self.root)
        # the reporting deadline the completeness mart uses: the same setting the deadline alerts read
        deadline = os.environ.get("CSDL_REPORT_DEADLINE") or "02-15"
        with connect(self.database_path, variables={"reporting_deadline": deadline}) as con:
            yield con

    def dlt_pipeline(self, source_name: str) -> dlt.Pipeline:
        """The dlt pipeline that loads one source family into `raw_<source>` of the working warehouse."""
        secure_data_folder(self.root)
        return dlt.pipeline(
            pipeline_name=source_name,
            destination=dlt.destinations.duckdb(str(self.database_path)),
            dataset_name=f"raw_{source_name}",
            pipelines_dir=str(self.root / "dlt_pipelines"),
        )


DEFAULT_UI_URL = "http://127.0.0.1:3000"  # where `make ui` serves it


class DagsterUI(dg.ConfigurableResource):
    """The Dagster UI operators open (`CSDL_UI_URL`, read when a run starts): alerts and the quality report
    link each run and asset there."""

    base_url: str = ""  # empty: CSDL_UI_URL, else DEFAULT_UI_URL

    @property
    def url(self) -> str:
        return (self.base_url or os.environ.get("CSDL_UI_URL") or DEFAULT_UI_URL).rstrip("/")

    def run_url(self, run_id: str) -> str:
        return f"{self.url}/runs/{run_id}"

    def asset_url(self, table: str) -> str:
        """`table` as the warehouse names it (`core.fct_task`) or as an asset key (`core/fct_task`)."""
        return f"{self.url}/assets/{table.replace('.', '/')}"

    def check_url(self, table: str, check: str) -> str:
        return f"{self.asset_url(table)}?view=checks&checkDetail={check}"
