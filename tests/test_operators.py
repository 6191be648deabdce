"""What an operator meets from a plain shell: `csdl review` without an instance, the quarantine exported for
officers, a run-failure alert that says why and links to the run, one alert per root cause."""

import csv
import json
import shutil
import socket
import stat
from html.parser import HTMLParser

import dagster as dg
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.runs import run_job
from tests.conftest import REPO
from tests.test_quality import WebhookReceiver, render_in_chromium
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
    (
        "staging.ministry_tasks",
        "BKHCN",
        "BKHCN-2024-0007",
        "start_date 30/02/2024 is not a date (YYYY-MM-DD)",
        {
            "source_id": "BKHCN-2024-0007",
            "title": "Nghiên cứu giống lúa",
            "start_date": "30/02/2024",
            "pi_email": "hoa.le@vast.vn",
        },
    ),
    (
        "staging.ministry_tasks",
        "BYT",
        "BYT-2023-0100",
        "level 'cấp tỉnh' is not a known task level",
        {"source_id": "BYT-2023-0100", "title": "Vắc-xin", "start_date": "2023-05-01", "pi_email": None},
    ),
    (
        "staging.academy_publications",
        "VAST",
        "oai:vast:42",
        "year 2999 is in the future",
        {"identifier": "oai:vast:42", "year": 2999},
    ),
]


@pytest.fixture
def quarantined(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("CSDL_DATA_DIR", str(data))
    with connect(data / "warehouse.duckdb") as con:
        for model, system, key, reason, raw in QUARANTINED:
            con.execute(
                "INSERT INTO quality.quarantine VALUES (?, ?, ?, ?, ?, 'load1', now())",
                [model, system, key, reason, json.dumps(raw, ensure_ascii=False)],
            )
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
    rows = {row[2]: dict(zip(headings, row, strict=True)) for row in tasks[2:]}
    assert set(rows) == {"BKHCN-2024-0007", "BYT-2023-0100"}
    assert rows["BKHCN-2024-0007"]["Lý do cách ly / reason"].startswith("start_date 30/02/2024")
    assert rows["BKHCN-2024-0007"]["Trường nguồn / field: start_date"] == "30/02/2024"
    publications = book.get_sheet_by_name("staging.academy_publications").to_python()
    assert [row[2] for row in publications[2:]] == ["oai:vast:42"]
    assert "Trường nguồn / field: year" in publications[1] and "Trường nguồn / field: title" not in publications[1]


def test_the_quarantine_exports_as_csv_for_one_model(quarantined, tmp_path):
    out = tmp_path / "cach-ly.csv"
    done = CliRunner().invoke(
        app,
        ["quarantine", "export", str(out), "--format", "csv", "--model", "staging.ministry_tasks"],
        env={"COLUMNS": "250"},
    )
    assert done.exit_code == 0, done.output
    with out.open(encoding="utf-8-sig", newline="") as f:  # with a byte-order mark, for Excel
        note, headings, *rows = list(csv.reader(f))
    assert "PERSONAL DATA" in note[0] and "DỮ LIỆU CÁ NHÂN" in note[0]
    assert [r[headings.index("Khoá bản ghi / record key")] for r in rows] == ["BKHCN-2024-0007", "BYT-2023-0100"]
    refused = CliRunner().invoke(app, ["quarantine", "export", str(out), "--format", "pdf"])
    assert refused.exit_code == 2 and "csv" in refused.output


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_run_that_cannot_reach_its_source_is_one_alert_naming_the_cause_and_linking_the_run(
    tmp_path, monkeypatch, webhook
):
    port = _closed_port()  # nothing listens there: the ministries' API is down
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO / "instance" / "dagster.yaml", home / "dagster.yaml")
    for name, value in {
        "CSDL_DATA_DIR": str(tmp_path / "data"),
        "DAGSTER_HOME": str(home),
        "SOURCES__MINISTRIES__BASE_URL": f"http://127.0.0.1:{port}/ministries",
        "SOURCES__MINISTRIES__RETRIES": "0",
        "SOURCES__MINISTRIES__API_KEY": "demo-key",
        "CSDL_UI_URL": "https://dagster.csdl.test/",
        "CSDL_ALERT_WEBHOOK_URL": webhook.url,
    }.items():
        monkeypatch.setenv(name, value)
    from pipelines.definitions import defs as load_definitions

    defs = load_definitions()
    raw_ministries = [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[:2] == ["raw", "ministries"]]
    failed = defs.resolve_job_def("ministries_refresh").execute_in_process(
        instance=dg.DagsterInstance.get(), raise_on_error=False, asset_selection=raw_ministries
    )
    assert not failed.success

    reviewed = run_job("quality_review", "WARNING")
    assert reviewed.success
    [alert] = [t for t in webhook.texts() if "run of ministries_refresh failed" in t]  # one alert, one cause
    assert f"connection refused at 127.0.0.1:{port} (ministries API: " in alert, alert
    assert f"https://dagster.csdl.test/runs/{failed.run_id}" in alert
    assert "published nothing" in alert and "still published" not in alert
    assert "Traceback" not in alert and "DagsterExecutionStepExecutionError" not in alert


