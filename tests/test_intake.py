"""Provincial report files as offices really send them, the intake sensor, and re-running one reporting year."""

import json
import shutil
from datetime import date

import dagster as dg
import dlt
import duckdb
import pytest

from demo.workbook import ReportQuirks, write_report_workbook
from sources.provinces import ReportFileError, read_report
from sources.vietnamese import detect_legacy_encoding, from_legacy, to_legacy

ROWS = [
    ("0101", "tong", 1234.5, "tổ chức"),
    ("0101", "loai_hinh:vien_nghien_cuu", 1000.0, "tổ chức"),
    ("0101", "loai_hinh:truong_dai_hoc", 234.5, "tổ chức"),
]
TEXTS = [
    "Số tổ chức khoa học và công nghệ",
    "Thành phố Hà Nội",
    "Người lập biểu",
    "Tỉnh Thừa Thiên Huế",
    "Nhân lực nghiên cứu và phát triển",
    "Đơn vị tính",
    "Kinh phí thực hiện nhiệm vụ",
    "Quảng Ngãi",
]


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_font_text_is_detected_and_repaired(encoding):
    legacy = [to_legacy(t, encoding) for t in TEXTS]
    assert legacy[1] == {"tcvn3": "Thµnh phè Hµ Néi", "vni": "Thaønh phoá Haø Noäi"}[encoding]  # the public tables
    assert detect_legacy_encoding(legacy) == encoding
    assert [from_legacy(t, encoding) for t in legacy] == TEXTS
    assert detect_legacy_encoding(TEXTS) is None  # Unicode text is left alone


@pytest.mark.parametrize(
    "quirks",
    [
        ReportQuirks(),
        ReportQuirks(file_format="csv"),
        ReportQuirks(file_format="csv", legacy_encoding="tcvn3", header="upper"),
        ReportQuirks(legacy_encoding="vni", header="shuffled", merged_cells=True, blank_rows=True),
        ReportQuirks(header="plain", vietnamese_numbers=True, name_only=True),
    ],
    ids=["template", "csv", "csv-tcvn3-upper", "vni-shuffled-merged-blank", "plain-text-numbers-name-only"],
)
def test_every_report_quirk_reads_to_the_same_values(tmp_path, quirks):
    path = write_report_workbook(
        tmp_path, "51", "Tỉnh Quảng Ngãi", 2024, "01/KHCN-TC", date(2025, 2, 3), ROWS, quirks=quirks
    )
    meta, rows = read_report(path)
    assert (meta["province_code"], meta["reference_year"], meta["form_code"]) == ("51", 2024, "01/KHCN-TC")
    assert [(r["indicator_code"], r["breakdown"], r["value"]) for r in rows] == [(i, b, v) for i, b, v, _ in ROWS]
    assert meta["text_encoding"] == (quirks.legacy_encoding or "unicode")
    if quirks.legacy_encoding:
        assert rows[0]["indicator_name"] == "Số tổ chức khoa học và công nghệ"
        assert (
            to_legacy("Số tổ chức", quirks.legacy_encoding)
            in json.loads(rows[0]["original_text"])[
                [
                    i
                    for i, c in enumerate(json.loads(rows[0]["original_text"]))
                    if c and "chøc" in c or c and "chöùc" in c
                ][0]
            ]
        )


def test_a_former_province_reporting_after_the_merger_is_held_naming_the_unit_that_reports_now(tmp_path):
    path = write_report_workbook(
        tmp_path, "", "Tỉnh Bắc Giang", 2025, "01/KHCN-TC", date(2026, 2, 3), ROWS, quirks=ReportQuirks(name_only=True)
    )
    with pytest.raises(ReportFileError) as held:
        read_report(path)
    assert "Tỉnh Bắc Ninh (mã 24)" in held.value.vi and "Tỉnh Bắc Ninh (code 24)" in held.value.en
    path = write_report_workbook(
        tmp_path,
        "",
        "bac giang",
        2024,
        "02/KHCN-NL",
        date(2025, 2, 3),
        [("0201", "tong", 5.0, "người")],
        quirks=ReportQuirks(name_only=True),
    )
    assert read_report(path)[0]["province_code"] == "24"  # in 2024, 24 was Bắc Giang itself
    # Quảng Nam (49) became part of Đà Nẵng (48): a former province whose code was not reused
    path = write_report_workbook(
        tmp_path, "49", "Tỉnh Quảng Nam", 2025, "02/KHCN-NL", date(2026, 2, 3), [("0201", "tong", 5.0, "người")]
    )
    with pytest.raises(ReportFileError) as held:
        read_report(path)
    assert "Thành phố Đà Nẵng (mã 48)" in held.value.vi


