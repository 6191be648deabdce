"""Every source against the simulator over real HTTP: pagination, incremental reruns, bad files."""

import json
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dlt
import duckdb
import pytest

from sources.academies import academies
from sources.ministries import ministries
from sources.provinces import provinces
from sources.reference import reference


def _pipeline(name: str, data_dir: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(data_dir / "warehouse.duckdb")),
        dataset_name=f"raw_{name}",
        pipelines_dir=str(data_dir / "dlt_pipelines"),
    )


def _loaded(pipeline: dlt.Pipeline) -> dict[str, int]:
    counts = pipeline.last_trace.last_normalize_info.row_counts
    # harvest_status: one row per academy repository on every run, what it answered, not data it sent
    return {k: v for k, v in counts.items() if not k.startswith("_dlt") and k != "harvest_status"}


def _rows(data_dir: Path, table: str) -> int:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _jsonl_count(demo_dir: Path, resource: str) -> int:
    return sum(sum(1 for _ in open(p, encoding="utf-8")) for p in (demo_dir / "ministries").glob(f"*/{resource}.jsonl"))


def _second_run_from_clean_state(name: str, data_dir: Path, source) -> dict[str, int]:
    """dagster-dlt drops local pipeline state before a run: cursors must come back from the destination."""
    shutil.rmtree(data_dir / "dlt_pipelines")
    pipeline = _pipeline(name, data_dir)
    pipeline.run(source)
    return _loaded(pipeline)


def test_ministries_page_through_every_api_and_reload_only_changes(simulator, demo_dir, data_dir):
    pipeline = _pipeline("ministries", data_dir)
    pipeline.run(ministries(page_size=50))
    expected = {r: _jsonl_count(demo_dir, r) for r in ("tasks", "task_results", "organizations", "researchers")}
    assert _loaded(pipeline) == expected
    pages = [path for path, _ in simulator.requests if "/tasks?" in path and "page=2" in path]
    assert pages, "page size 50 should have needed a second page from some ministry"
    assert {p.split("/")[2] for p in (path for path, _ in simulator.requests)} >= {"bkhcn", "byt", "dhqghn"}

    changed = simulator.touch(0.02)
    changed.pop("publications")
    assert _second_run_from_clean_state("ministries", data_dir, ministries(page_size=50)) == changed
    assert _rows(data_dir, "raw_ministries.tasks") == expected["tasks"]  # merged, not appended
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        edited = con.execute("SELECT count(*) FROM raw_ministries.tasks WHERE title LIKE '% *'").fetchall()[0][0]
    assert edited == changed["tasks"]


def test_withdrawn_tasks_are_marked_not_lost(simulator, demo_dir, data_dir):
    _pipeline("ministries", data_dir).run(ministries())
    withdrawn = simulator.withdraw(0.05)
    assert _second_run_from_clean_state("ministries", data_dir, ministries()) == {"tasks": len(withdrawn)}
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        marked = set(
            con.execute(
                "SELECT source_system, source_id FROM raw_ministries.tasks "
                "WHERE status = 'da_rut' AND extra LIKE '%withdrawn_at%'"
            ).fetchall()
        )
        total = con.execute("SELECT count(*) FROM raw_ministries.tasks").fetchall()[0][0]
    assert marked == set(withdrawn) and withdrawn
    assert total == _jsonl_count(demo_dir, "tasks")


def test_a_record_changed_while_its_feed_is_paged_keeps_its_newer_version(data_dir):
    """The feed is sorted by change time: a record changed between two page requests comes again on a
    later page. Both copies are in one load; the merge keeps the newer, whatever order they land in."""
    pages = {
        1: {
            "items": [
                {"source_id": "T1", "title": "old", "updated_at": "2026-01-01T10:00:00Z"},
                {"source_id": "T2", "title": "other", "updated_at": "2026-01-01T10:01:00Z"},
            ],
            "next_page": 2,
        },
        2: {
            "items": [{"source_id": "T1", "title": "new", "updated_at": "2026-01-01T17:05:00+07:00"}],
            "next_page": None,
        },
    }

    class Sender(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlparse(self.path)
            page = (
                pages[int(parse_qs(url.query)["page"][0])]
                if url.path.endswith("/tasks")
                else {"items": [], "next_page": None}
            )
            body = json.dumps(page).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sender)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        pipeline = _pipeline("ministries", data_dir)
        pipeline.run(
            ministries(base_url=f"http://127.0.0.1:{server.server_port}", api_key="k", only=["BKHCN"], page_size=2)
        )
    finally:
        server.shutdown()
    assert _loaded(pipeline)["tasks"] == 3
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT source_id, title FROM raw_ministries.tasks ORDER BY 1").fetchall()
    assert rows == [("T1", "new"), ("T2", "other")]


def test_ministry_api_refuses_a_wrong_key(simulator, data_dir):
    with pytest.raises(Exception, match="refused the API key"):
        _pipeline("ministries", data_dir).run(ministries(api_key="wrong"))


def test_a_value_of_the_wrong_type_is_kept_for_quarantine_naming_the_ministry_page_and_field(
    simulator, demo_dir, data_dir
):
    template = simulator.ministries[("byt", "tasks")][0]
    simulator.add_ministry_record("BYT", "tasks", {**template, "source_id": "BYT-NV-BAD", "budget_state_vnd": "một tỷ"})
    pipeline = _pipeline("ministries", data_dir)
    pipeline.run(ministries())
    assert _loaded(pipeline)["tasks"] == _jsonl_count(demo_dir, "tasks") + 1  # the rest of its page loads
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        ((error, raw),) = con.execute(
            "SELECT parse_error, raw_text FROM raw_ministries.tasks WHERE source_id = 'BYT-NV-BAD'"
        ).fetchall()
    assert re.match(
        r"ministry BYT, tasks, \S+/byt/api/v1/tasks\S* \(page \d+\): record \d+: "
        r"field `budget_state_vnd` is not int64",
        error,
    ), error
    assert '"một tỷ"' in raw


