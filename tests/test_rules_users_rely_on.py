"""Rules users rely on that no other test pinned down (issue 19's mutation misses and weak spots): every
personal identifier column stops publishing, a typo does not hide a duplicate task but another province
or phase is another work, a result registered before its acceptance is reported, and a record a
repository deletes leaves the published snapshot at the next harvest. Expected values are hand-written."""

import json
import shutil
from datetime import date

import duckdb
import pytest

from warehouse.matching.tasks import find_task_duplicates
from warehouse.publish import PublishError, publish

# What the publishing guard must refuse, by the column names models would use (hand-written, not read
# from warehouse/publish.py): citizen ID numbers (CCCD, the old CMND under its English name), e-mail,
# phone numbers, dates of birth.
PERSONAL_IDENTIFIER_COLUMNS = ["national_id", "NATIONAL_ID", "cccd", "email", "phone", "so_dien_thoai", "birth_date"]


@pytest.mark.parametrize("column", PERSONAL_IDENTIFIER_COLUMNS)
def test_every_kind_of_personal_identifier_column_stops_publishing(tmp_path, column):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA marts")
    con.execute(f"""CREATE TABLE marts.researchers_by_org AS
                    SELECT 'NCV-1' AS researcher_id, '001203012345' AS "{column}" """)
    with pytest.raises(PublishError, match=f"marts.researchers_by_org.{column}"):
        publish(con, tmp_path / "published", "run-1", [])
    assert not (tmp_path / "published" / "csdl.duckdb").exists()


# -- duplicate tasks: how near two titles must be ---------------------------------------------------
TITLE = "Nghiên cứu ứng dụng giống tôm thẻ chân trắng sạch bệnh phục vụ xuất khẩu tại Cà Mau"


def _registration(body: str, title: str, number: int) -> dict:
    return {
        "source_system": body,
        "source_id": f"{body}-NV-{number}",
        "title": title,
        "level": "BO",
        "managing_body": body,
        "start_year": 2020,
        "end_year": 2021,
        "pi": "NCV-1",
        "host": "ORG-1",
    }


def _is_candidate(other_title: str) -> bool:
    pairs, _ = find_task_duplicates([_registration("BNN", TITLE, 1), _registration("BKHCN", other_title, 2)])
    return bool(pairs)


@pytest.mark.parametrize(
    "typed",
    [
        "Nghiên cứu ứng dụng giống tôm thẻ chân trắg sạch bệnh phục vụ xuất khẩu tại Cà Mau",  # a letter dropped
        "Nghiên cứu ứng dụng giống tôm thẻ chân trắnng sạch bệnh phục vụ xuất khẩu tại Cà Mau",  # a letter doubled
        "Nghiên cứu ứng dụng giống tôm the chân trắg sạch bệnh phục vụ xuất khẩ tại Cà Mau",  # three slips
    ],
    ids=["letter-dropped", "letter-doubled", "three-slips"],
)
def test_a_title_typed_with_a_slip_or_two_is_still_a_duplicate_candidate(typed):
    assert _is_candidate(typed)


@pytest.mark.parametrize(
    "other_work",
    [
        TITLE.replace("Cà Mau", "Bạc Liêu"),  # the same topic in another province
        TITLE.replace("Cà Mau", "Kiên Giang"),
        TITLE + " giai đoạn 2",  # the follow-on phase
        TITLE.replace("xuất khẩu", "tiêu dùng"),  # for another market
    ],
    ids=["bac-lieu", "kien-giang", "phase-2", "home-market"],
)
def test_the_same_topic_in_another_province_phase_or_market_is_another_work(other_work):
    assert not _is_candidate(other_work)


# -- results registered before their acceptance ----------------------------------------------------
def test_a_result_registered_before_its_acceptance_is_reported_as_a_warning_naming_the_value(tmp_path):
    """Circular 14/2014: a result is registered within 30 days after its acceptance. A registration dated
    before the acceptance is a typing error the ministry must correct: reported, the run still publishes."""
    from quality.alerts import check_problems
    from quality.checks import gx_checks, run_gx_checks
    from quality.suites import BLOCKING, WARNING, suites
    from warehouse.database import connect

    with connect(tmp_path / "w.duckdb") as con:
        con.execute("CREATE SCHEMA core")
        con.execute("""CREATE TABLE core.fct_task_result AS SELECT * FROM (VALUES
            ('BKHCN-NV-1', DATE '2024-03-01', 'DK-1', DATE '2024-03-20', 'bao_cao', 19, 'BKHCN', 'KQ-1'),
            ('BKHCN-NV-2', DATE '2024-05-10', 'DK-2', DATE '2024-05-03', 'bao_cao', -7, 'BKHCN', 'KQ-2'))
            AS t(task_id, acceptance_date, registration_number, registration_date, result_type,
                 days_to_registration, source_system, source_id)""")
        suite = suites()["core.fct_task_result"]
        checks = gx_checks(suite)
        results = run_gx_checks(con, "run-1", "core.fct_task_result", suite, set(checks))
        assert all(r.passed for r in results if checks[r.check_name][0] == BLOCKING)
        (warning,) = [r for r in results if not r.passed]
        assert checks[warning.check_name][0] == WARNING
        failures = json.loads(json.dumps(warning.metadata["failing_expectations"].data))
        (found,) = [v for k, v in failures.items() if "days_to_registration" in k]
        assert found["unexpected"] == 1 and found["sample"] == [
            "source_system=BKHCN, source_id=KQ-2: -7"
        ]  # the record named, not only its value
        (problem,) = check_problems(con)
    assert problem.severity == "WARN" and "days_to_registration" in problem.message and "-7" in problem.message