def test_an_unreadable_csv_goes_to_quarantine_with_a_note(simulator, data_dir):
    from sources.provinces import provinces

    intake, quarantine = data_dir / "intake", data_dir / "quarantine"
    intake.mkdir()
    (intake / "bao-cao.csv").write_text("Tỉnh,Hà Nội\nkhông có bảng số liệu\n", encoding="utf-8")
    pipeline = dlt.pipeline(
        pipeline_name="provinces",
        destination=dlt.destinations.duckdb(str(data_dir / "w.duckdb")),
        dataset_name="raw_provinces",
        pipelines_dir=str(data_dir / "dlt_pipelines"),
    )
    pipeline.run(provinces(intake_dir=str(intake), quarantine_dir=str(quarantine)))
    note = next(quarantine.glob("bao-cao.*.csv.note.txt")).read_text(encoding="utf-8")
    assert "bao-cao.csv" in note and "Mã chỉ tiêu" in note and "gửi lại" in note and "CSV UTF-8" in note
    assert not (intake / "bao-cao.csv").exists()


def test_the_sensor_starts_one_run_per_distinct_file(demo_dir, data_dir):
    from assets.resources import DuckDBWarehouse
    from pipelines.sensors import province_intake_sensor

    intake = data_dir / "intake"
    intake.mkdir()
    reports = sorted((demo_dir / "reports").iterdir())[:3]
    for path in reports:
        shutil.copyfile(path, intake / path.name)
    shutil.copyfile(reports[0], intake / ("copy-of-" + reports[0].name))  # the same file sent twice
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, resources={"duckdb": DuckDBWarehouse(data_dir=str(data_dir))}
        )
        requests = list(province_intake_sensor(context))
    import hashlib

    assert sorted(r.run_key for r in requests) == sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in reports)


def test_one_reporting_year_can_be_reloaded_alone(demo_dir, data_dir):
    from assets.ingest import province_reporting_year
    from assets.resources import DuckDBWarehouse
    from pipelines.definitions import defs
    from sources.provinces import provinces

    assert defs().resolve_job_def("provinces_year_refresh").partitions_def is not None
    assert defs().resolve_job_def("national_refresh").partitions_def is None  # still one unpartitioned run
    intake = data_dir / "intake"
    shutil.copytree(demo_dir / "reports", intake)
    warehouse = DuckDBWarehouse(data_dir=str(data_dir))
    warehouse.dlt_pipeline("provinces").run(
        provinces(intake_dir=str(intake), quarantine_dir=str(warehouse.quarantine_dir)), loader_file_format="parquet"
    )
    database = str(data_dir / "warehouse.duckdb")
    with duckdb.connect(database) as con:
        before = dict(
            con.execute("SELECT reference_year, count(*) FROM raw_provinces.report_rows GROUP BY 1").fetchall()
        )
        con.execute("DELETE FROM raw_provinces.report_rows WHERE reference_year = 2024 AND row_number % 2 = 0")
    result = dg.materialize([province_reporting_year], partition_key="2024", resources={"duckdb": warehouse})
    assert result.success
    with duckdb.connect(database, read_only=True) as con:
        after = dict(
            con.execute("SELECT reference_year, count(*) FROM raw_provinces.report_rows GROUP BY 1").fetchall()
        )
        loads = dict(
            con.execute("SELECT reference_year, min(_dlt_load_id) FROM raw_provinces.report_rows GROUP BY 1").fetchall()
        )
    assert after == before
    assert loads[2024] > loads[2023] == loads[2025]  # 2024 came from a later load; the other years were not touched
