"""One incremental cursor per sender: a late sender is not skipped, cursors come back from the
destination, a run over some senders leaves the others' cursors alone, a failed sender moves none of its own."""

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dlt
import duckdb
import pytest

from sources.academies import academies
from sources.ministries import ministries


def _pipeline(name: str, data_dir: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(data_dir / "warehouse.duckdb")),
        dataset_name=f"raw_{name}",
        pipelines_dir=str(data_dir / "dlt_pipelines"),
    )


def _run_from_clean_state(name: str, data_dir: Path, source) -> dict[str, int]:
    """As dagster-dlt runs it: no local pipeline folder, so the cursors must come from the destination."""
    shutil.rmtree(data_dir / "dlt_pipelines", ignore_errors=True)
    pipeline = _pipeline(name, data_dir)
    pipeline.run(source, loader_file_format="parquet")
    counts = pipeline.last_trace.last_normalize_info.row_counts
    # harvest_status: one row per academy repository on every run, what it answered, not data it sent
    return {k: v for k, v in counts.items() if not k.startswith("_dlt") and k != "harvest_status"}


def _query(data_dir: Path, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _latest_by_sender(data_dir: Path, table: str, column: str) -> dict[str, datetime]:
    return dict(_query(data_dir, f"SELECT source_system, max({column}) FROM {table} GROUP BY ALL"))


def _late_task(simulator, ministry: str, updated_at: datetime) -> dict:
    template = simulator.ministries[(ministry.lower(), "tasks")][0]
    task = {
        **template,
        "source_id": f"{ministry}-NV-LATE-1",
        "title": "Nhiệm vụ nhập muộn",
        "updated_at": _iso(updated_at),
    }
    simulator.add_ministry_record(ministry, "tasks", task)
    return task


def test_a_late_ministry_is_not_skipped_and_cursors_come_back_from_the_destination(simulator, data_dir):
    _run_from_clean_state("ministries", data_dir, ministries(page_size=50))
    latest = _latest_by_sender(data_dir, "raw_ministries.tasks", "updated_at")
    leader, laggard = max(latest, key=latest.get), min(latest, key=latest.get)
    # the laggard enters a task after the first run, dated before the leader's latest change
    late_time = latest[laggard] + timedelta(seconds=1)
    assert late_time < latest[leader]
    late = _late_task(simulator, laggard, late_time)
    already = len(simulator.requests)

    assert _run_from_clean_state("ministries", data_dir, ministries(page_size=50)) == {"tasks": 1}
    assert _query(
        data_dir, "SELECT source_system, title FROM raw_ministries.tasks WHERE source_id = ?", [late["source_id"]]
    ) == [(laggard, late["title"])]
    # every sender was asked only for what changed after its own latest record
    for path, _ in simulator.requests[already:]:
        url = urlparse(path)
        ministry, resource = url.path.split("/")[2].upper(), url.path.split("/")[-1]
        if resource == "tasks" and ministry in latest:
            asked = datetime.fromisoformat(parse_qs(url.query)["updated_since"][0].replace("Z", "+00:00"))
            assert asked == latest[ministry], f"{ministry} was asked from {asked}, not from its own latest task"
    served = sum(items for path, items in simulator.requests[already:] if "/tasks?" in path)
    at_cursors = _query(
        data_dir,
        "SELECT count(*) FROM raw_ministries.tasks t JOIN (SELECT source_system, "
        "max(updated_at) AS latest FROM raw_ministries.tasks WHERE source_id NOT LIKE '%LATE%' "
        "GROUP BY ALL) USING (source_system) WHERE t.updated_at = latest",
    )[0][0]
    assert served == at_cursors + 1  # the rows at each cursor (asked with >=, dropped, not reloaded) and the late one


def test_a_run_over_some_ministries_leaves_the_others_cursors_alone(simulator, data_dir):
    _run_from_clean_state("ministries", data_dir, ministries())
    changed = {r: n for r, n in simulator.touch(0.05).items() if r != "publications"}
    byt = _run_from_clean_state("ministries", data_dir, ministries(only=["BYT"]))
    edited = "SELECT source_system, count(*) FROM raw_ministries.tasks WHERE title LIKE '% *' GROUP BY ALL"
    assert [sender for sender, _ in _query(data_dir, edited)] == ["BYT"]
    rest = _run_from_clean_state("ministries", data_dir, ministries())
    assert {r: byt.get(r, 0) + rest.get(r, 0) for r in changed} == changed
    assert sum(n for _, n in _query(data_dir, edited)) == changed["tasks"]
    with pytest.raises(Exception, match="not in the ministry registry: XYZ"):
        _run_from_clean_state("ministries", data_dir, ministries(only=["XYZ"]))


def test_a_run_that_fails_part_way_moves_no_cursor(simulator, data_dir):
    _run_from_clean_state("ministries", data_dir, ministries(page_size=50))
    changed = simulator.touch(0.2)
    real_ministry = simulator._ministry

    def second_page_fails(handler, ministry, resource, query):
        if ministry == "byt" and resource == "tasks" and query.get("page") == "2":
            return handler._json(400, {"error": "the registry is being rebuilt"})
        return real_ministry(handler, ministry, resource, query)

    simulator._ministry = second_page_fails
    # pages of 5: the 0.2 of BYT's tasks that changed need several. BYT fails alone, the others load.
    failing = _run_from_clean_state("ministries", data_dir, ministries(page_size=5))
    simulator._ministry = real_ministry
    changed.pop("publications")
    byt_changed = sum(t["title"].endswith(" *") for t in simulator.ministries[("byt", "tasks")])
    assert byt_changed > 5 and failing["tasks"] < changed["tasks"]  # BYT's first page only
    assert {k: v for k, v in failing.items() if k != "tasks"} == {k: v for k, v in changed.items() if k != "tasks"}
    # BYT's tasks cursor did not move: all its changed tasks come again (the merge keeps one copy each)
    assert _run_from_clean_state("ministries", data_dir, ministries(page_size=5)) == {"tasks": byt_changed}


def test_a_late_repository_is_not_skipped(simulator, data_dir):
    _run_from_clean_state("academies", data_dir, academies())
    latest = _latest_by_sender(data_dir, "raw_academies.publications", "datestamp")
    leader, laggard = max(latest, key=latest.get), min(latest, key=latest.get)
    late_time = latest[laggard] + timedelta(seconds=1)
    assert late_time < latest[leader]
    template = next(r for r in simulator.repositories[laggard] if not r.get("malformed") and not r.get("deleted"))
    late = {**template, "identifier": f"{template['identifier']}-late", "datestamp": _iso(late_time)}
    simulator.add_repository_record(laggard, late)
    already = len(simulator.requests)

    assert _run_from_clean_state("academies", data_dir, academies()) == {"publications": 1}
    assert _query(
        data_dir, "SELECT source_system FROM raw_academies.publications WHERE source_id = ?", [late["identifier"]]
    ) == [(laggard,)]
    asked = {
        urlparse(path).path.split("/")[-1]: parse_qs(urlparse(path).query).get("from", [None])[0]
        for path, _ in simulator.requests[already:]
        if "resumptionToken" not in path
    }
    assert asked == {repo: _iso(moment) for repo, moment in latest.items()}
