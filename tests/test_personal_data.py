"""Personal data typed into names and titles is masked in every published copy, counted, and alerted on;
numbers that only look like it (budgets, years, DOIs, ORCID iDs, task codes) are left as they are."""

import os
import stat

import dagster as dg
import dlt
import duckdb
import pytest

from assets.publish import PERSONAL_DATA_CHECK, published_snapshot
from assets.resources import DuckDBWarehouse
from quality.alerts import check_problems
from quality.quarantine import export
from tests.test_publish import as_another_user, shared_tmp  # noqa: F401  (shared_tmp: a fixture)
from warehouse.database import connect
from warehouse.personal_data import find_and_mask
from warehouse.publish import publish

FOUND = [  # (text as received, as published)
    ("Nguyễn Văn An - 0912 345 678", "Nguyễn Văn An - [phone]"),
    ("ThS. Lê Thị Hoa (hoa.le@vnu.edu.vn)", "ThS. Lê Thị Hoa ([email])"),
    ("ĐT: 0912.345.678", "ĐT: [phone]"),
    ("liên hệ 091-234-5678", "liên hệ [phone]"),
    ("+84 912 345 678", "[phone]"),
    ("(+84) 912345678", "[phone]"),
    ("Tel.0389123456", "Tel.[phone]"),
    ("SĐT 84912345678", "SĐT [phone]"),
    ("(024) 3826 1234", "[phone]"),
    ("024.3826.1234", "[phone]"),
    ("0225 3842 123", "[phone]"),
    ("0712345678, 0812345678", "[phone], [phone]"),
    ("CCCD: 001203012345", "CCCD: [national id]"),
    ("Trần B 079 203 012 345", "Trần B [national id]"),
    ("Số CMND 123456789", "Số CMND [national id]"),
    ("CMND số 024 123 456", "CMND số [national id]"),
    ("số định danh cá nhân: 079203012345", "số định danh cá nhân: [national id]"),
    ("0912345678@gmail.com", "[email]"),
]
LEFT_ALONE = [
    "Kinh phí 1.050.000.000 đồng",
    "1500000000",
    "84.500.000.000",
    "84500000000",
    "12.000.000.000 VNĐ",
    "0.912345678",
    "0,9123456789",
    "123456789",
    "950000000",
    "giai đoạn 2019-2021",
    "Năm 2024",
    "0101",
    "0301",
    "doi:10.1016/j.jclepro.2019.0912345678",
    "https://doi.org/10.5555/0912345678",
    "10.1038/s41586-020-2649-2",
    "ORCID 0000-0002-1825-0097",
    "0000-0002-1694-233X",
    "MST: 0312345678",
    "ĐTĐL.CN-09/21",
    "B2019-BYT-001",
    "CS.2019.BYT.0001",
    "KC.01.01/21-25",
    "0912345678901",
    "NCV-010095683923",
    "PUB-051053212583",
    "NV-0912345678",
    "org_0281234567",  # the platform's own identifiers
]


@pytest.mark.parametrize("received, published", FOUND, ids=[r for r, _ in FOUND])
def test_personal_data_in_text_is_masked(received, published):
    assert find_and_mask(received)[0] == published


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_numbers_that_are_not_personal_data_are_left_alone(text):
    assert find_and_mask(text) == (text, {})


def _warehouse_with_personal_data(path):
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA core")
    con.execute(
        "CREATE TABLE core.dim_province AS SELECT * FROM (VALUES ('01', true), ('79', true)) "
        "AS p(province_code, is_current)"
    )
    con.execute("""CREATE TABLE core.fct_task AS SELECT * FROM (VALUES
        ('T1', 'ĐTĐL.CN-09/21', 'Nghiên cứu vật liệu nano - chủ nhiệm Lê Hoa, ĐT 0912 345 678', 1500000000, '01'),
        ('T2', 'B2019-BYT-001', 'Ứng dụng AI trong y tế (liên hệ hoa.le@vnu.edu.vn, 0912.345.678)', 950000000, '79'),
        ('T3', 'CS.2019.BYT.0001', 'Kinh phí 1.050.000.000 đồng, giai đoạn 2019-2021, doi:10.1016/j.x.2019.0912345678',
         84500000000, '79')
        ) AS t(task_id, code, title, budget_total_vnd, current_province_code)""")
    con.execute("""CREATE TABLE core.dim_researcher AS SELECT * FROM (VALUES
        ('R1', 'Trần Văn Bình CCCD 001203012345', '0000-0002-1825-0097', ['BYT', 'hoa@example.vn']),
        ('R2', 'Phạm Thị Cúc', '0000-0002-1694-233X', ['BKHCN'])
        ) AS r(researcher_id, full_name, orcid, source_systems)""")
    return con


def _texts(con, relation):
    return " | ".join(str(v) for row in con.execute(f"SELECT * FROM {relation}").fetchall() for v in row)


