"""Publishing refuses personal identifiers, never leaves a half-written snapshot, and publishes it read-only."""

import os
import pickle
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.publish import PublishError, _write_province_slices, publish


def test_a_personal_identifier_column_stops_publishing_and_keeps_the_last_snapshot(tmp_path):
    published = tmp_path / "published"
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA core")
    con.execute("CREATE TABLE core.dim_researcher AS SELECT 'NCV-1' AS researcher_id, 'Lê Thị Hoa' AS full_name")
    first = publish(con, published, "run-1", [])
    assert first.rows == {"core.dim_researcher": 1}

    con.execute("ALTER TABLE core.dim_researcher ADD COLUMN email VARCHAR DEFAULT 'hoa@example.vn'")
    with pytest.raises(PublishError, match="core.dim_researcher.email"):
        publish(con, published, "run-2", [])
    con.close()
    snapshot = duckdb.connect(str(published / "csdl.duckdb"), read_only=True)
    assert snapshot.execute("SELECT run_id FROM main.refresh").fetchall() == [("run-1",)]
    assert "email" not in {
        c for (c,) in snapshot.execute("SELECT column_name FROM information_schema.columns").fetchall()
    }
    assert sorted(p.name for p in published.iterdir()) == [
        "csdl.duckdb",
        "current",
        "data_dictionary.html",
        "parquet",
        "provinces",
        "versions",
    ]
    assert len(list((published / "versions").iterdir())) == 1  # no temporary files


def test_province_slices_are_whole_when_duckdb_splits_a_partition_into_several_files(tmp_path):
    """DuckDB writes a province's rows as several files when it closes partition files early (more provinces
    than `partitioned_write_max_open_files`, rows past `partitioned_write_flush_threshold`); each province
    still gets one file per table, with all its rows and no partition column."""
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA core")
    con.execute(
        "CREATE TABLE core.dim_province AS SELECT * FROM (VALUES ('01', true), ('79', true), ('02', true)) "
        "AS p(province_code, is_current)"
    )
    con.execute(
        "CREATE VIEW core.fct_task AS SELECT 'T' || i AS task_id, "
        "CASE WHEN i % 3 = 0 THEN '79' ELSE '01' END AS current_province_code FROM range(300000) AS r(i)"
    )
    con.execute("SET partitioned_write_max_open_files = 1")
    con.execute("SET partitioned_write_flush_threshold = 100")
    parts = tmp_path / "probe"
    con.execute(
        f"COPY (SELECT *, current_province_code AS p FROM core.fct_task) TO '{parts}' (FORMAT parquet, PARTITION_BY (p))"
    )
    assert len(list((parts / "p=01").glob("*.parquet"))) > 1  # the case this test is about does happen

    _write_province_slices(con, tmp_path / "provinces")
    for code, rows in (("01", 200000), ("79", 100000), ("02", 0)):
        file = f"'{tmp_path / 'provinces' / code / 'fct_task.parquet'}'"
        assert con.execute(f"SELECT count(*), count(DISTINCT task_id) FROM {file}").fetchall() == [(rows, rows)]
        assert [c for c, *_ in con.execute(f"DESCRIBE SELECT * FROM {file}").fetchall()] == [
            "task_id",
            "current_province_code",
        ]


def as_another_user(fn):
    """`fn()` run in a forked child as the unprivileged user `nobody` (file modes do not stop root, whom the
    tests may run as): ("ok", its result) or ("error", the exception)."""
    if os.geteuid() != 0:
        pytest.skip("switching to another user needs root")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            nobody = pwd.getpwnam("nobody")
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            try:
                outcome = ("ok", fn())
            except Exception as e:  # noqa: BLE001  (reported to the parent, which asserts on it)
                outcome = ("error", f"{type(e).__name__}: {e}")
            os.write(write, pickle.dumps(outcome))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        answer = f.read()
    os.waitpid(pid, 0)
    return pickle.loads(answer)


