"""national_refresh over the whole graph, in-process, into a temporary data folder."""

import duckdb

from tests.conftest import ground_truth

EXPECTED_TABLES = {
    "core.dim_province",
    "core.dim_managing_body",
    "core.dim_field",
    "core.dim_task_level",
    "core.dim_indicator",
    "core.dim_organization",
    "core.organization_alias",
    "core.dim_researcher",
    "core.fct_task",
    "core.fct_task_result",
    "core.fct_publication",
    "core.bridge_publication_author",
    "core.fct_statistic",
    "marts.indicators_by_province_year",
    "marts.reporting_completeness",
    "marts.task_duplicate_candidates",
    "marts.statistic_year_changes",
    "main.catalog",
    "main.refresh",
    "main.personal_data_masked",
}


def _count_lines(paths) -> int:
    return sum(sum(1 for _ in open(p, encoding="utf-8")) for p in paths)


def test_every_check_passed_and_the_snapshot_holds_every_table(refreshed, published):
    _, result = refreshed
    checks = list(result.get_asset_check_evaluations())
    assert checks and all(c.passed for c in checks), [c.asset_key for c in checks if not c.passed]
    tables = {
        f"{s}.{t}"
        for s, t in published.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
    }
    lookups = {t for t in tables if t.startswith("core.code_")}
    questions = {t for t in tables if t.startswith("questions.")}
    assert tables - lookups - questions == EXPECTED_TABLES
    assert len(questions) == 10 and {"core.code_sex", "core.code_task_status"} <= lookups  # the README's ten questions
    parquet = {p.stem for p in (refreshed[0] / "published" / "parquet").glob("*.parquet")}
    assert parquet == {t for t in tables - questions if not t.startswith("main.")}


def test_row_counts_reconcile_with_what_the_sources_sent(refreshed, published, demo_dir):
    data, _ = refreshed
    defects = ground_truth(demo_dir, "defects")
    broken_tasks = sum(1 for d in defects if d["resource"] == "tasks")
    sent_tasks = _count_lines((demo_dir / "ministries").glob("*/tasks.jsonl"))
    sent_orgs = _count_lines((demo_dir / "ministries").glob("*/organizations.jsonl"))
    count = lambda table: published.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: E731
    assert count("core.fct_task") == sent_tasks - broken_tasks
    assert count("core.organization_alias") == sent_orgs
    assert count("core.dim_province") == 97
    assert count("core.fct_statistic") == len(ground_truth(demo_dir, "statistics"))
    # the same publication from two repositories is one row; the matcher, fitted across catalogues, also joins a
    # few look-alikes of the demo (its precision here is about 0.98, README "Entity resolution")
    works = len({r["entity_id"] for r in ground_truth(demo_dir, "publications")})
    assert works * 0.995 <= count("core.fct_publication") <= works

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        quarantined = {(m, k) for m, k in con.execute("SELECT model, source_key FROM quality.quarantine").fetchall()}
    assert {d["source_id"] for d in defects} == {k for _, k in quarantined}


def test_statistics_come_from_the_latest_submission(published, demo_dir):
    truth = {
        (r["province_code"], int(r["reference_year"]), r["form_code"], r["indicator_code"], r["breakdown"]): float(
            r["value"]
        )
        for r in ground_truth(demo_dir, "statistics")
    }
    ours = {
        (p, y, f, i, b): v
        for p, y, f, i, b, v in published.execute(
            "SELECT province_code, reference_year, form_code, indicator_code, breakdown, value FROM core.fct_statistic"
        ).fetchall()
    }
    assert ours.keys() == truth.keys()
    # the snapshot keeps three decimals (DECIMAL(18,3)): what a source sent, without float noise
    assert all(abs(float(ours[k]) - truth[k]) <= 0.0005 for k in truth)


def test_analysts_get_tasks_by_current_province_and_year(published):
    rows = published.execute("""
        SELECT p.name, t.start_year, count(*) AS tasks, sum(t.budget_total_vnd) / 1e9 AS budget_bn_vnd
        FROM core.fct_task t JOIN core.dim_province p ON p.province_code = t.current_province_code AND p.is_current
        GROUP BY ALL ORDER BY tasks DESC""").fetchall()
    assert len(rows) > 20
    assert rows[0][0] == "Thành phố Hà Nội"


def test_analysts_get_publications_by_field_and_year(published):
    rows = published.execute("""
        SELECT f.name_vi, p.year, count(*) FROM core.fct_publication p
        JOIN core.dim_field f ON f.field_code = p.field_code
        GROUP BY ALL ORDER BY 3 DESC""").fetchall()
    assert len(rows) > 20 and all(n > 0 for *_, n in rows)