def test_every_published_copy_masks_personal_data_the_working_warehouse_keeps(tmp_path):
    con = _warehouse_with_personal_data(tmp_path / "warehouse.duckdb")
    published = tmp_path / "published"
    snapshot = publish(con, published, "run-1", [])

    reader = duckdb.connect(str(published / "csdl.duckdb"), read_only=True)
    copies = {
        "snapshot": _texts(reader, "core.fct_task") + _texts(reader, "core.dim_researcher"),
        "parquet": _texts(reader, f"'{published / 'parquet' / 'core.fct_task.parquet'}'")
        + _texts(reader, f"'{published / 'parquet' / 'core.dim_researcher.parquet'}'"),
        "province slices": _texts(reader, f"'{published / 'provinces' / '*' / 'fct_task.parquet'}'"),
    }
    for name, text in copies.items():
        for personal in ("0912 345 678", "0912.345.678", "hoa.le@vnu.edu.vn", "001203012345", "hoa@example.vn"):
            assert personal not in text.replace("[", ""), (name, personal)
        assert "[phone]" in text and "[email]" in text, name
        # what only looks like personal data is published as received
        for kept in ("ĐTĐL.CN-09/21", "1.050.000.000 đồng", "2019-2021", "10.1016/j.x.2019.0912345678"):
            assert kept in text, (name, kept)
    researchers = reader.execute(
        "SELECT full_name, orcid, source_systems FROM core.dim_researcher ORDER BY 1"
    ).fetchall()
    assert researchers == [
        ("Phạm Thị Cúc", "0000-0002-1694-233X", ["BKHCN"]),
        ("Trần Văn Bình CCCD [national id]", "0000-0002-1825-0097", ["BYT", "[email]"]),
    ]
    assert reader.execute("SELECT budget_total_vnd FROM core.fct_task ORDER BY 1").fetchall() == [
        (950000000,),
        (1500000000,),
        (84500000000,),
    ]

    counts = reader.execute(
        "SELECT table_name, column_name, kind, values_masked FROM main.personal_data_masked ORDER BY ALL"
    ).fetchall()
    assert counts == [
        ("dim_researcher", "full_name", "national_id", 1),
        ("dim_researcher", "source_systems", "email", 1),
        ("fct_task", "title", "email", 1),
        ("fct_task", "title", "phone", 2),
    ]
    assert reader.execute("SELECT personal_data_masked FROM main.refresh").fetchall() == [(5,)]
    assert snapshot.personal_data_masked == 5
    reader.close()
    # the working warehouse keeps the text as received
    assert "0912 345 678" in _texts(con, "core.fct_task") and "001203012345" in _texts(con, "core.dim_researcher")


def _materialize(data_dir):
    return dg.materialize(
        [published_snapshot], resources={"duckdb": DuckDBWarehouse(data_dir=str(data_dir))}, raise_on_error=True
    )


def test_masked_personal_data_is_a_warning_check_and_an_alert(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _warehouse_with_personal_data(data / "warehouse.duckdb").close()
    result = _materialize(data)
    assert result.success  # a warning: the snapshot is still published
    (check,) = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed, check.severity) == (PERSONAL_DATA_CHECK, False, dg.AssetCheckSeverity.WARN)
    assert check.metadata["values_masked"].value == 5
    with connect(data / "warehouse.duckdb") as con:
        (problem,) = [p for p in check_problems(con) if p.key.endswith(PERSONAL_DATA_CHECK)]
        assert problem.severity == "WARN"
        assert "core.fct_task.title" in problem.message and "2 phone masked" in problem.message
        assert "0912" not in problem.message and "@" not in problem.message  # the alert names counts, never values

        for table in ("core.fct_task", "core.dim_researcher"):  # the sources fixed: the warning clears
            con.execute(f"DROP TABLE {table}")
    result = _materialize(data)
    (check,) = result.get_asset_check_evaluations()
    assert check.passed
    with connect(data / "warehouse.duckdb") as con:
        assert not [p for p in check_problems(con) if p.key.endswith(PERSONAL_DATA_CHECK)]


def test_the_data_folder_is_its_owners_but_for_the_published_snapshot(shared_tmp):  # noqa: F811
    """The working warehouse, dlt's load packages and quarantine exports are 0600 in 0700 folders (the data
    folder 0711: passable to published/), dlt keeps no loaded rows; another user reads only the snapshot."""
    data = shared_tmp / "data"
    warehouse = DuckDBWarehouse(data_dir=str(data))

    @dlt.resource(name="researchers", write_disposition="merge", primary_key="source_id")
    def researchers():
        yield [{"source_id": "R1", "full_name": "Lê Hoa", "phone": "0912345678"}]

    warehouse.dlt_pipeline("people").run(researchers())
    with warehouse.connect() as con:
        con.execute("CREATE SCHEMA core")
        con.execute(
            "CREATE TABLE core.dim_researcher AS SELECT source_id AS researcher_id, full_name FROM raw_people.researchers"
        )
        con.execute(
            "INSERT INTO quality.quarantine VALUES ('staging.x', 'BYT', 'R1', 'why', "
            "'{\"phone\": \"0912345678\"}', 'l1', now())"
        )
        export(con, data / "fixes.jsonl")
        assert con.execute("SELECT count(*) FROM raw_people_staging.researchers").fetchall() == [(0,)]  # truncated
        publish(con, warehouse.published_dir, "run-1", [])

    def mode(path):
        return stat.S_IMODE(path.lstat().st_mode)

    assert mode(data) == 0o711
    assert mode(data / "warehouse.duckdb") == 0o600 and mode(data / "fixes.jsonl") == 0o600
    pipelines = data / "dlt_pipelines"
    assert mode(pipelines) == 0o700
    for path in pipelines.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path
    assert not [p for p in pipelines.rglob("completed_jobs/*")]  # the loaded rows are deleted once loaded

    def read(path):
        return len(path.read_bytes())

    assert as_another_user(lambda: read(data / "warehouse.duckdb"))[0] == "error"
    assert as_another_user(lambda: read(data / "fixes.jsonl"))[0] == "error"
    assert as_another_user(lambda: os.listdir(data))[0] == "error"
    assert as_another_user(lambda: read(data / "published" / "csdl.duckdb"))[0] == "ok"
