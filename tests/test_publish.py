"""Publishing refuses personal identifiers and never leaves a half-written snapshot."""

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
    assert "email" not in {c for (c,) in snapshot.execute("SELECT column_name FROM information_schema.columns").fetchall()}
    assert sorted(p.name for p in published.iterdir()) == ["csdl.duckdb", "current", "parquet", "provinces", "versions"]
    assert len(list((published / "versions").iterdir())) == 1  # no temporary files



def test_province_slices_are_whole_when_duckdb_splits_a_partition_into_several_files(tmp_path):
    """DuckDB writes a province's rows as several files when it closes partition files early (more provinces
    than `partitioned_write_max_open_files`, rows past `partitioned_write_flush_threshold`); each province
    still gets one file per table, with all its rows and no partition column."""
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA core")
    con.execute("CREATE TABLE core.dim_province AS SELECT * FROM (VALUES ('01', true), ('79', true), ('02', true)) "
                "AS p(province_code, is_current)")
    con.execute("CREATE VIEW core.fct_task AS SELECT 'T' || i AS task_id, "
                "CASE WHEN i % 3 = 0 THEN '79' ELSE '01' END AS current_province_code FROM range(300000) AS r(i)")
    con.execute("SET partitioned_write_max_open_files = 1")
    con.execute("SET partitioned_write_flush_threshold = 100")
    parts = tmp_path / "probe"
    con.execute(f"COPY (SELECT *, current_province_code AS p FROM core.fct_task) TO '{parts}' (FORMAT parquet, PARTITION_BY (p))")
    assert len(list((parts / "p=01").glob("*.parquet"))) > 1  # the case this test is about does happen

    _write_province_slices(con, tmp_path / "provinces")
    for code, rows in (("01", 200000), ("79", 100000), ("02", 0)):
        file = f"'{tmp_path / 'provinces' / code / 'fct_task.parquet'}'"
        assert con.execute(f"SELECT count(*), count(DISTINCT task_id) FROM {file}").fetchall() == [(rows, rows)]
        assert [c for c, *_ in con.execute(f"DESCRIBE SELECT * FROM {file}").fetchall()] == \
            ["task_id", "current_province_code"]
