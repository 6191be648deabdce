"""What analysts and provinces receive: no personal data, a complete catalog, province slices, working examples."""

import re
from pathlib import Path

import duckdb
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
PERSONAL_VALUE = re.compile(r"^(0\d{11}|0\d{9}|\+84\d{9}|[\w.+-]+@[\w-]+\.[\w.]+)$")  # CCCD, phone, e-mail
PERSONAL_COLUMNS = {"national_id", "email", "phone", "birth_date"}


def _scan(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    columns = [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
    found = [f"column {c}" for c in columns if c in PERSONAL_COLUMNS]
    for row in con.execute(f"SELECT * FROM {relation}").fetchall():
        found += [v for v in row if isinstance(v, str) and PERSONAL_VALUE.match(v)]
    return found


def test_no_personal_identifiers_in_the_snapshot_parquet_or_province_slices(refreshed, published):
    data, _ = refreshed
    for schema, table in published.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema <> 'main'"
    ).fetchall():
        assert _scan(published, f"{schema}.{table}") == [], f"{schema}.{table}"
    files = list((data / "published").rglob("*.parquet"))
    assert len(files) > 100  # the national copies and every province's slices
    con = duckdb.connect()
    for path in files:
        assert _scan(con, f"read_parquet('{path}')") == [], path


def test_the_scan_finds_personal_identifiers_where_they_are(refreshed):
    """The staging researchers hold them (working warehouse only): the scan above would see them."""
    with duckdb.connect(str(refreshed[0] / "warehouse.duckdb"), read_only=True) as con:
        assert _scan(con, "staging.ministry_researchers")


def test_every_published_table_and_column_is_described_in_both_languages(published):
    missing = published.execute("""
        SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c
        LEFT JOIN main.catalog k ON k.table_schema = c.table_schema AND k.table_name = c.table_name
            AND k.column_name = c.column_name AND k.description_en IS NOT NULL AND k.description_vi IS NOT NULL
        WHERE c.table_schema IN ('core', 'marts') AND k.table_name IS NULL""").fetchall()
    assert missing == []
    undescribed = published.execute(
        "SELECT table_name FROM main.catalog WHERE column_name IS NULL AND (description_en IS NULL OR description_vi IS NULL)"
    ).fetchall()
    assert undescribed == []


def test_each_province_gets_its_own_slice(refreshed, published):
    slices = refreshed[0] / "published" / "provinces"
    current = [
        c for (c,) in published.execute("SELECT province_code FROM core.dim_province WHERE is_current").fetchall()
    ]
    assert sorted(p.name for p in slices.iterdir()) == sorted(current)
    con = duckdb.connect()
    for code in ("01", "24", "79"):
        tasks = con.execute(
            f"SELECT count(*), count(DISTINCT current_province_code) FROM '{slices / code / 'fct_task.parquet'}'"
        ).fetchall()[0]
        expected = published.execute(
            "SELECT count(*) FROM core.fct_task WHERE current_province_code = ?", [code]
        ).fetchall()[0][0]
        assert tasks == (expected, 1 if expected else 0)
        former = con.execute(
            f"SELECT DISTINCT province_code FROM '{slices / code / 'fct_statistic.parquet'}'"
        ).fetchall()
        successors = published.execute(
            "SELECT DISTINCT successor_code FROM core.dim_province WHERE province_code IN (SELECT unnest(?))",
            [[c for (c,) in former]],
        ).fetchall()
        assert successors == [(code,)]


def _analyst_examples() -> list[tuple[str, str]]:
    page = README.read_text(encoding="utf-8").split("## For analysts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"\*\*\d+\. (.+?)\*\*\s*```sql\n(.+?)```", page, flags=re.S)


def test_readme_has_ten_analyst_examples():
    assert len(_analyst_examples()) == 10


@pytest.mark.parametrize("question, sql", _analyst_examples(), ids=[q for q, _ in _analyst_examples()])
def test_analyst_examples_answer_with_rows(published, question, sql):
    assert published.execute(sql).fetchall(), question