def test_academies_follow_resumption_tokens_and_harvest_from(simulator, demo_dir, data_dir):
    pipeline = _pipeline("academies", data_dir)
    pipeline.run(academies())
    total = sum(sum(1 for _ in open(p, encoding="utf-8")) for p in (demo_dir / "academies").glob("*.jsonl"))
    assert _loaded(pipeline) == {"publications": total}
    assert any("resumptionToken=" in path for path, _ in simulator.requests)

    changed = simulator.touch(0.01)
    assert _second_run_from_clean_state("academies", data_dir, academies()) == {"publications": changed["publications"]}
    assert any("from=" in path for path, _ in simulator.requests)
    assert _rows(data_dir, "raw_academies.publications") == total


def test_province_reports_load_once_and_bad_files_go_to_quarantine(simulator, demo_dir, data_dir):
    intake, quarantine = data_dir / "intake", data_dir / "quarantine"
    dropped = simulator.drop_reports(intake)
    (intake / "bao-cao-hong.xlsx").write_bytes(b"this is not a workbook")
    pipeline = _pipeline("provinces", data_dir)
    pipeline.run(provinces(intake_dir=str(intake), quarantine_dir=str(quarantine)))
    with open(demo_dir / "ground_truth" / "statistics.csv", encoding="utf-8") as f:
        final_rows = sum(1 for _ in f) - 1
    loaded = _loaded(pipeline)["report_rows"]
    assert loaded >= final_rows  # revised reports bring their first submission too
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        files = con.execute("SELECT count(DISTINCT file_sha256) FROM raw_provinces.report_rows").fetchall()[0][0]
    assert files == len(dropped)
    note = next(quarantine.glob("bao-cao-hong.*.xlsx.note.txt")).read_text(encoding="utf-8")
    assert "bao-cao-hong.xlsx" in note and "Excel" in note
    assert not (intake / "bao-cao-hong.xlsx").exists()

    # the same files again, from a clean pipelines folder: nothing new is read
    simulator.drop_reports(intake)
    assert _second_run_from_clean_state(
        "provinces", data_dir, provinces(intake_dir=str(intake), quarantine_dir=str(quarantine))
    ) == {"report_rows": 0, "report_files": 0}
    assert _rows(data_dir, "raw_provinces.report_rows") == loaded


def test_reference_data_loads_whole(data_dir):
    pipeline = _pipeline("reference", data_dir)
    pipeline.run(reference())
    assert _loaded(pipeline) == {
        "provinces": 97,
        "fields": 52,
        "task_levels": 4,
        "indicators": 9,
        "report_template": 45,
        "managing_bodies": 35,  # 27 bodies today and the 8 that merged into them on 1 March 2025
    }


def test_loads_use_parquet_not_insert_values(simulator, data_dir):
    pipeline = _pipeline("academies", data_dir)
    pipeline.run(academies())
    formats = {
        job.job_file_info.file_format
        for package in pipeline.last_trace.last_load_info.load_packages
        for job in package.jobs["completed_jobs"]
        if not job.job_file_info.table_name.startswith("_dlt")
    }
    assert formats - {"sql"} == {"parquet"}  # "sql" is the merge statement that follows the parquet load


def test_academies_apply_deletions_harvest_sets_and_survive_a_forgotten_resumption_token(simulator, demo_dir, data_dir):
    pipeline = _pipeline("academy_sets", data_dir)
    pipeline.run(academies(repositories=["vast"], sets=["fos:1", "fos:2"]))
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        sets = {
            s
            for (s,) in con.execute(
                "SELECT DISTINCT set_spec FROM raw_academy_sets.publications WHERE parse_error IS NULL"
            ).fetchall()
        }
    assert sets == {"fos:1", "fos:2"} and any("set=fos%3A1" in p for p, _ in simulator.requests)

    # the repository forgets a token once: the harvest starts that list again instead of failing
    real_oai, forgot = simulator._oai, []

    def forgetful(handler, repo, query):
        if "resumptionToken" in query and not forgot:
            forgot.append(query["resumptionToken"])
            return simulator._oai_error(handler, query, "badResumptionToken", "the token has expired")
        return real_oai(handler, repo, query)

    simulator._oai = forgetful
    _pipeline("academies", data_dir).run(academies())
    assert forgot
    deleted = simulator.delete(0.02)
    _second_run_from_clean_state("academies", data_dir, academies())
    total = sum(sum(1 for _ in open(p, encoding="utf-8")) for p in (demo_dir / "academies").glob("*.jsonl"))
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows, keys = con.execute(
            "SELECT count(*), count(DISTINCT (source_system, source_id)) FROM raw_academies.publications"
        ).fetchall()[0]
        gone = set(
            con.execute("SELECT source_system, source_id FROM raw_academies.publications WHERE deleted").fetchall()
        )
    assert rows == keys == total
    assert gone == set(deleted) and deleted


def test_no_records_match_is_an_empty_harvest(simulator, data_dir):
    pipeline = _pipeline("academies", data_dir)
    pipeline.run(academies(sets=["no-such-set"]))
    assert _loaded(pipeline) == {}
