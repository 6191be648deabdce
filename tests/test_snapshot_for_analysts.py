"""What analysts see in the snapshot with their own tools: the DuckDB 1.4 LTS CLI opens it, every table and
column carries its description, codes have lookups, keys are declared, money is DECIMAL, text is NFC, the
README's questions are views, the large facts are Parquet by year, and the data dictionary lists it all."""

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from quality.suites import (
    ORG_TYPES,
    OWNERSHIP,
    PUBLICATION_TYPES,
    RESULT_TYPES,
    SEXES,
    TASK_FORMS,
    TASK_STATUSES,
)
from warehouse.codes import LABELS, UNLABELLED, breakdowns, code_list
from warehouse.publish import publish
from warehouse.snapshot import question_views
from warehouse.snapshot_parquet import BY_YEAR

README = Path(__file__).resolve().parents[1] / "README.md"
# The CLIs analysts install with `pip install duckdb-cli`: the 1.4 LTS line (a binary in a wheel) and the newest
# on PyPI (1.5, which refused the 2.0 storage format); each installs in seconds, apart from the project's duckdb.
DUCKDB_CLIS = ["duckdb-cli==1.4.4.post2", "duckdb-cli==1.5.6"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session", params=DUCKDB_CLIS)
def duckdb_cli(request, tmp_path_factory) -> tuple[Path, dict]:
    """A DuckDB CLI from PyPI, and the environment it runs in (the 1.5 wheel's entry point is a Python script)."""
    target = tmp_path_factory.mktemp("duckdb-cli")
    done = subprocess.run(
        [sys.executable, "-m", "uv", "pip", "install", "--quiet", "--target", str(target), request.param],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"could not install {request.param} from PyPI: {done.stderr[-2000:]}"
    return target / "bin" / "duckdb", {**os.environ, "PYTHONPATH": str(target)}


def _cli(cli: tuple[Path, dict], database: Path, sql: str) -> list[dict]:
    binary, environment = cli
    done = subprocess.run(
        [str(binary), "-readonly", "-json", str(database), "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environment,
    )
    assert done.returncode == 0, f"{sql}: {done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else []


def test_the_duckdb_1_4_and_1_5_clis_open_the_snapshot_and_answer_every_question(refreshed, published, duckdb_cli):
    version = subprocess.run(
        [str(duckdb_cli[0]), "--version"], capture_output=True, text=True, check=False, env=duckdb_cli[1]
    ).stdout
    assert version.startswith(("v1.4.", "v1.5.")), version
    snapshot = refreshed[0] / "published" / "csdl.duckdb"
    tables = _cli(duckdb_cli, snapshot, "SELECT schema_name || '.' || table_name AS name, comment FROM duckdb_tables()")
    (tags,) = published.execute(
        "SELECT tags FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()[0]
    assert tags["storage_version"].startswith("v1.4.0")
    expected = published.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()
    assert sorted(t["name"] for t in tables) == sorted(n for (n,) in expected)
    assert all(t["comment"] for t in tables if t["name"].startswith(("core.", "marts.")))
    views = [
        v
        for (v,) in published.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'questions'").fetchall()
    ]
    assert len(views) == 10
    for view in views:
        assert _cli(duckdb_cli, snapshot, f"SELECT * FROM questions.{view}"), view
    (row,) = _cli(
        duckdb_cli,
        snapshot,
        "SELECT typeof(value) AS type, sum(value) AS total FROM marts.indicators_by_province_year "
        "WHERE breakdown = 'nguon:nsnn_dia_phuong' GROUP BY ALL",
    )
    assert row["type"] == "DECIMAL(18,3)"
    by_year = refreshed[0] / "published" / "parquet" / "by_year" / "core.fct_task"
    (parquet,) = _cli(
        duckdb_cli,
        snapshot,
        f"SELECT count(*) AS n FROM read_parquet('{by_year}/*/*.parquet', hive_partitioning = true)",
    )
    assert parquet["n"] == published.execute("SELECT count(*) FROM core.fct_task").fetchall()[0][0]


def test_every_table_and_column_has_its_description_as_a_comment_and_in_the_parquet_metadata(refreshed, published):
    missing = published.execute("""
        SELECT c.schema_name, c.table_name, c.column_name FROM duckdb_columns() c
        JOIN main.catalog k ON k.table_schema = c.schema_name AND k.table_name = c.table_name AND k.column_name = c.column_name
        WHERE c.schema_name IN ('core', 'marts')
          AND (c.comment IS NULL OR NOT contains(c.comment, k.description_en) OR NOT contains(c.comment, k.description_vi))
        """).fetchall()
    assert missing == []
    (task_comment,) = published.execute(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = 'core' AND table_name = 'fct_task'"
    ).fetchall()[0]
    assert "S&T tasks" in task_comment and "Nhiệm vụ KH&CN" in task_comment
    (sex,) = published.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'dim_researcher' AND column_name = 'sex'"
    ).fetchall()[0]
    assert "Giới tính" in sex and "core.code_sex" in sex

    metadata = dict(
        duckdb.connect()
        .execute(
            "SELECT decode(key), decode(value) FROM parquet_kv_metadata(?)",
            [str(refreshed[0] / "published" / "parquet" / "core.fct_task.parquet")],
        )
        .fetchall()
    )
    assert "Nhiệm vụ KH&CN" in metadata["description_vi"]
    assert json.loads(metadata["columns"])["budget_state_vnd"] == {
        "en": "State budget funding, VND",
        "vi": "Kinh phí ngân sách nhà nước, đồng",
    }


def _coded_columns(con) -> list[tuple[str, str, str]]:
    return [
        (s, t, c)
        for s, t, c in con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE schema_name IN ('core', 'marts') "
            "AND data_type = 'VARCHAR' AND NOT starts_with(table_name, 'code_')"
        ).fetchall()
        if code_list(t, c)
    ]


def test_every_coded_value_joins_its_lookup_and_core_declares_the_keys(published):
    coded = _coded_columns(published)
    assert {"sex", "highest_degree", "academic_title", "status", "breakdown", "org_type", "form"} <= {
        c for _, _, c in coded
    }
    for schema, table, column in coded:
        lookup = f"core.code_{code_list(table, column)}"
        unlabelled = published.execute(
            f'SELECT DISTINCT t."{column}" FROM {schema}.{table} t LEFT JOIN {lookup} k ON k.code = t."{column}" '
            f'WHERE t."{column}" IS NOT NULL AND (k.code IS NULL OR k.label_en = ?)',
            [UNLABELLED[0]],
        ).fetchall()
        assert unlabelled == [], f"{schema}.{table}.{column}"
    assert published.execute(
        "SELECT label_en, label_vi FROM core.code_breakdown WHERE code = 'nguon:nsnn_dia_phuong'"
    ).fetchall() == [("source of funds: local state budget", "nguồn kinh phí: ngân sách nhà nước địa phương")]

    constraints = {
        (t, kind, tuple(cols), ref)
        for t, kind, cols, ref in published.execute(
            "SELECT schema_name || '.' || table_name, constraint_type, constraint_column_names, referenced_table "
            "FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')"
        ).fetchall()
    }
    for expected in [
        ("core.fct_task", "PRIMARY KEY", ("task_id",), None),
        ("core.bridge_publication_author", "PRIMARY KEY", ("publication_id", "author_position"), None),
        (
            "marts.indicators_by_province_year",
            "PRIMARY KEY",
            ("unit_set", "province_code", "year", "indicator_code", "breakdown", "source"),
            None,
        ),
        ("core.fct_task", "FOREIGN KEY", ("host_org_id",), "dim_organization"),
        ("core.fct_task_result", "FOREIGN KEY", ("task_id",), "fct_task"),
        ("core.dim_researcher", "FOREIGN KEY", ("sex",), "code_sex"),
        ("core.fct_statistic", "FOREIGN KEY", ("breakdown",), "code_breakdown"),
    ]:
        assert expected in constraints


def test_money_is_decimal_indicator_values_have_no_float_noise_and_names_are_nfc(refreshed, published):
    types = {
        (t, c): d
        for t, c, d in published.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name IN ('core', 'marts')"
        ).fetchall()
    }
    assert types["fct_task", "budget_state_vnd"] == types["fct_task", "budget_total_vnd"] == "DECIMAL(18,0)"
    assert types["indicators_by_province_year", "value"] == types["fct_statistic", "value"] == "DECIMAL(18,3)"
    with duckdb.connect(str(refreshed[0] / "warehouse.duckdb"), read_only=True) as warehouse:
        noisy = warehouse.execute(
            "SELECT count(*) FROM marts.indicators_by_province_year WHERE value <> round(value, 3)"
        ).fetchall()
        nfd = warehouse.execute(
            "SELECT count(*) FROM core.organization_alias WHERE alias_received <> nfc_normalize(alias_received)"
        ).fetchall()
        aliases = warehouse.execute(
            "SELECT count(DISTINCT nfc_normalize(alias_received)) FROM core.organization_alias"
        ).fetchall()
    assert noisy[0][0] > 0 and nfd[0][0] > 0  # the warehouse has float noise and NFD names: the checks below see them
    assert published.execute("SELECT count(DISTINCT alias_received) FROM core.organization_alias").fetchall() == aliases
    for schema, table, column in published.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE schema_name IN ('core', 'marts') "
        "AND data_type = 'VARCHAR'"
    ).fetchall():
        assert published.execute(
            f'SELECT count(*) FROM {schema}.{table} WHERE "{column}" <> nfc_normalize("{column}")'
        ).fetchall() == [(0,)], f"{schema}.{table}.{column}"


