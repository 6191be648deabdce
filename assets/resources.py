"""Resources named after the systems they reach."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import dlt
import duckdb

from warehouse.database import connect
from warehouse.permissions import secure_data_folder


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
    def connect(self, variables: dict[str, str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """`variables` are read by the SQL with `getvariable` (the warehouse build: the reporting rules)."""
        secure_data_folder(self.root)
        with connect(self.database_path, variables=variables) as con:
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
