"""National indicators: provinces add up to the nation, the 63 former provinces roll up exactly to the 34
current units, and the mart equals the figures recomputed straight from the raw report rows."""

from collections import defaultdict
from datetime import date

import duckdb
import pytest

from sources.reference import load_provinces
from tests.conftest import ground_truth

MERGER = date(2025, 7, 1)


def _mart(published, unit_set: str, source: str | None = None) -> dict:
    sql = "SELECT province_code, year, indicator_code, breakdown, value FROM marts.indicators_by_province_year WHERE unit_set = ?"
    params = [unit_set]
    if source:
        sql += " AND source = ?"
        params.append(source)
    return {(p, y, i, b): float(v) for p, y, i, b, v in published.execute(sql, params).fetchall()}


def _close(published: float, expected: float, rounded_terms: int = 1) -> bool:
    """The snapshot keeps three decimals: each published term may be off by half a thousandth."""
    return abs(published - expected) <= 0.0005 * rounded_terms + 1e-9 * abs(expected)


def _sum_by(rows: dict, key) -> dict:
    totals = defaultdict(float)
    for k, v in rows.items():
        totals[key(k)] += v
    return totals


def test_provinces_add_up_to_the_national_figure_for_every_indicator_and_year(published):
    national = {(y, i, b): v for (_, y, i, b), v in _mart(published, "national").items()}
    by_province = _sum_by(_mart(published, "34"), lambda k: k[1:])
    assert national.keys() == by_province.keys()
    assert all(_close(national[k], by_province[k], rounded_terms=35) for k in national)
    assert {"0101", "0201", "0301", "0401", "0402", "CSDL_NV", "CSDL_KP", "CSDL_TC", "CSDL_CB"} <= {
        i for _, i, _ in national
    }


def test_indicators_from_the_csdl_equal_direct_counts(published):
    """Counted straight from the core tables, not through the mart's SQL."""
    national = {(y, i, b): v for (_, y, i, b), v in _mart(published, "national", "csdl").items()}
    tasks = published.execute(
        "SELECT start_year, level, count(*), sum(budget_total_vnd) / 1e6 FROM core.fct_task "
        "WHERE current_province_code IS NOT NULL GROUP BY ALL"
    ).fetchall()
    for year, level, count, _budget in tasks:
        assert national[(year, "CSDL_NV", f"cap:{level}")] == count
    for year in {y for y, *_ in tasks}:
        assert national[(year, "CSDL_NV", "tong")] == sum(c for y, _, c, _ in tasks if y == year)
        assert national[(year, "CSDL_KP", "tong")] == pytest.approx(sum(b for y, _, _, b in tasks if y == year))


def test_former_provinces_roll_up_exactly_to_the_current_units(published):
    successor = {p["province_code"]: p["successor_code"] for p in load_provinces() if p["valid_to"]}
    former = _mart(published, "63")
    assert former and all(y < MERGER.year or (y == MERGER.year and i.startswith("CSDL")) for _, y, i, _ in former)
    rolled = _sum_by(former, lambda k: (successor[k[0]], *k[1:]))
    current = _mart(published, "34")
    assert all(_close(current[k], v, rounded_terms=64) for k, v in rolled.items() if k[1] < MERGER.year)


def test_national_report_figures_equal_what_the_provinces_really_reported(published, demo_dir):
    truth = defaultdict(float)
    for row in ground_truth(demo_dir, "statistics"):
        truth[(int(row["reference_year"]), row["indicator_code"], row["breakdown"])] += float(row["value"])
    national = {(y, i, b): v for (_, y, i, b), v in _mart(published, "national", "provincial_report").items()}
    assert national.keys() == truth.keys()
    assert all(_close(national[k], truth[k]) for k in truth)


def test_the_mart_equals_indicators_recomputed_from_the_raw_report_rows(refreshed, published):
    """Independent of the SQL models: latest submission per province, year and form, mapped by date in Python."""
    with duckdb.connect(str(refreshed[0] / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("""SELECT file_sha256, province_code, reference_year, form_code, report_date, revision,
                                     indicator_code, breakdown, value FROM raw_provinces.report_rows""").fetchall()
    latest = {}
    for sha, code, year, form, report_date, revision, *_ in rows:
        key = (code, year, form)
        if key not in latest or (revision, report_date) > latest[key][0]:
            latest[key] = ((revision, report_date), sha)
    keep = {sha for _, sha in latest.values()}
    provinces = load_provinces()

    def current_unit(code: str, year: int) -> str:
        day = date(year, 12, 31).isoformat()
        unit = next(
            p
            for p in provinces
            if p["province_code"] == code and p["valid_from"] <= day <= (p["valid_to"] or "9999-12-31")
        )
        return unit["successor_code"]

    expected = defaultdict(float)
    for sha, code, year, _, _, _, indicator, breakdown, value in rows:
        if sha in keep:
            expected[(current_unit(code, year), year, indicator, breakdown)] += value
    assert _mart(published, "34", "provincial_report") == pytest.approx(dict(expected))


def test_reporting_completeness_against_the_deadline(published, demo_dir):
    submitted = {
        (r["province_code"], int(r["reference_year"]), r["form_code"]): r["first_report_date"]
        for r in ground_truth(demo_dir, "statistics")
    }
    status = {
        (p, y, f): s
        for p, y, f, s in published.execute(
            "SELECT province_code, year, form_code, status FROM marts.reporting_completeness"
        ).fetchall()
    }
    years = {y for _, y, _ in submitted}
    expected_units = sum(34 if y >= MERGER.year else 63 for y in years) * 4
    assert len(status) == expected_units
    assert {k for k, s in status.items() if s == "missing"} == status.keys() - submitted.keys()
    assert {s for k, s in status.items() if k in submitted} <= {"on_time", "late"}
    late = {k for k, d in submitted.items() if d > f"{k[1] + 1}-02-15"}  # a revision counts from its first submission
    assert {k for k, s in status.items() if s == "late"} == late
    assert 0 < len(late) < len(submitted) / 4