class _ReportShown(HTMLParser):
    """What the page Chromium rendered holds: its sections in order, its charts' bars, links and reason kinds."""

    def __init__(self):
        super().__init__()
        self.sections, self.tables, self.links, self.failing = [], [], [], []
        self.charts: dict[str, dict[str, dict]] = {}
        self.kinds: dict[str, dict[str, int]] = {}
        self._chart = self._bar = self._model = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-section" in a:
            self.sections.append(a["data-section"])
        if "data-table" in a:
            self.tables.append(a["data-table"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if "data-failing-check" in a:
            self.failing.append(a["data-failing-check"])
        if tag == "figure" and "data-chart" in a:
            self._chart = self.charts.setdefault(a["data-chart"], {})
        if tag == "g" and "data-bar" in a and self._chart is not None:
            self._bar = self._chart.setdefault(a["data-bar"], {"total": int(a["data-total"])})
        if tag == "rect" and "data-series" in a and self._bar is not None:
            self._bar[a["data-series"]] = (int(a["data-value"]), float(a["height"]))
        if tag == "table" and "reasons" in a.get("class", ""):
            self._model = self.kinds.setdefault(a["data-model"], {})
        if tag == "tr" and "data-kind" in a and self._model is not None:
            self._model[a["data-kind"]] = int(a["data-rows"])

    def handle_endtag(self, tag):
        if tag == "figure":
            self._chart = self._bar = None
        if tag == "table":
            self._model = None


def test_the_quality_report_puts_failures_first_and_draws_its_charts_in_chromium(refreshed, tmp_path, monkeypatch):
    from quality.review import review

    data, result = refreshed
    copy = tmp_path / "data"  # the shared refresh is only read: the review runs on a copy of its warehouse
    copy.mkdir()
    shutil.copyfile(data / "warehouse.duckdb", copy / "warehouse.duckdb")
    monkeypatch.setenv("CSDL_UI_URL", "https://dagster.csdl.test")
    with connect(copy / "warehouse.duckdb") as con:
        quarantined = dict(con.execute("SELECT model, count(*) FROM quality.quarantine GROUP BY 1").fetchall())
        con.execute(
            "INSERT INTO quality.check_results VALUES (?, 'core.dim_researcher', 'great_expectations', false, "
            "'ERROR', 1, ?, now())",
            [
                result.run_id,
                json.dumps(
                    {"expect_column_values_to_not_be_null(full_name)": {"unexpected": 2, "sample": ["R1: None"]}}
                ),
            ],
        )
        for key, day in (("BKHCN-X-1", "31/04/2023"), ("BKHCN-X-2", "2023-13-01")):  # two more wrong dates
            con.execute(
                "INSERT INTO quality.quarantine VALUES ('staging.ministry_tasks', 'BKHCN', ?, ?, ?, 'l', now())",
                [key, f"start_date {day} is not a date (YYYY-MM-DD)", json.dumps({"start_date": day})],
            )
        instance = dg.DagsterInstance.from_config(str(data.parent / "dagster_home"))
        review(con, instance, copy / "reports" / "quality.html", ["national_refresh"], channels=[])
        bad_dates = con.execute(
            "SELECT count(*) FROM quality.quarantine WHERE model = 'staging.ministry_tasks' "
            "AND reason LIKE 'start_date % is not a date (YYYY-MM-DD)'"
        ).fetchall()[0][0]

    dom = render_in_chromium(copy / "reports" / "quality.html", tmp_path)
    shown = _ReportShown()
    shown.feed(dom)
    # what fails comes first: the section that needs someone, then the charts; the failing table leads the tables
    assert shown.sections == ["attention", "charts", "quarantine", "tables", "freshness", "reports"]
    assert shown.failing == ["core.dim_researcher:great_expectations"] and shown.tables[0] == "core.dim_researcher"
    assert {f"#{s}" for s in shown.sections} <= set(shown.links)  # the table of contents
    # links into the Dagster UI: the run, the table, the check
    assert f"https://dagster.csdl.test/runs/{result.run_id}" in shown.links
    assert "https://dagster.csdl.test/assets/core/dim_researcher" in shown.links
    assert (
        "https://dagster.csdl.test/assets/core/dim_researcher?view=checks&checkDetail=great_expectations" in shown.links
    )

    # the charts: rows quarantined in the last run of each model, forms per reporting year by status
    for model, count in quarantined.items():
        chart = shown.charts[f"rows-quarantined-{model}"]
        value, height = list(chart.values())[-1]["quarantined"]
        assert value == count and height > 0
    years = shown.charts["reports-per-year"]
    assert years and all(sum(v[0] for k, v in bar.items() if k != "total") == bar["total"] for bar in years.values())
    assert years["2024"]["total"] == 63 * 4 and years["2024"]["on_time"][0] > 0  # 63 provinces, 4 forms
    # reasons grouped by kind, not one line per wrong date
    assert shown.kinds["staging.ministry_tasks"]["start_date … is not a date (YYYY-MM-DD)"] == bad_dates >= 3