def test_the_readme_questions_are_the_views(published):
    page = README.read_text(encoding="utf-8").split("## For analysts", 1)[1].split("\n## ", 1)[0]
    readme = re.findall(r"\*\*(\d+\. .+?)\*\*.*?```sql\n(.+?)```", page, flags=re.DOTALL)
    views = question_views()
    assert [(q, " ".join(sql.rstrip().rstrip(";").split())) for q, sql in readme] == [
        (english, " ".join(sql.split())) for _, english, _, sql in views
    ]
    for name, english, vietnamese, _ in views:
        (comment,) = published.execute(
            "SELECT comment FROM duckdb_views() WHERE schema_name = 'questions' AND view_name = ?", [name]
        ).fetchall()[0]
        assert english in comment and vietnamese in comment
        assert published.execute(f"SELECT * FROM questions.{name}").fetchall(), name


def test_the_large_facts_are_parquet_partitioned_by_year(refreshed, published):
    folder = refreshed[0] / "published" / "parquet" / "by_year"
    reader = duckdb.connect()
    for table, year in BY_YEAR.items():
        years = {str(y) for (y,) in published.execute(f"SELECT DISTINCT {year} FROM {table}").fetchall()}
        assert {p.name for p in (folder / table).iterdir()} == {f"{year}={y}" for y in years}, table
        rows = reader.execute(
            f"SELECT count(*), count(DISTINCT {year}) FROM read_parquet('{folder / table}/*/*.parquet', "
            "hive_partitioning = true)"
        ).fetchall()
        assert rows == published.execute(f"SELECT count(*), count(DISTINCT {year}) FROM {table}").fetchall(), table


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.text = set(), []

    def handle_starttag(self, tag, attrs):
        self.ids.update(v for k, v in attrs if k == "id")

    def handle_data(self, data):
        self.text.append(data)


