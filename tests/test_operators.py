"""What an operator meets from a plain shell: `csdl review` without an instance, the quarantine exported for
officers, a run-failure alert that says why and links to the run, one alert per root cause."""

import csv
import json
import stat

import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from pipelines.cli import app
from tests.test_quality import WebhookReceiver
from warehouse.database import connect


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.server.shutdown()


def test_review_without_an_instance_refuses_and_sends_no_alert(tmp_path, monkeypatch, webhook):
    data = tmp_path / "data"
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("CSDL_DATA_DIR", str(data))
    monkeypatch.setenv("CSDL_ALERT_WEBHOOK_URL", webhook.url)
    refused = CliRunner().invoke(app, ["review"], env={"COLUMNS": "250"})
    assert refused.exit_code == 2, refused.output
    assert "No Dagster instance" in refused.output and "Không tìm thấy Dagster instance" in refused.output
    assert str(data / "dagster_home") in refused.output
    assert webhook.messages == [] and not (data / "warehouse.duckdb").exists()


QUARANTINED = [
    ("staging.ministry_tasks", "BKHCN", "BKHCN-2024-0007", "start_date 30/02/2024 is not a date (YYYY-MM-DD)",
     {"source_id": "BKHCN-2024-0007", "title": "Nghiên cứu giống lúa", "start_date": "30/02/2024",
      "pi_email": "hoa.le@vast.vn"}),
    ("staging.ministry_tasks", "BYT", "BYT-2023-0100", "level 'cấp tỉnh' is not a known task level",
     {"source_id": "BYT-2023-0100", "title": "Vắc-xin", "start_date": "2023-05-01", "pi_email": None}),
    ("staging.academy_publications", "VAST", "oai:vast:42", "year 2999 is in the future",
     {"identifier": "oai:vast:42", "year": 2999}),
]


@pytest.fixture
def quarantined(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("CSDL_DATA_DIR", str(data))
    with connect(data / "warehouse.duckdb") as con:
        for model, system, key, reason, raw in QUARANTINED:
            con.execute("INSERT INTO quality.quarantine VALUES (?, ?, ?, ?, ?, 'load1', now())",
                        [model, system, key, reason, json.dumps(raw, ensure_ascii=False)])
    return data


def test_the_quarantine_exports_as_a_workbook_with_a_privacy_note_and_vietnamese_headings(quarantined, tmp_path):
    out = tmp_path / "cach-ly.xlsx"
    done = CliRunner().invoke(app, ["quarantine", "export", str(out), "--format", "xlsx"], env={"COLUMNS": "250"})
    assert done.exit_code == 0, done.output
    assert "DỮ LIỆU CÁ NHÂN" in done.output and "PERSONAL DATA" in done.output and "3 records" in done.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # personal data: its owner's only

    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["staging.academy_publications", "staging.ministry_tasks"]  # by model
    tasks = book.get_sheet_by_name("staging.ministry_tasks").to_python()
    assert "DỮ LIỆU CÁ NHÂN" in tasks[0][0] and "PERSONAL DATA" in tasks[0][0]
    headings = tasks[1]
    assert headings[:3] == ["Bảng / model", "Hệ thống nguồn / source system", "Khoá bản ghi / record key"]
    rows = {row[2]: dict(zip(headings, row)) for row in tasks[2:]}
    assert set(rows) == {"BKHCN-2024-0007", "BYT-2023-0100"}
    assert rows["BKHCN-2024-0007"]["Lý do cách ly / reason"].startswith("start_date 30/02/2024")
    assert rows["BKHCN-2024-0007"]["Trường nguồn / field: start_date"] == "30/02/2024"
    publications = book.get_sheet_by_name("staging.academy_publications").to_python()
    assert [row[2] for row in publications[2:]] == ["oai:vast:42"]
    assert "Trường nguồn / field: year" in publications[1] and "Trường nguồn / field: title" not in publications[1]


def test_the_quarantine_exports_as_csv_for_one_model(quarantined, tmp_path):
    out = tmp_path / "cach-ly.csv"
    done = CliRunner().invoke(app, ["quarantine", "export", str(out), "--format", "csv",
                                    "--model", "staging.ministry_tasks"], env={"COLUMNS": "250"})
    assert done.exit_code == 0, done.output
    with out.open(encoding="utf-8-sig", newline="") as f:  # with a byte-order mark, for Excel
        note, headings, *rows = list(csv.reader(f))
    assert "PERSONAL DATA" in note[0] and "DỮ LIỆU CÁ NHÂN" in note[0]
    assert [r[headings.index("Khoá bản ghi / record key")] for r in rows] == ["BKHCN-2024-0007", "BYT-2023-0100"]
    refused = CliRunner().invoke(app, ["quarantine", "export", str(out), "--format", "pdf"])
    assert refused.exit_code == 2 and "csv" in refused.output
