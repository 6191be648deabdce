"""Reference data: the 63 former and 34 current provincial units, fields of S&T, task levels, indicators,
managing bodies (ministries and sectors before and after 1 March 2025).

The CSV files beside this module are the project's own reference data; tests check the province
list against the official lists in `../shared/reference/`.
"""

from __future__ import annotations

import csv
from importlib import resources

import dlt
import pyarrow as pa

TABLES = ("provinces", "fields", "task_levels", "indicators", "managing_bodies")


def read_reference(table: str) -> list[dict]:
    with resources.files(__package__).joinpath(f"{table}.csv").open(encoding="utf-8") as f:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(f)]


def load_provinces() -> list[dict]:
    return read_reference("provinces")


def _arrow(table: str) -> pa.Table:
    return pa.Table.from_pylist(read_reference(table))


@dlt.source(name="reference")
def reference():
    """The reference tables, replaced whole on every load."""
    for table in TABLES:
        yield dlt.resource(_arrow(table), name=table, write_disposition="replace")
    from sources.provinces.template import template_rows  # noqa: PLC0415  (sources.provinces reads this package)

    yield dlt.resource(pa.Table.from_pylist(template_rows()), name="report_template", write_disposition="replace")
