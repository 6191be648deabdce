"""Managing bodies since 1 March 2025: a task keeps the body it was registered under and rolls up to
its successor; a predecessor and its successor are one lineage, never "another body"."""

from datetime import UTC

import pyarrow as pa
import pytest

from sources.ministries.schemas import SCHEMAS
from sources.reference import TABLES, read_reference
from warehouse.database import connect
from warehouse.matching.managing_bodies import body_code, current_body, one_lineage
from warehouse.matching.tables import TASKS, build_table
from warehouse.matching.tasks import find_task_duplicates
from warehouse.modelling import discover, run_model

TITLE = "Nghiên cứu chọn tạo giống lúa chịu mặn năng suất cao cho vùng ven biển Đồng bằng sông Cửu Long"


def _task(source_id, body, start, end, level="BO", title=TITLE):
    return {
        "source_system": "BNNMT",
        "source_id": source_id,
        "title": title,
        "level": level,
        "managing_body": body,
        "start_year": start,
        "end_year": end,
        "pi": "NCV-1",
        "host": "ORG-1",
    }


@pytest.mark.parametrize(
    "written, year, code",
    [
        ("Bộ NN&PTNT", 2019, "BNNPTNT"),
        ("Bo Nong nghiep va PTNT", 2019, "BNNPTNT"),
        ("BKHCN", 2024, "BKHCN"),
        ("Bộ Nông nghiệp và Môi trường", 2025, "BNNMT"),
        ("Bộ TT&TT", 2020, "BTTTT"),
        ("Bộ KH&ĐT", 2021, "BKHDT"),
        ("UBND tỉnh Sóc Trăng", 2023, "UBND-94@2008-08-01"),
        ("Sở KH&CN TP. Hồ Chí Minh", 2026, "UBND-79@2025-07-01"),
    ],
)
def test_names_as_written_resolve_to_the_body_of_their_time(written, year, code):
    assert body_code(written, year) == code


def test_merged_bodies_roll_up_to_their_successor():
    assert current_body("BNNPTNT") == current_body("BTNMT") == "BNNMT"
    assert current_body("BTTTT") == "BKHCN" and current_body("BGTVT") == "BXD" and current_body("BKHDT") == "BTC"
    assert current_body("BLDTBXH") == "BNV" and current_body("UBDT") == "BDTTG"
    assert current_body("UBND-94@2008-08-01") == "UBND-92@2025-07-01"  # Sóc Trăng is now Cần Thơ
    assert one_lineage("BNNPTNT", "BNNMT") and not one_lineage("BNNPTNT", "BTNMT")  # two bodies of their time


def test_a_re_registration_under_the_successor_is_one_lineage_in_the_reasons():
    pairs, _ = find_task_duplicates([_task("NV-1", "BNNPTNT", 2019, 2021), _task("NV-2", "BNNMT", 2019, 2026)])
    (pair,) = pairs
    assert "cùng một cơ quan quản lý qua sắp xếp lại (BNNPTNT / BNNMT, nay là BNNMT)" in pair.reasons_vi
    assert "cơ quan quản lý khác nhau" not in pair.reasons_vi and "different managing bodies" not in pair.reasons_en
    # two ministries of their time that merged later are still two bodies funding one work
    (sibling,) = find_task_duplicates([_task("NV-1", "BNNPTNT", 2019, 2021), _task("NV-3", "BTNMT", 2019, 2021)])[0]
    assert "cơ quan quản lý khác nhau (BNNPTNT / BTNMT)" in sibling.reasons_vi
    assert sibling.score > pair.score


def _raw_tasks(rows: list[dict]) -> pa.Table:
    schema = SCHEMAS["tasks"].append(pa.field("parse_error", pa.string())).append(pa.field("_dlt_load_id", pa.string()))
    return pa.Table.from_pylist(
        [{**r, "parse_error": None, "_dlt_load_id": "1780000000.0"} for r in rows], schema=schema
    )


def test_the_marts_keep_the_registering_body_and_roll_it_up(tmp_path):
    from datetime import datetime

    when = datetime(2025, 4, 1, tzinfo=UTC)
    common = {
        "code": None,
        "title": TITLE,
        "level": "BO",
        "form": "de_tai",
        "host_org_id": "O1",
        "host_org_name": "Viện Lúa ĐBSCL",
        "pi_id": "R1",
        "pi_name": "Nguyễn Thị Lang",
        "field_code": None,
        "budget_state_vnd": 1_000_000_000,
        "budget_other_vnd": 0,
        "status": "dang_thuc_hien",
        "province_code": None,
        "updated_at": when,
    }
    raw = _raw_tasks(
        [
            {
                **common,
                "source_id": "NV-2019",
                "managing_body": "BNNPTNT",
                "start_date": "2019-03-01",
                "end_date": "2021-12-31",
            },
            {
                **common,
                "source_id": "NV-2025",
                "managing_body": "BNNMT",
                "start_date": "2019-03-01",
                "end_date": "2026-12-31",
            },
        ]
    )
    models = {m.table: m for m in discover()}
    with connect(tmp_path / "warehouse.duckdb") as con:
        for schema in ("raw_reference", "raw_ministries", "staging", "core", "marts"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for table in TABLES:
            con.register(f"received_{table}", pa.Table.from_pylist(read_reference(table)))
            con.execute(f"CREATE TABLE raw_reference.{table} AS SELECT * FROM received_{table}")
        con.register("received_tasks", raw)
        con.execute("CREATE TABLE raw_ministries.tasks AS SELECT *, 'BNNMT' AS source_system FROM received_tasks")
        for name in ("staging.provinces", "staging.task_levels", "staging.managing_bodies", "staging.ministry_tasks"):
            run_model(con, models[name])
        con.execute(
            "CREATE TABLE staging.organization_matches AS SELECT DISTINCT source_system, host_org_source_id AS source_id, "
            "'ORG-1' AS org_id FROM staging.ministry_tasks"
        )
        con.execute(
            "CREATE TABLE staging.researcher_matches AS SELECT DISTINCT source_system, pi_source_id AS source_id, "
            "'NCV-1' AS researcher_id FROM staging.ministry_tasks"
        )
        build_table(con, TASKS)
        for name in ("core.dim_province", "core.dim_managing_body", "core.fct_task", "marts.task_duplicate_candidates"):
            run_model(con, models[name])
        tasks = con.execute(
            "SELECT source_id, managing_body, current_managing_body FROM core.fct_task ORDER BY 1"
        ).fetchall()
        assert tasks == [("NV-2019", "BNNPTNT", "BNNMT"), ("NV-2025", "BNNMT", "BNNMT")]
        (pair,) = con.execute("""SELECT managing_body_a, managing_body_b, current_managing_body_a,
                                        current_managing_body_b, reasons_vi FROM marts.task_duplicate_candidates""").fetchall()
        assert set(pair[:2]) == {"BNNPTNT", "BNNMT"} and pair[2] == pair[3] == "BNNMT"
        assert "cùng một cơ quan quản lý qua sắp xếp lại" in pair[4] and "cơ quan quản lý khác nhau" not in pair[4]
        body = con.execute(
            "SELECT name, successor_code, is_current FROM core.dim_managing_body WHERE body_code = 'BNNPTNT'"
        ).fetchall()
        assert body == [("Bộ Nông nghiệp và Phát triển nông thôn", "BNNMT", False)]
