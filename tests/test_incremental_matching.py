"""Incremental matching gives the tables a full build gives, after records were edited, added
(duplicates of existing ones among them) and deleted or withdrawn."""

import dataclasses

import duckdb
import pytest

from warehouse.matching import demo_records as demo
from warehouse.matching import tables
from warehouse.matching.tables import MATCHERS, build_table

NAMES = [m.name for m in MATCHERS]


@pytest.fixture
def staging(demo_dir):
    con = duckdb.connect()
    demo.load_staging(con, demo_dir)
    yield con
    con.close()


def _build_all(con, incremental: bool) -> dict[str, tuple]:
    return {m.name: build_table(con, m, incremental=incremental) for m in MATCHERS}


def _table(con, name: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM staging.{name} ORDER BY ALL").fetchall()


def _last_builds(con) -> dict[str, tuple]:
    return {
        m: (full, changed)
        for m, full, changed in con.execute(
            "SELECT matcher, full_build, changed_records FROM matching.builds"
        ).fetchall()
    }


def test_incremental_builds_equal_a_full_build_of_the_changed_records(staging):
    _build_all(staging, incremental=False)
    totals = {
        name: staging.execute(f"SELECT count(*) FROM staging.{name}").fetchall()[0][0]
        for name in ("organization_matches", "researcher_matches", "publication_matches")
    }
    # two refreshes in a row, each with 3% of the records edited, copied under new ids or deleted
    for seed in (1, 2):
        demo.change_staging(staging, 0.03, seed)
        incremental = _build_all(staging, incremental=True)
        builds = _last_builds(staging)
        assert not any(full for full, _ in builds.values()), builds
        for name, total in totals.items():
            assert 0 < builds[name][1] < total / 4, (name, builds[name])
        after_incremental = {name: _table(staging, name) for name in NAMES}
        assert _build_all(staging, incremental=False) == incremental
        for name in NAMES:
            assert after_incremental[name] == _table(staging, name), name
        _build_all(staging, incremental=True)  # back to incremental state for the next round


# Per builder: the staging table it reads, the text edited, and how the new duplicate differs from
# the record it copies (a duplicate task is one registered again under another managing body).
CHANGED = {
    "organization_matches": ("ministry_organizations", "name", "'DUP-1' AS source_id"),
    "researcher_matches": ("ministry_researchers", "full_name", "'DUP-1' AS source_id"),
    "publication_matches": ("academy_publications", "title", "'DUP-1' AS source_id"),
    "task_duplicate_pairs": (
        "ministry_tasks",
        "title",
        "'DUP-1' AS source_id, managing_body || ' khác' AS managing_body",
    ),
}


@pytest.mark.parametrize("name", NAMES)
def test_each_kind_of_change_is_picked_up(staging, name):
    """An edited record, a new duplicate of an existing one and a deleted one, in one table at a time."""
    _build_all(staging, incremental=False)
    table, text, copy = CHANGED[name]
    first, second, third = staging.execute(
        f"SELECT source_system, source_id FROM staging.{table} WHERE {text} "
        f"IS NOT NULL ORDER BY source_system, source_id LIMIT 3"
    ).fetchall()
    staging.execute(
        f"UPDATE staging.{table} SET {text} = 'Một tên khác hẳn' WHERE source_system = ? AND source_id = ?", list(first)
    )
    staging.execute(
        f"INSERT INTO staging.{table} SELECT * REPLACE ({copy}) FROM staging.{table} "
        f"WHERE source_system = ? AND source_id = ?",
        list(second),
    )
    gone = "UPDATE {} SET deleted = true" if table == "academy_publications" else "DELETE FROM {}"
    staging.execute(gone.format(f"staging.{table}") + " WHERE source_system = ? AND source_id = ?", list(third))
    incremental = _build_all(staging, incremental=True)
    after_incremental = {n: _table(staging, n) for n in NAMES}
    assert _build_all(staging, incremental=False) == incremental
    assert after_incremental == {n: _table(staging, n) for n in NAMES}
    # the duplicate joins the record it copies
    if name == "task_duplicate_pairs":
        assert staging.execute(
            "SELECT count(*) FROM staging.task_duplicate_pairs WHERE source_system_a = ? "
            "AND 'DUP-1' IN (source_id_a, source_id_b)",
            [second[0]],
        ).fetchall() == [(1,)]
    else:
        column = {
            "organization_matches": "org_id",
            "researcher_matches": "researcher_id",
            "publication_matches": "publication_id",
        }[name]
        ids = staging.execute(
            f"SELECT source_id, {column} FROM staging.{name} WHERE source_system = ? AND source_id IN (?, 'DUP-1')",
            list(second),
        ).fetchall()
        assert len(ids) == 2 and ids[0][1] == ids[1][1]


def test_a_new_matcher_version_or_a_missing_state_makes_a_full_build(staging):
    _build_all(staging, incremental=False)
    assert _last_builds(staging)["organization_matches"][0]
    build_table(staging, tables.ORGANIZATIONS, incremental=True)
    assert _last_builds(staging)["organization_matches"] == (False, 0)
    build_table(staging, dataclasses.replace(tables.ORGANIZATIONS, version="changed"), incremental=True)
    assert _last_builds(staging)["organization_matches"][0]
    staging.execute("DROP TABLE matching.publication_matches_edges")
    build_table(staging, tables.PUBLICATIONS, incremental=True)
    assert _last_builds(staging)["publication_matches"][0]
