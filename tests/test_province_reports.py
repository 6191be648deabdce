"""Provincial report files as offices really send them (the independent corpus in tests/province_corpus.py):
each kind reads to the values the office meant, or is held whole, or has the named rows quarantined; a mixed
intake publishes the good files while the bad ones are held with notes, receipts and alerts; a held file fixed
and sent again and a quarantined row replayed reach core and nothing else moves; jobs run on a fresh folder."""

import io
import json
import shutil
from datetime import UTC
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from sources.provinces import ReportFileError, read_report
from tests import province_corpus as corpus
from tests.conftest import REPO, refresh_into

KINDS = {write.__name__.removeprefix("write_"): write for write in corpus.ALL_KINDS}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_of_file_reads_as_the_office_meant_or_is_held_with_a_reason(kind, tmp_path):
    sent = KINDS[kind](tmp_path)
    if sent.outcome == "held":
        with pytest.raises(ReportFileError) as held:
            read_report(sent.path)
        for word in sent.reason_words:
            assert word.lower() in str(held.value).lower(), (word, str(held.value))
        return
    meta, rows = read_report(sent.path)
    assert (meta["province_code"], meta["reference_year"], meta["form_code"]) == (
        sent.province_code,
        sent.year,
        sent.form,
    )
    assert meta["revision"] == sent.revision
    if sent.report_date:
        assert meta["report_date"] == sent.report_date
    read = {(r["indicator_code"], r["breakdown"].lower()): r["value"] for r in rows if r["value"] is not None}
    for (code, breakdown), value in sent.values.items():
        assert read.get((code, breakdown.lower())) == pytest.approx(value, abs=1e-6), (code, breakdown)
    if sent.neutralised_text:
        stored = [r["indicator_name"] for r in rows if r["indicator_name"] and "HYPERLINK" in r["indicator_name"]]
        assert stored and not any(s.startswith("=") for s in stored)


