"""Unreliable feeds: a refresh against a simulator that fails 20% of its pages publishes exactly what a
fault-free one does; a load killed with SIGKILL and rerun ends complete; every rejected record is kept."""

import json
import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from demo.simulator import FAULTS, SourceSimulator
from tests.conftest import REPO, refresh_into

RAW_KEYS = {
    "raw_ministries.tasks": "source_system, source_id",
    "raw_ministries.task_results": "source_system, source_id",
    "raw_ministries.organizations": "source_system, source_id",
    "raw_ministries.researchers": "source_system, source_id",
    "raw_academies.publications": "source_system, source_id",
    "raw_provinces.report_rows": "file_sha256, row_number",
}


@pytest.fixture(scope="module")
def faulty(demo_dir, tmp_path_factory):
    # slow replies take 0.6 s and the sources are told to give up after 0.2 s (SourceSimulator.environment)
    return refresh_into(demo_dir, tmp_path_factory.mktemp("faulty"), faults=0.2, fault_seed=3, slow_reply_s=0.6)


def _counts(database, schema: str) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", [schema]
            ).fetchall()
        ]
        return {t: con.execute(f"SELECT count(*) FROM {schema}.{t}").fetchall()[0][0] for t in tables}


def test_faults_at_20_percent_publish_the_same_rows_as_a_fault_free_run(faulty, refreshed, demo_dir):
    data, result, sim = faulty
    assert all(sim.faults_served[f] > 0 for f in FAULTS), sim.faults_served  # every kind of fault happened
    checks = list(result.get_asset_check_evaluations())
    assert checks and all(c.passed for c in checks), [c.asset_key for c in checks if not c.passed]
    clean = refreshed[0] / "published" / "csdl.duckdb"
    for schema in ("core", "marts"):
        assert _counts(data / "published" / "csdl.duckdb", schema) == _counts(clean, schema)
    with open(demo_dir / "ground_truth" / "statistics.csv", encoding="utf-8") as f:
        assert _counts(data / "published" / "csdl.duckdb", "core")["fct_statistic"] == sum(1 for _ in f) - 1


def test_no_duplicate_keys_after_pages_served_twice(faulty):
    data, _, sim = faulty
    assert sim.faults_served["served_twice"] > 0
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        for table, key in RAW_KEYS.items():
            total, distinct = con.execute(f"SELECT count(*), count(DISTINCT ({key})) FROM {table}").fetchall()[0]
            assert total == distinct, f"{table}: {total - distinct} duplicate keys"
        for (table,) in con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema = 'core'"
        ).fetchall():
            total, distinct = con.execute(
                f"SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT * FROM {table})) FROM {table}"
            ).fetchall()[0]
            assert total == distinct, f"{table}: {total - distinct} duplicate rows"


def test_every_rejected_record_is_kept_with_source_key_reason_and_raw_record(faulty, demo_dir):
    data, _, _ = faulty
    with open(demo_dir / "ground_truth" / "defects.csv", encoding="utf-8") as f:
        defects = {line.split(",")[1] for line in list(f)[1:]}
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT model, source_system, source_key, reason, raw_record FROM quality.quarantine"
        ).fetchall()
        assert {key for _, _, key, _, _ in rows} == defects
        assert all(model and system and key and reason and raw for model, system, key, reason, raw in rows)
        unreadable = [json.loads(raw) for model, _, _, reason, raw in rows if model == "staging.academy_publications"]
        assert unreadable and all("2024-13-45" in r["raw_xml"] for r in unreadable)
        # per load: rows received = rows kept + rows quarantined, for every staging table that quarantines
        reconciled = con.execute(
            "SELECT asset_key, passed, details FROM quality.check_results WHERE check_name = 'rows_reconcile'"
        ).fetchall()
        assert len(reconciled) >= 5 and all(passed for _, passed, _ in reconciled)
        for asset_key, _, details in reconciled:
            counts = json.loads(details)
            assert counts["received"] == counts["kept"] + counts["quarantined"], asset_key
        # the unreadable record's page-mates loaded: every other record of its repositories is in raw
        loaded = con.execute("SELECT count(*) FROM raw_academies.publications WHERE parse_error IS NULL").fetchall()[0][
            0
        ]
    sent = sum(1 for p in (demo_dir / "academies").glob("*.jsonl") for _ in open(p, encoding="utf-8"))
    assert loaded == sent - len(unreadable)


KILLABLE_LOAD = """
import sys, dlt
from sources.ministries import ministries
data = sys.argv[1]
pipeline = dlt.pipeline(pipeline_name="ministries", destination=dlt.destinations.duckdb(data + "/warehouse.duckdb"),
                        dataset_name="raw_ministries", pipelines_dir=data + "/dlt_pipelines")
pipeline.run(ministries(page_size=int(sys.argv[2])))
"""


def _load(data_dir, env, page_size=10) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", KILLABLE_LOAD, str(data_dir), str(page_size)],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_a_load_killed_halfway_then_rerun_ends_complete_without_duplicates(demo_dir, data_dir):
    sent = {
        r: sum(1 for p in (demo_dir / "ministries").glob(f"*/{r}.jsonl") for _ in open(p, encoding="utf-8"))
        for r in ("tasks", "task_results", "organizations", "researchers")
    }
    with SourceSimulator(demo_dir) as sim:
        first = _load(data_dir, sim.environment(), page_size=500)
        assert first.wait(timeout=300) == 0, first.stdout.read().decode()
        changed = sim.touch(0.3)  # the next load has about a third of every feed to fetch again
        pages = sum(1 + n // 10 for n in changed.values())
        killed = _load(data_dir, sim.environment())
        before = len(sim.requests)
        deadline = time.monotonic() + 120
        while len(sim.requests) - before < pages // 2 and killed.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert killed.poll() is None, "the load finished before it could be killed; make it longer"
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=30) == -signal.SIGKILL
        rerun = _load(data_dir, sim.environment())
        assert rerun.wait(timeout=300) == 0, rerun.stdout.read().decode()
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        for resource, expected in sent.items():
            total, distinct = con.execute(
                f"SELECT count(*), count(DISTINCT (source_system, source_id)) FROM raw_ministries.{resource}"
            ).fetchall()[0]
            assert total == distinct == expected, resource
        edited = con.execute("SELECT count(*) FROM raw_ministries.tasks WHERE title LIKE '% *'").fetchall()[0][0]
    assert edited == changed["tasks"]  # the killed load did not advance the cursor past what it never stored
