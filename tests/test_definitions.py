"""The Dagster definitions load cleanly and the asset graph is the one the SQL describes."""

import importlib
import json
import os
import sys
import warnings
from pathlib import Path


SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def _load_definitions():
    for name in [m for m in sys.modules if m.split(".")[0] in ("pipelines", "assets", "quality")]:
        del sys.modules[name]
    return importlib.import_module("pipelines.definitions").defs


def _deprecations(caught) -> list[str]:
    return [f"{w.category.__name__}: {w.message}" for w in caught
            if ("deprecat" in str(w.message).lower() or issubclass(w.category, DeprecationWarning))
            # dagster's own use of pydantic's old API is not ours to fix
            and w.category.__name__ != "PydanticDeprecatedSince20"]


def test_definitions_load_without_errors_or_deprecations():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        defs = _load_definitions()
        graph = defs.resolve_asset_graph()
        for job in ("national_refresh", "ministries_refresh", "academies_refresh", "provinces_refresh",
                    "rebuild_from_raw", "quality_review"):
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
            assert any(c.name == "great_expectations" for c in node.check_keys), key
        assert node.pools == {"duckdb"}, key


def test_deprecation_filter_catches_a_deprecated_dagster_api():
    """The check above would see a deprecated API: SourceAsset warns as the old APIs do."""
    import dagster as dg

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dg.SourceAsset(key="legacy")
    assert _deprecations(caught)
