"""Publishing refuses personal identifiers and never leaves a half-written snapshot."""

import duckdb
import pytest

from warehouse.publish import PublishError, publish


def test_a_personal_identifier_column_stops_publishing_and_keeps_the_last_snapshot(tmp_path):
    published = tmp_path / "published"
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA core")
    con.execute("CREATE TABLE core.dim_researcher AS SELECT 'NCV-1' AS researcher_id, 'Lê Thị Hoa' AS full_name")
    first = publish(con, published, "run-1", [])
    assert first == {"core.dim_researcher": 1}

    con.execute("ALTER TABLE core.dim_researcher ADD COLUMN email VARCHAR DEFAULT 'hoa@example.vn'")
    with pytest.raises(PublishError, match="core.dim_researcher.email"):
        publish(con, published, "run-2", [])
    con.close()
    snapshot = duckdb.connect(str(published / "csdl.duckdb"), read_only=True)
    assert snapshot.execute("SELECT run_id FROM main.refresh").fetchall() == [("run-1",)]
    assert "email" not in {c for (c,) in snapshot.execute("SELECT column_name FROM information_schema.columns").fetchall()}
    assert sorted(p.name for p in published.iterdir()) == ["csdl.duckdb", "parquet", "provinces"]  # no temporary files
