"""A process holding warehouse.duckdb (an analyst's notebook, a stuck run) does not silence the quality review:
it waits a short while, then reviews a copy and says so."""

import subprocess
import sys

import dagster as dg
import duckdb
import pytest

from assets.resources import DagsterUI, DuckDBWarehouse
from pipelines.sensors import quality_review
from quality.checks import record
from quality.settings import AlertChannels, ReportingRules
from warehouse.database import connect

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


@pytest.fixture
def data_with_a_failed_check(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with connect(data / "warehouse.duckdb") as con:
        record(
            con,
            "run-1",
            "core.fct_task",
            "great_expectations",
            False,
            1,
            {"expect_column_values_to_not_be_null(task_id)": {"unexpected": 2, "sample": ["T1"]}},
        )
    return data


def _hold(path, seconds):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def _review(data, monkeypatch, wait_s):
    monkeypatch.setenv("CSDL_REVIEW_LOCK_WAIT_S", str(wait_s))
    result = quality_review.execute_in_process(
        resources={
            "duckdb": DuckDBWarehouse(data_dir=str(data)),
            "alerting": AlertChannels(),
            "reporting": ReportingRules(),
            "dagster_ui": DagsterUI(),
        },
        instance=dg.DagsterInstance.ephemeral(),
    )
    return result.output_for_node("review_quality")


def test_a_reader_holding_the_warehouse_still_gets_a_review_of_a_copy(data_with_a_failed_check, monkeypatch):
    data = data_with_a_failed_check
    holder = _hold(data / "warehouse.duckdb", 120)
    try:
        outcome = _review(data, monkeypatch, wait_s=1)
        assert "warehouse_locked" in outcome["problems"]
        assert "check_failed:core.fct_task:great_expectations" in outcome["problems"]  # what it could still see
        html = (data / "reports" / "quality.html").read_text(encoding="utf-8")
        assert "could not write the warehouse" in html and "ran on a copy" in html
    finally:
        holder.kill()
        holder.wait()
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:  # nothing was written to it
        assert con.execute("SELECT count(*) FROM quality.alerts").fetchall() == [(0,)]


def test_a_lock_let_go_within_the_wait_is_reviewed_in_place(data_with_a_failed_check, monkeypatch):
    data = data_with_a_failed_check
    holder = _hold(data / "warehouse.duckdb", 2)
    try:
        outcome = _review(data, monkeypatch, wait_s=60)
    finally:
        holder.kill()
        holder.wait()
    assert "warehouse_locked" not in outcome["problems"]
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            "SELECT problem_key FROM quality.alerts WHERE closed_at IS NULL AND kind = 'check_failed'"
        ).fetchall() == [("check_failed:core.fct_task:great_expectations",)]