# -- one intake of every kind and 20 plain files, through national_refresh and a review -----------------
@pytest.fixture(scope="module")
def mixed(demo_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    sent = {}

    def fill(intake: Path):
        intake.mkdir(parents=True, exist_ok=True)
        for f in corpus.write_all(intake):
            sent[f.kind] = f
        for f in corpus.good_files(intake, 20):
            sent[f.path.name] = f

    data, result, _ = refresh_into(demo_dir, root, fill_intake=fill)
    from pipelines.cli_runs import run_review

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSDL_DATA_DIR", str(data))
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        assert run_review()
    return data, sent


def _rows(database: Path, sql: str, params=()):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _published_values(data: Path, f) -> dict:
    rows = _rows(
        data / "published" / "csdl.duckdb",
        """SELECT indicator_code, lower(breakdown), value
        FROM core.fct_statistic WHERE province_code = ? AND reference_year = ? AND form_code = ?""",
        [f.province_code, f.year, f.form],
    )
    return {(code, breakdown): value for code, breakdown, value in rows}


def test_good_files_publish_their_values_and_bad_rows_stay_out(mixed):
    data, sent = mixed
    for f in sent.values():
        if f.outcome == "held":
            continue
        published = _published_values(data, f)
        expected = {(c, b.lower()): v for (c, b), v in f.values.items()}
        assert published.keys() == expected.keys(), f.kind
        for key, value in expected.items():
            assert published[key] == pytest.approx(value, abs=1e-6), (f.kind, key)
        for code, breakdown in f.quarantined:
            assert (code, breakdown.lower()) not in published, (f.kind, code, breakdown)


def test_quarantined_rows_say_why_and_every_file_reconciles(mixed):
    data, sent = mixed
    database = data / "warehouse.duckdb"
    for f in sent.values():
        if f.outcome != "partly":
            continue
        digest = _rows(
            database, "SELECT file_sha256 FROM raw_provinces.report_files WHERE file_name = ?", [f.path.name]
        )
        reasons = [
            r
            for (r,) in _rows(
                database,
                "SELECT reason FROM quality.quarantine WHERE model = "
                "'staging.province_report_rows' AND source_key LIKE ?",
                [digest[0][0] + "#%"],
            )
        ]
        assert len(reasons) == f.quarantined_count, (f.kind, reasons)
        for word in f.reason_words:
            assert any(word.lower() in r.lower() for r in reasons), (f.kind, word, reasons)
    per_file = _rows(
        database,
        """
        SELECT f.file_name, f.rows_read,
               (SELECT count(*) FROM staging.province_report_rows r WHERE r.report_id = f.file_sha256),
               (SELECT count(*) FROM quality.quarantine q WHERE q.model = 'staging.province_report_rows'
                                                          AND q.source_key LIKE f.file_sha256 || '#%')
        FROM raw_provinces.report_files f WHERE f.status = 'loaded'""",
    )
    assert len(per_file) == sum(1 for f in sent.values() if f.outcome != "held")
    assert all(read == kept + held for _, read, kept, held in per_file), per_file


def test_held_files_wait_in_quarantine_with_notes_receipts_and_alerts(mixed):
    data, sent = mixed
    held = [f for f in sent.values() if f.outcome == "held"]
    notes = {p.name: p.read_text(encoding="utf-8") for p in (data / "quarantine").glob("*.note.txt")}
    assert len(notes) == len(held)
    for f in held:
        note = next(text for text in notes.values() if f"Tệp / file: {f.path.name}\n" in text)
        for word in f.reason_words:
            assert word.lower() in note.lower(), (f.kind, word, note)
        receipt = (data / "receipts" / f"{f.path.name}.txt").read_text(encoding="utf-8")
        assert "HELD" in receipt and "gửi lại" in receipt
    partly = sent["text_value"]
    receipt = (data / "receipts" / f"{partly.path.name}.txt").read_text(encoding="utf-8")
    assert "PARTLY LOADED" in receipt and "khoảng 50" in receipt, receipt
    assert f"kept {len(partly.values)}, bị giữ lại / held {partly.quarantined_count}" in receipt, receipt
    subjects = [
        s for (s,) in _rows(data / "warehouse.duckdb", "SELECT subject FROM quality.alerts WHERE closed_at IS NULL")
    ]
    for f in held + [partly]:
        assert any(f.path.name in s for s in subjects), (f.kind, subjects)
    completeness = _rows(
        data / "published" / "csdl.duckdb",
        "SELECT status FROM marts.reporting_completeness WHERE province_code = '24' AND year = 2025 AND form_code = ?",
        [_form_of(sent["bac_giang_2025"])],
    )
    assert completeness == [("held",)]
    page = (data / "reports" / "quality.html").read_text(encoding="utf-8")
    assert sent["encrypted_xlsx"].path.name in page and 'data-outcome="held"' in page


def _form_of(f) -> str:
    return corpus.SLOTS[f.kind][2]


def test_a_held_file_fixed_and_sent_again_and_a_replayed_row_reach_core_and_nothing_else_moves(
    mixed, simulator, monkeypatch
):
    import msoffcrypto
    from openpyxl import load_workbook

    from pipelines.cli import app
    from pipelines.runs import run_job

    data, sent = mixed
    monkeypatch.setenv("CSDL_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(data.parent / "dagster_home"))
    published = data / "published" / "csdl.duckdb"
    before = set(
        _rows(
            published,
            "SELECT province_code, reference_year, form_code, indicator_code, breakdown, value FROM core.fct_statistic",
        )
    )

    # the officer saves the protected workbook without its password and sends it again
    locked = next((data / "quarantine").glob("encrypted_xlsx.*.xlsx"))
    opened = io.BytesIO()
    office = msoffcrypto.OfficeFile(open(locked, "rb"))
    office.load_key(password=corpus.PASSWORD)
    office.decrypt(opened)
    (data / "intake" / sent["encrypted_xlsx"].path.name).write_bytes(opened.getvalue())  # under the same name
    sheet = load_workbook(io.BytesIO(opened.getvalue()), read_only=True).worksheets[0]
    in_file = {
        (str(r[1]), str(r[3])): float(r[-1])
        for r in sheet.iter_rows(values_only=True)
        if r and isinstance(r[1], str) and r[1].isdigit() and isinstance(r[-1], (int, float))
    }
    assert in_file and run_job("provinces_refresh", "WARNING").success

    # and an operator fixes the row whose value was written "khoảng 50"
    runner = CliRunner()
    fixes = data.parent / "fixes.jsonl"
    assert (
        runner.invoke(app, ["quarantine", "export", str(fixes), "--model", "staging.province_report_rows"]).exit_code
        == 0
    )
    records = [json.loads(line) for line in fixes.read_text(encoding="utf-8").splitlines()]
    text_value = next(r for r in records if r["raw_record"]["value_text"] == "khoảng 50")
    text_value["raw_record"]["value"] = 50.0
    fixes.write_text(json.dumps(text_value, ensure_ascii=False) + "\n", encoding="utf-8")
    replayed = runner.invoke(app, ["quarantine", "replay", str(fixes)])
    assert replayed.exit_code == 0, replayed.output

    after = set(
        _rows(
            published,
            "SELECT province_code, reference_year, form_code, indicator_code, breakdown, value FROM core.fct_statistic",
        )
    )
    resent = {(c, b): v for p, y, f, c, b, v in after - before if (p, y, f) == ("44", 2024, "04/KHCN-NV")}
    assert resent == in_file
    fixed = sent["text_value"]
    row = text_value["raw_record"]
    assert after - before - {
        (p, y, f, c, b, v) for p, y, f, c, b, v in after if (p, y, f) == ("44", 2024, "04/KHCN-NV")
    } == {(fixed.province_code, fixed.year, fixed.form, row["indicator_code"], row["breakdown"], 50.0)}
    assert before - after == set()  # nothing else moved
    # the review that ends the replay closes the alert on the held file (a later file came under its name), and
    # the receipt under that name is the new file's
    open_alerts = [
        s for (s,) in _rows(data / "warehouse.duckdb", "SELECT subject FROM quality.alerts WHERE closed_at IS NULL")
    ]
    assert not any(sent["encrypted_xlsx"].path.name in s for s in open_alerts), open_alerts
    receipt = (data / "receipts" / f"{sent['encrypted_xlsx'].path.name}.txt").read_text(encoding="utf-8")
    assert "ĐÃ NHẬP / LOADED" in receipt and "44" in receipt


def test_every_job_runs_on_a_fresh_data_folder(demo_dir, tmp_path, monkeypatch):
    from demo.simulator import SourceSimulator
    from pipelines.cli_runs import run_review
    from pipelines.runs import run_job

    data, home = tmp_path / "data", tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO / "instance" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("CSDL_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert run_review()  # before anything was ever loaded: nothing to report, nothing fails
    with SourceSimulator(demo_dir) as sim:
        for key, value in sim.environment().items():
            monkeypatch.setenv(key, value)
        assert run_job("provinces_refresh", "WARNING").success  # no intake folder at all
        assert run_job("national_refresh", "WARNING").success  # an empty intake
    assert run_review()


def _warehouse_from(intake_files, tmp_path, tables):
    """The report files loaded through the provinces source and the named models built, as the warehouse
    step builds them; returns the warehouse resource."""
    from assets.resources import DuckDBWarehouse
    from sources.provinces import provinces
    from sources.reference import reference
    from warehouse.modelling import discover, run_model

    warehouse = DuckDBWarehouse(data_dir=str(tmp_path / "data"))
    warehouse.dlt_pipeline("reference").run(reference(), loader_file_format="parquet")
    warehouse.dlt_pipeline("provinces").run(
        provinces(intake_dir=str(intake_files), quarantine_dir=str(warehouse.quarantine_dir)),
        loader_file_format="parquet",
    )
    models = {m.table: m for m in discover()}
    with warehouse.connect() as con:
        for table in ("staging.provinces", "staging.report_template", "staging.province_report_rows", *tables):
            run_model(con, models[table])
    return warehouse


PEOPLE = [
    ("0201", "tong", 700.0, "người"),
    ("0201", "gioi_tinh:nam", 400.0, "người"),
    ("0201", "gioi_tinh:nu", 300.0, "người"),
]


def test_a_tenfold_change_from_the_previous_year_is_a_warning_naming_the_file_and_row(tmp_path):
    from datetime import date

    from demo.workbook import write_report_workbook

    intake = tmp_path / "intake"
    intake.mkdir()
    write_report_workbook(intake, "38", "Tỉnh Thanh Hóa", 2023, "02/KHCN-NL", date(2024, 2, 1), PEOPLE)
    later = write_report_workbook(
        intake,
        "38",
        "Tỉnh Thanh Hóa",
        2024,
        "02/KHCN-NL",
        date(2025, 2, 1),
        [
            ("0201", "tong", 8400.0, "người"),
            ("0201", "gioi_tinh:nam", 8100.0, "người"),  # 12x and 20.25x
            ("0201", "gioi_tinh:nu", 300.0, "người"),
        ],
    )  # as the year before
    warehouse = _warehouse_from(intake, tmp_path, ["core.fct_statistic", "marts.statistic_year_changes"])
    with warehouse.connect() as con:
        flagged = con.execute(
            "SELECT breakdown, warning FROM marts.statistic_year_changes WHERE warning IS NOT NULL ORDER BY breakdown"
        ).fetchall()
        unflagged = con.execute("SELECT breakdown FROM marts.statistic_year_changes WHERE warning IS NULL").fetchall()
    # breakdown members move a lot between years where they are small: only the total is judged
    assert [b for b, _ in flagged] == ["tong"] and sorted(unflagged) == [("gioi_tinh:nam",), ("gioi_tinh:nu",)]
    assert "x12.0" in flagged[0][1] and f"{later.name} (dòng/row " in flagged[0][1], flagged


@pytest.mark.parametrize("revision_signed", ["same day", "earlier"])
def test_a_revision_wins_by_its_number_even_when_officers_keep_the_first_date(tmp_path, revision_signed):
    import os
    from datetime import date

    from demo.workbook import write_report_workbook

    intake = tmp_path / "intake"
    intake.mkdir()
    first = write_report_workbook(intake, "40", "Tỉnh Nghệ An", 2024, "02/KHCN-NL", date(2025, 2, 10), PEOPLE)
    signed = date(2025, 2, 10) if revision_signed == "same day" else date(2025, 2, 3)
    revised = [(c, b, v + 10, u) if b in ("tong", "gioi_tinh:nu") else (c, b, v, u) for c, b, v, u in PEOPLE]
    second = write_report_workbook(intake, "40", "Tỉnh Nghệ An", 2024, "02/KHCN-NL", signed, revised, revision=2)
    os.utime(second, (first.stat().st_mtime - 3600,) * 2)  # and even arrived first
    warehouse = _warehouse_from(intake, tmp_path, ["core.fct_statistic"])
    with warehouse.connect() as con:
        core = dict(con.execute("SELECT breakdown, value FROM core.fct_statistic").fetchall())
    assert core == {"tong": 710.0, "gioi_tinh:nam": 400.0, "gioi_tinh:nu": 310.0}


def test_a_former_provinces_indicators_are_shared_back_with_the_unit_that_reports_for_it_now(refreshed):
    import duckdb as db

    slices = refreshed[0] / "published" / "provinces"
    # Resolution 202/2025/QH15 (../shared/domain.md): 27 Bắc Ninh -> 24 Bắc Ninh, 49 Quảng Nam -> 48 Đà Nẵng
    for former, current in (("27", "24"), ("49", "48")):
        rows = db.sql(
            f"SELECT DISTINCT unit_set, province_code FROM '{slices / current / 'indicators_by_province_year.parquet'}'"
            " WHERE unit_set = '63'"
        ).fetchall()
        assert ("63", former) in rows, (former, current, rows)
        assert not (slices / former).exists() or former == current


def test_the_quality_report_escapes_what_senders_wrote(tmp_path):
    from datetime import datetime

    from quality import report
    from warehouse.database import connect

    hostile = "<b>bao cao</b> & <script>alert(1)</script>.xlsx"
    files = [
        {
            "file_name": hostile,
            "province_name": "Tỉnh <i>X</i>",
            "province_code": "01",
            "reference_year": 2024,
            "form_code": "01/KHCN-TC",
            "outcome": "held",
            "superseded_by": None,
            "kept": 0,
            "quarantined_rows": [],
            "reason_vi": "Lý do <img src=x>",
            "reason_en": "reason & more",
        }
    ]
    with connect(tmp_path / "w.duckdb") as con:
        page = report.render(con, [], [], datetime.now(UTC), files)
    assert "<script>" not in page and "<b>bao cao" not in page and "<img" not in page and "<i>X" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "reason &amp; more" in page