@pytest.fixture
def shared_tmp():
    """A folder other users can reach (pytest's own tmp_path is its owner's only)."""
    path = Path(tempfile.mkdtemp(prefix="csdl-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _small_warehouse(path: Path, tasks: int = 10) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA core")
    con.execute(
        "CREATE TABLE core.dim_province AS SELECT * FROM (VALUES ('01', true), ('79', true)) AS p(province_code, is_current)"
    )
    con.execute(
        f"CREATE TABLE core.fct_task AS SELECT 'T' || i AS task_id, 'Đề tài ' || i AS title, "
        f"CASE WHEN i % 2 = 0 THEN '01' ELSE '79' END AS current_province_code FROM range({tasks}) r(i)"
    )
    con.execute("CREATE TABLE core.marker AS SELECT 0 AS run")
    return con


def test_the_snapshot_is_read_only_on_disk_and_analysts_open_it_read_only(shared_tmp):
    published = shared_tmp / "published"
    con = _small_warehouse(shared_tmp / "warehouse.duckdb")
    publish(con, published, "run-1", [])
    con.close()
    version = Path(os.path.realpath(published / "current"))
    for path in [version, *version.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o555 if path.is_dir() else 0o444), path

    def open_for_writing():
        duckdb.connect(str(published / "csdl.duckdb")).execute("CREATE TABLE main.mine AS SELECT 1")

    def write_parquet():
        (published / "parquet" / "core.fct_task.parquet").write_bytes(b"")

    def read_as_an_analyst():
        with duckdb.connect(str(published / "csdl.duckdb"), read_only=True) as snapshot:
            tasks = snapshot.execute("SELECT count(*) FROM core.fct_task").fetchall()[0][0]
        parquet = duckdb.connect().execute(f"SELECT count(*) FROM '{published / 'parquet' / 'core.fct_task.parquet'}'")
        return tasks, parquet.fetchall()[0][0]

    assert as_another_user(open_for_writing)[0] == "error"
    assert as_another_user(write_parquet)[0] == "error"
    assert as_another_user(read_as_an_analyst) == ("ok", (10, 10))


PUBLISH_FOREVER = """
import sys
from pathlib import Path
import duckdb
from warehouse.publish import publish
con = duckdb.connect(sys.argv[1])
for run in range(1, 10_000):
    con.execute("CREATE OR REPLACE TABLE core.marker AS SELECT ? AS run", [run])
    publish(con, Path(sys.argv[2]), f"run-{run}", [])
"""


def test_a_publish_killed_at_any_point_leaves_one_whole_snapshot_and_the_next_cleans_up(tmp_path):
    """Readers see every part of one version (the DuckDB file and the Parquet of the same run) while publishes
    follow each other, `csdl.duckdb` never goes missing, and `kill -9` mid-publish leaves the last whole one."""
    published = tmp_path / "published"
    _small_warehouse(tmp_path / "warehouse.duckdb", tasks=300_000).close()
    writer = subprocess.Popen(
        [sys.executable, "-c", PUBLISH_FOREVER, str(tmp_path / "warehouse.duckdb"), str(published)],
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        seen, killed_midway, deadline = set(), False, time.monotonic() + 120
        reader = duckdb.connect()
        while time.monotonic() < deadline and not killed_midway:
            if not (published / "current").is_symlink():
                continue  # the first publish is still being written
            assert (published / "csdl.duckdb").exists()
            version = Path(os.path.realpath(published / "current"))
            with duckdb.connect(str(version / "csdl.duckdb"), read_only=True) as snapshot:
                run_id = snapshot.execute("SELECT run_id FROM main.refresh").fetchall()[0][0]
            (marker,) = reader.execute(f"SELECT run FROM '{version / 'parquet' / 'core.marker.parquet'}'").fetchall()[0]
            assert run_id == f"run-{marker}"  # both parts from the same publish
            seen.add(run_id)
            if len(seen) >= 3 and any(p.name.startswith(".publishing-") for p in (published / "versions").iterdir()):
                os.kill(writer.pid, signal.SIGKILL)
                killed_midway = True
        assert killed_midway, f"the writer published {len(seen)} versions and was never caught mid-publish"
    finally:
        writer.kill()
        writer.wait()
    assert any(p.name.startswith(".publishing-") for p in (published / "versions").iterdir())  # what kill -9 left
    with duckdb.connect(str(published / "csdl.duckdb"), read_only=True) as snapshot:
        assert snapshot.execute("SELECT count(*) FROM core.fct_task").fetchall() == [(300_000,)]

    con = _small_warehouse(tmp_path / "next.duckdb")
    publish(con, published, "run-next", [])
    con.close()
    names = sorted(p.name for p in (published / "versions").iterdir())
    assert len(names) == 2 and not any(n.startswith(".") for n in names)  # current and previous only
    assert sorted(os.path.basename(os.readlink(published / link)) for link in ("current", "previous")) == names
    assert sorted(p.name for p in published.iterdir()) == [
        "csdl.duckdb",
        "current",
        "data_dictionary.html",
        "parquet",
        "previous",
        "provinces",
        "versions",
    ]
    with duckdb.connect(str(published / "csdl.duckdb"), read_only=True) as snapshot:
        assert snapshot.execute("SELECT run_id FROM main.refresh").fetchall() == [("run-next",)]


def test_a_snapshot_published_before_versions_is_replaced_by_the_links(tmp_path):
    published = tmp_path / "published"
    (published / "parquet").mkdir(parents=True)
    (published / "provinces").mkdir()
    duckdb.connect(str(published / "csdl.duckdb")).close()
    (published / ".publishing-0123").mkdir()  # what the earlier layout's killed publish left
    con = _small_warehouse(tmp_path / "warehouse.duckdb")
    publish(con, published, "run-1", [])
    assert sorted(p.name for p in published.iterdir()) == [
        "csdl.duckdb",
        "current",
        "data_dictionary.html",
        "parquet",
        "provinces",
        "versions",
    ]
    assert all(
        (published / part).is_symlink() for part in ("csdl.duckdb", "data_dictionary.html", "parquet", "provinces")
    )
    assert sorted(p.name for p in (published / "provinces").iterdir()) == ["01", "79"]
