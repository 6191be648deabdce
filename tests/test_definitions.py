"""The Dagster definitions load cleanly and the asset graph is the one the SQL describes."""

import importlib
import json
import os
import subprocess
import sys
import warnings
from datetime import timedelta
from pathlib import Path

import dagster as dg

from tests.conftest import REPO

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def _load_definitions():
    for name in [m for m in sys.modules if m.split(".")[0] in ("pipelines", "assets", "quality")]:
        del sys.modules[name]
    return importlib.import_module("pipelines.definitions").defs()


def _deprecations(caught) -> list[str]:
    return [
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if ("deprecat" in str(w.message).lower() or issubclass(w.category, DeprecationWarning))
        # dagster's own use of pydantic's old API is not ours to fix
        and w.category.__name__ != "PydanticDeprecatedSince20"
    ]


def test_definitions_load_without_errors_or_deprecations():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        defs = _load_definitions()
        graph = defs.resolve_asset_graph()
        for job in (
            "national_refresh",
            "ministries_refresh",
            "academies_refresh",
            "provinces_refresh",
            "rebuild_from_raw",
            "quality_review",
        ):
            defs.resolve_job_def(job)
    assert _deprecations(caught) == []
    assert len(list(graph.get_all_asset_keys())) > 20


def _graph_snapshot() -> dict:
    defs = _load_definitions()
    graph = defs.resolve_asset_graph()
    snapshot = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        snapshot[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "checks": sorted(c.name for c in node.check_keys),
        }
    return snapshot


def test_asset_graph_matches_snapshot():
    """A change to the graph must be deliberate: regenerate with UPDATE_SNAPSHOTS=1 and review the diff."""
    snapshot = _graph_snapshot()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(snapshot, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert snapshot == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_every_table_is_checked_and_every_writer_is_in_the_duckdb_pool():
    defs = _load_definitions()
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if key.path[0] in ("staging", "core", "marts"):
            assert node.check_keys, key
        assert node.pools == {"duckdb"}, key


def test_each_check_is_named_for_what_it_checks_and_lists_its_expectations():
    graph = _load_definitions().resolve_asset_graph()
    checks = {key: graph.get(key) for key in graph.asset_check_keys}
    names = {key.name for key in checks}
    assert "great_expectations" not in names and "great_expectations_warnings" not in names
    fct_task = {key.name: node for key, node in checks.items() if key.asset_key.path == ["core", "fct_task"]}
    assert {"keys_unique", "values_in_range", "dates_in_order", "text_in_nfc", "codes_in_code_lists"} <= set(fct_task)
    assert "budget_state_vnd is at least 0" in fct_task["values_in_range"].description
    assert fct_task["values_in_range"].blocking and not fct_task["codes_in_code_lists_warnings"].blocking


def test_deprecation_filter_catches_a_deprecated_dagster_api():
    """The check above would see a deprecated API: SourceAsset warns as the old APIs do."""
    import dagster as dg

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dg.SourceAsset(key="legacy")
    assert _deprecations(caught)


def test_every_asset_is_described_in_english_and_vietnamese_and_owned():
    """What the asset catalog shows: a description (the raw dlt assets had none), an owner, the layer and
    source tags, `pii` where a table holds personal data, the warehouse table name, a link to the code."""
    graph = _load_definitions().resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and node.owners and node.tags.get("layer") == key.path[0], key
        assert any(tag.startswith("source/") for tag in node.tags), key
        assert node.metadata.get("dagster/code_references"), key
    tasks = graph.get(dg.AssetKey(["raw", "ministries", "tasks"]))
    assert tasks.metadata["dagster/table_name"] == "raw_ministries.tasks"
    assert "Các nhiệm vụ KH&CN" in tasks.description and tasks.owners == ["team:csdl-ingest"]
    assert "pii" in graph.get(dg.AssetKey(["raw", "ministries", "researchers"])).tags
    assert "pii" not in graph.get(dg.AssetKey(["raw", "reference", "fields"])).tags
    researcher = graph.get(dg.AssetKey(["core", "dim_researcher"]))
    assert "pii" in researcher.tags and "Nhà nghiên cứu" in researcher.description  # the SQL's `vi:` line
    columns = {c.name: c.description for c in researcher.metadata["dagster/column_schema"].columns}
    assert columns["full_name"] == "Full name (normal form) / Họ và tên (dạng chuẩn)"
    assert any(
        ref.file_path.endswith("models/core/dim_researcher.sql")
        for ref in researcher.metadata["dagster/code_references"].code_references
    )


def test_raw_assets_carry_the_freshness_policy_of_their_schedule():
    graph = _load_definitions().resolve_asset_graph()
    ministries = graph.get(dg.AssetKey(["raw", "ministries", "tasks"])).freshness_policy
    academies = graph.get(dg.AssetKey(["raw", "academies", "publications"])).freshness_policy
    assert ministries.warn_window.to_timedelta() == timedelta(hours=24)  # daily at 02:00
    assert ministries.fail_window.to_timedelta() == timedelta(hours=36)
    assert academies.fail_window.to_timedelta() == timedelta(days=10, hours=12)  # weekly, and half a week


def _dg(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VIRTUAL_ENV": str(REPO / ".venv"), "CSDL_DATA_DIR": os.environ.get("CSDL_DATA_DIR", "data")}
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "dg"), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_dg_checks_and_lists_the_definitions_of_the_csdl_project(tmp_path):
    """`dg check defs` and `dg list defs` as a data engineer runs them in the checkout (pyproject's [tool.dg])."""
    checked = _dg("check", "defs")
    assert checked.returncode == 0 and "All definitions loaded successfully" in checked.stdout, checked.stderr
    listed = _dg("list", "defs", "--json")
    assert listed.returncode == 0, listed.stderr
    assets = {a["asset_key"]: a for a in json.loads(listed.stdout)["assets"]}
    assert assets["raw/ministries/tasks"]["owners"] == [{"team": "csdl-ingest"}]
    assert "Các nhiệm vụ KH&CN" in assets["raw/ministries/tasks"]["description"]
    assert "national_refresh" in {j["name"] for j in json.loads(listed.stdout)["jobs"]}