def test_the_data_dictionary_lists_every_table_column_code_and_lineage_in_chromium(refreshed, published, tmp_path):
    page = refreshed[0] / "published" / "data_dictionary.html"
    assert shutil.which(CHROMIUM), "chromium is missing: `make test` installs Debian's chromium package"
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={tmp_path / 'dictionary.png'}",
            "--window-size=1400,1800",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "dictionary.png").stat().st_size > 10_000
    dom = _Page()
    dom.feed(done.stdout)
    text = " ".join(dom.text)
    relations = published.execute(
        "SELECT schema_name || '.' || table_name, 'table' FROM duckdb_tables() UNION ALL "
        "SELECT schema_name || '.' || view_name, 'view' FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    assert {name for name, _ in relations} <= dom.ids
    for name, _ in relations:
        rows = published.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        assert f"{rows:,} dòng / rows" in text, name
    for column, description in published.execute(
        "SELECT column_name, description_vi FROM main.catalog WHERE table_schema = 'core' AND column_name IS NOT NULL"
    ).fetchall():
        assert column in text and description in text
    assert "staging.ministry_tasks.title" in text  # lineage of core.fct_task.title
    assert "nguồn kinh phí: ngân sách nhà nước địa phương" in text  # a code list


def test_unknown_codes_and_keys_the_rows_break_still_publish_and_personal_data_stays_masked(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA core")
    con.execute(
        "CREATE TABLE core.dim_researcher AS SELECT * FROM (VALUES ('R1', 'Lê Hoa', 'nu'), ('R1', 'Lê Hoa', 'nu'), "
        "('R2', 'Trần Bình', 'khác 0912 345 678')) AS r(researcher_id, full_name, sex)"
    )
    con.execute(
        "CREATE TABLE core.fct_task AS SELECT * FROM (VALUES ('T1', 'Đề tài - ĐT 0912 345 678', 2024, 1500000000)) "
        "AS t(task_id, title, start_year, budget_state_vnd)"
    )
    published = tmp_path / "published"
    snapshot = publish(con, published, "run-1", [])
    assert snapshot.keys_left_out == ["core.dim_researcher PRIMARY KEY (researcher_id)"]
    reader = duckdb.connect(str(published / "csdl.duckdb"), read_only=True)
    assert reader.execute(
        "SELECT code, label_en FROM core.code_sex WHERE label_en = ?", [UNLABELLED[0]]
    ).fetchall() == [("khác [phone]", UNLABELLED[0])]
    assert reader.execute(
        "SELECT constraint_text FROM duckdb_constraints() WHERE table_name = 'dim_researcher' "
        "AND constraint_type = 'FOREIGN KEY'"
    ).fetchall() == [("FOREIGN KEY (sex) REFERENCES core.code_sex(code)",)]
    texts = reader.execute(
        f"SELECT title FROM read_parquet('{published}/parquet/by_year/core.fct_task/*/*.parquet')"
    ).fetchall()
    assert texts == [("Đề tài - ĐT [phone]",)]
    assert "0912" not in (published / "data_dictionary.html").read_text(encoding="utf-8")


def test_the_code_lists_label_every_code_the_checks_accept():
    for name, accepted in (
        ("task_status", TASK_STATUSES),
        ("task_form", TASK_FORMS),
        ("sex", SEXES),
        ("org_type", ORG_TYPES),
        ("ownership", OWNERSHIP),
        ("publication_type", PUBLICATION_TYPES),
        ("result_type", RESULT_TYPES),
    ):
        assert set(accepted) <= set(LABELS[name]), name
    assert UNLABELLED not in breakdowns().values()