# -- deletions ---------------------------------------------------------------------------------------
def _snapshot(data, sql: str) -> list[tuple]:
    with duckdb.connect(str(data / "published" / "csdl.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_record_the_repository_deletes_leaves_the_published_snapshot_at_the_next_harvest(
    refreshed, simulator, tmp_path, monkeypatch
):
    from pipelines.runs import run_job

    root = tmp_path / "copy"
    shutil.copytree(refreshed[0].parent, root, symlinks=True)
    data = root / "data"
    monkeypatch.setenv("CSDL_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    publications = "SELECT publication_id, source_ids FROM core.fct_publication ORDER BY publication_id"
    before = _snapshot(data, publications)
    alone = next(p for p in before if len(p[1]) == 1)  # a work one repository holds
    shared = next(p for p in before if len(p[1]) == 2)  # a work two repositories hold
    gone = [alone[1][0], shared[1][0]]
    simulator.delete_records([tuple(key.split(":", 1)) for key in gone])

    assert run_job("academies_refresh", "WARNING").success
    after = _snapshot(data, publications)
    records = sorted(key for _, keys in after for key in keys)
    assert records == sorted({key for _, keys in before for key in keys} - set(gone))
    assert alone[0] not in {p for p, _ in after}
    # the other repository's record still stands for the work, alone
    assert [keys for _, keys in after if shared[1][1] in keys] == [[shared[1][1]]]
    assert len(after) == len(before) - 1
    assert not _snapshot(data, f"SELECT * FROM core.bridge_publication_author WHERE publication_id = '{alone[0]}'")
    parquet = data / "published" / "parquet" / "core.fct_publication.parquet"
    assert duckdb.sql(
        f"SELECT count(*) FROM '{parquet}' WHERE list_contains(source_ids, '{gone[0]}') "
        f"OR list_contains(source_ids, '{gone[1]}')"
    ).fetchall() == [(0,)]


# -- a value far from the year before ----------------------------------------------------------------------
def test_a_total_more_than_tenfold_up_or_down_is_flagged_against_everything_its_unit_reported_the_year_before(tmp_path):
    """Only a move of more than ten times either way warns; a zero either year is not judged; each
    indicator is compared with itself; and from 2025 a unit is compared with the sum of the former
    provinces it absorbed (Bắc Giang 24 and Bắc Ninh 27 became Bắc Ninh 24, Resolution 202/2025/QH15)."""
    from demo.workbook import write_report_workbook
    from tests.test_province_reports import _warehouse_from

    intake = tmp_path / "intake"
    intake.mkdir()
    totals = {  # (code, name, year, form, indicator): the total row (hand-written)
        ("40", "Tỉnh Nghệ An", 2023, "02/KHCN-NL", "0201"): 700.0,
        ("40", "Tỉnh Nghệ An", 2024, "02/KHCN-NL", "0201"): 69.0,  # people: down more than tenfold
        ("40", "Tỉnh Nghệ An", 2023, "01/KHCN-TC", "0101"): 50.0,
        ("40", "Tỉnh Nghệ An", 2024, "01/KHCN-TC", "0101"): 55.0,  # organisations: as the year before
        ("38", "Tỉnh Thanh Hóa", 2023, "02/KHCN-NL", "0201"): 700.0,
        ("38", "Tỉnh Thanh Hóa", 2024, "02/KHCN-NL", "0201"): 7000.0,  # exactly tenfold up
        ("46", "Thành phố Huế", 2023, "02/KHCN-NL", "0201"): 700.0,
        ("46", "Thành phố Huế", 2024, "02/KHCN-NL", "0201"): 70.0,  # exactly tenfold down
        ("42", "Tỉnh Hà Tĩnh", 2023, "02/KHCN-NL", "0201"): 0.0,
        ("42", "Tỉnh Hà Tĩnh", 2024, "02/KHCN-NL", "0201"): 500.0,  # nothing the year before
        ("44", "Tỉnh Quảng Bình", 2023, "02/KHCN-NL", "0201"): 500.0,
        ("44", "Tỉnh Quảng Bình", 2024, "02/KHCN-NL", "0201"): 0.0,  # nothing this year
        ("24", "Tỉnh Bắc Giang", 2024, "02/KHCN-NL", "0201"): 100.0,
        ("27", "Tỉnh Bắc Ninh", 2024, "02/KHCN-NL", "0201"): 50.0,
        ("24", "Tỉnh Bắc Ninh", 2025, "02/KHCN-NL", "0201"): 1200.0,  # 8 times the two former provinces, 12 times one
    }
    for (code, name, year, form, indicator), total in totals.items():
        unit = "người" if indicator == "0201" else "tổ chức"
        write_report_workbook(intake, code, name, year, form, date(year + 1, 2, 1), [(indicator, "tong", total, unit)])
    warehouse = _warehouse_from(intake, tmp_path, ["core.fct_statistic", "marts.statistic_year_changes"])
    with warehouse.connect() as con:
        rows = con.execute(
            "SELECT province_code, year, indicator_code, value, previous_value, warning "
            "FROM marts.statistic_year_changes WHERE breakdown = 'tong' ORDER BY ALL"
        ).fetchall()
    assert [row[:5] for row in rows] == [
        ("24", 2025, "0201", 1200.0, 150.0),
        ("38", 2024, "0201", 7000.0, 700.0),
        ("40", 2024, "0101", 55.0, 50.0),
        ("40", 2024, "0201", 69.0, 700.0),
        ("42", 2024, "0201", 500.0, 0.0),
        ("44", 2024, "0201", 0.0, 500.0),
        ("46", 2024, "0201", 70.0, 700.0),
    ]
    warned = {(code, indicator): warning for code, _, indicator, _, _, warning in rows if warning}
    assert list(warned) == [("40", "0201")]
    assert "x0.1" in warned["40", "0201"] and "69.0 against 700.0" in warned["40", "0201"]
