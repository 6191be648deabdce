"""Quality in operation: blocking checks keep the last good snapshot, alerts reach a webhook and an SMTP
server on loopback once per problem and close when fixed, the HTML report renders in headless Chromium,
and a quarantined record fixed and replayed ends in core with the counts still reconciling."""

import csv
import json
import shutil
import socket
import subprocess
import threading
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.runs import run_job
from quality.freshness import freshness, reporting_completeness
from quality.settings import ReportingRules
from sources.reference import read_reference
from tests.conftest import ground_truth, refresh_into

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# -- loopback receivers ---------------------------------------------------------------------------
class WebhookReceiver:
    """An incoming-webhook endpoint (what Slack or Teams run) on 127.0.0.1; can be told to fail."""

    def __init__(self):
        self.messages: list[dict] = []
        self.failing = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.failing:
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.messages.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/csdl"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def texts(self) -> list[str]:
        return [m["text"] for m in self.messages]


class MailSink:
    async def handle_DATA(self, server, session, envelope):
        self.mails.append(message_from_bytes(envelope.content))
        return "250 OK"

    def __init__(self):
        self.mails = []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def receivers():
    from aiosmtpd.controller import Controller

    webhook, sink = WebhookReceiver(), MailSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    yield webhook, sink, smtp.port
    smtp.stop()
    webhook.server.shutdown()


@pytest.fixture(scope="module")
def refreshed_for_operators(demo_dir, tmp_path_factory):
    """A refresh of this module's own: these tests break, fix and replay data, which the shared one must not see."""
    data, result, _ = refresh_into(demo_dir, tmp_path_factory.mktemp("operated"))
    return data, result


@pytest.fixture
def operated(refreshed_for_operators, receivers, monkeypatch):
    """The refreshed data folder and its Dagster instance, with alerts going to the loopback receivers."""
    data, first = refreshed_for_operators
    webhook, sink, smtp_port = receivers
    monkeypatch.setenv("CSDL_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(data.parent / "dagster_home"))
    monkeypatch.setenv("CSDL_ALERT_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("CSDL_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CSDL_ALERT_SMTP_PORT", str(smtp_port))
    monkeypatch.setenv("CSDL_ALERT_EMAIL_FROM", "csdl@nasati.test")
    monkeypatch.setenv("CSDL_ALERT_EMAIL_TO", "truc-van-hanh@nasati.test")
    return data, first, webhook, sink


def _review() -> dict:
    result = run_job("quality_review", "WARNING")
    assert result.success
    with result:
        return result.output_for_node("review_quality")


def _published_run(data) -> str:
    with duckdb.connect(str(data / "published" / "csdl.duckdb"), read_only=True) as con:
        return con.execute("SELECT run_id FROM main.refresh").fetchall()[0][0]


def _warehouse(data, sql, params=None):
    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        return con.execute(sql, params or []).fetchall()


def _expected_missing_reports(demo_dir, year) -> set[str]:
    """Current provinces lacking at least one form for `year`, from what the generator actually sent."""
    with open(demo_dir / "ground_truth" / "statistics.csv", encoding="utf-8") as f:
        sent = {(r["province_code"], r["form_code"]) for r in csv.DictReader(f) if int(r["reference_year"]) == year}
    current = {p["province_code"] for p in read_reference("provinces") if p["valid_to"] is None}
    forms = ["01/KHCN-TC", "02/KHCN-NL", "03/KHCN-CP", "04/KHCN-NV"]
    return {p for p in current for form in forms if (p, form) not in sent}


# -- the HTML report in a real browser ------------------------------------------------------------
class _ReportReader(HTMLParser):
    """Reads what the rendered DOM shows: check history per table/check, quarantine counts, sources, alerts."""

    def __init__(self):
        super().__init__()
        self.table, self.history, self.quarantined, self.sources, self.alerts = None, {}, {}, {}, 0
        self._source, self._cells, self.text = None, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-table" in a:
            self.table = a["data-table"]
        if tag == "tr" and "data-check" in a:
            self.history[(self.table, a["data-check"])] = a["data-history"]
        if "data-quarantined" in a:
            self.quarantined[self.table] = int(a["data-quarantined"])
        if tag == "tr" and "data-source" in a:
            self._source, self._cells = a["data-source"], []
        if tag == "tr" and "data-alert" in a:
            self.alerts += 1

    def handle_endtag(self, tag):
        if tag == "tr" and self._source:
            self.sources[self._source] = self._cells[-1]
            self._source = None

    def handle_data(self, data):
        self.text.append(data)
        if self._source and data.strip():
            self._cells.append(data.strip())


def render_in_chromium(page, tmp_path) -> str:
    assert shutil.which(CHROMIUM), "chromium is missing: `make test` installs Debian's chromium package"
    profile = tmp_path / "chromium-profile"
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--screenshot={tmp_path / 'report.png'}",
            "--window-size=1280,2000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "report.png").stat().st_size > 10_000  # it painted something
    return done.stdout


# -- tests ----------------------------------------------------------------------------------------
def test_blocking_check_keeps_the_last_snapshot_and_alerts_arrive_once_and_close(operated, demo_dir, tmp_path):
    data, first, webhook, sink = operated
    last_good = _published_run(data)
    assert last_good == first.run_id

    # after the good refresh: the only problems are the reports missing after the 2025 deadline
    baseline = _review()
    missing = _expected_missing_reports(demo_dir, 2025)
    assert missing and set(baseline["problems"]) == {f"report_missing:2025:{p}" for p in missing}
    assert len(webhook.messages) == len(sink.mails) == len(missing)
    assert all("report missing" in t and "15/02/2026" in t for t in webhook.texts())

    # a ministry sends a negative budget: staging keeps it, core's blocking suite refuses it
    source_id, budget = _warehouse(
        data,
        "SELECT source_id, budget_state_vnd FROM raw_ministries.tasks "
        "WHERE budget_state_vnd > 0 ORDER BY source_id LIMIT 1",
    )[0]
    _warehouse(
        data, "UPDATE raw_ministries.tasks SET budget_state_vnd = -budget_state_vnd WHERE source_id = ?", [source_id]
    )
    broken = run_job("rebuild_from_raw", "ERROR")
    assert not broken.success
    failed = {
        (c.asset_key.to_user_string(), c.check_name) for c in broken.get_asset_check_evaluations() if not c.passed
    }
    assert ("core/fct_task", "values_in_range") in failed  # named for what it checks
    assert _published_run(data) == last_good  # analysts still have the last good snapshot
    with duckdb.connect(str(data / "published" / "csdl.duckdb"), read_only=True) as con:
        assert con.execute("SELECT min(budget_state_vnd) FROM core.fct_task").fetchall()[0][0] >= 0

    # the run-failure sensor asks for a review: one bad row, one alert (not one per check it failed and one for
    # the run), on both channels, naming the record and linking to the run
    instance = dg.DagsterInstance.get()
    from pipelines.sensors import review_after_failure, review_after_refresh

    context = dg.build_run_status_sensor_context(
        sensor_name="review_after_failure",
        dagster_event=broken.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=broken.dagster_run,
    ).for_run_failure()
    request = review_after_failure(context)
    assert isinstance(request, dg.RunRequest) and request.tags["csdl/after_run"] == broken.run_id
    before = len(webhook.messages)
    opened = _review()
    assert set(opened["problems"]) - set(baseline["problems"]) == {"run_failed:rebuild_from_raw"}
    assert opened["opened"] == 1 and opened["failures"] == []
    [alert] = webhook.texts()[before:]
    assert len(sink.mails) == len(missing) + 1
    assert "[ERROR]" in alert and "run of rebuild_from_raw failed" in alert
    # the cause first (staging, upstream, only warns), then what it stopped in the same run
    assert alert.index("Cause: staging.ministry_tasks check values_in_range (warning)") < alert.index(
        "In the same run: core.fct_task check values_in_range (blocking)"
    )
    assert f"source_id={source_id}: {-budget}" in alert  # the sample names the record, not only its value
    assert "published nothing" in alert and "last good snapshot" in alert and "still published" not in alert
    assert f"http://127.0.0.1:3000/runs/{broken.run_id}" in alert
    assert "run of rebuild_from_raw failed" in sink.mails[-1]["Subject"]

    # reviewing again sends nothing new: one alert per open problem
    again = _review()
    assert again["opened"] == again["closed"] == again["sent"] == 0
    assert len(webhook.messages) == before + 1

    # the ministry corrects it; the next run publishes and the review closes the alert
    _warehouse(data, "UPDATE raw_ministries.tasks SET budget_state_vnd = ? WHERE source_id = ?", [budget, source_id])
    fixed = run_job("rebuild_from_raw", "ERROR")
    assert fixed.success and _published_run(data) == fixed.run_id
    context = dg.build_run_status_sensor_context(
        sensor_name="review_after_refresh",
        dagster_event=fixed.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=fixed.dagster_run,
    )
    assert isinstance(review_after_refresh(context), dg.RunRequest)
    closed = _review()
    assert closed["closed"] == 1 and closed["open"] == len(missing)
    [resolved] = webhook.texts()[before + 1 :]
    assert "[RESOLVED]" in resolved and "rebuild_from_raw" in resolved
    assert sum("[RESOLVED]" in m["Subject"] for m in sink.mails) == 1
    rows = _warehouse(data, "SELECT kind, count(*), count(closed_at) FROM quality.alerts GROUP BY 1 ORDER BY 1")
    assert rows == [("report_missing", len(missing), 0), ("run_failed", 1, 1)]

    # the report an operator opens: rendered by headless Chromium, it shows the history and the quarantine
    dom = render_in_chromium(data / "reports" / "quality.html", tmp_path)
    shown = _ReportReader()
    shown.feed(dom)
    assert shown.history[("core.fct_task", "values_in_range")].startswith("PFP")  # fixed, broken, first run
    assert shown.history[("staging.ministry_tasks", "rows_reconcile")].startswith("PPP")
    quarantined = dict(_warehouse(data, "SELECT model, count(*) FROM quality.quarantine GROUP BY 1"))
    assert shown.quarantined == quarantined and sum(quarantined.values()) == len(ground_truth(demo_dir, "defects"))
    assert "start_date 30/02/2024 is not a date (YYYY-MM-DD)" in "".join(shown.text)
    assert shown.sources == {"academies": "fresh", "ministries": "fresh", "provinces": "fresh", "reference": "fresh"}
    assert shown.alerts == len(missing)


def test_a_failing_warning_still_publishes_and_a_channel_that_is_down_gets_it_at_the_next_review(operated):
    data, _, webhook, sink = operated
    source_id, status = _warehouse(
        data,
        "SELECT source_id, status FROM raw_ministries.tasks WHERE status = 'dang_thuc_hien' ORDER BY source_id LIMIT 1",
    )[0]
    _warehouse(data, "UPDATE raw_ministries.tasks SET status = 'tam_dung' WHERE source_id = ?", [source_id])
    warned = run_job("rebuild_from_raw", "ERROR")
    assert warned.success and _published_run(data) == warned.run_id  # a warning does not stop publishing
    warnings = {
        (c.asset_key.to_user_string(), c.severity) for c in warned.get_asset_check_evaluations() if not c.passed
    }
    assert warnings == {
        ("staging/ministry_tasks", dg.AssetCheckSeverity.WARN),
        ("core/fct_task", dg.AssetCheckSeverity.WARN),
    }

    webhook.failing = True
    try:
        mails = len(sink.mails)
        first = _review()  # the row warns in staging and in core: one alert
        assert first["opened"] == 1 and len(first["failures"]) == 1
        assert all(f.startswith("webhook:") for f in first["failures"])
        assert len(sink.mails) == mails + 1 and "[WARNING]" in sink.mails[-1]["Subject"]
    finally:
        webhook.failing = False
    hooks = len(webhook.messages)
    second = _review()  # the webhook is back: it gets the alert it missed, e-mail gets nothing twice
    assert second["opened"] == 0 and second["sent"] == 1 and len(webhook.messages) == hooks + 1
    [alert] = webhook.texts()[-1:]
    assert "codes_in_code_lists_warnings failed" in alert and f"source_id={source_id}: tam_dung" in alert
    assert f"Run {warned.run_id} still published" in alert
    assert len(sink.mails) == mails + 1

    _warehouse(data, "UPDATE raw_ministries.tasks SET status = ? WHERE source_id = ?", [status, source_id])
    assert run_job("rebuild_from_raw", "ERROR").success
    assert _review()["closed"] == 1


def test_a_quarantined_record_fixed_and_replayed_reaches_core_and_counts_reconcile(operated, tmp_path):
    data, *_ = operated
    runner = CliRunner()
    listed = runner.invoke(app, ["quarantine", "list", "--model", "staging.ministry_tasks"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    assert "9 records" in listed.output and "cấp tỉnh" in listed.output

    fixes = tmp_path / "fixes.jsonl"
    exported = runner.invoke(app, ["quarantine", "export", str(fixes), "--model", "staging.ministry_tasks"])
    assert exported.exit_code == 0, exported.output
    records = [json.loads(line) for line in fixes.read_text(encoding="utf-8").splitlines()]
    level = next(r for r in records if r["raw_record"]["level"] == "cấp tỉnh")
    level["raw_record"]["level"] = "TINH"
    date_fix = next(r for r in records if r["raw_record"]["start_date"].startswith("30/02/"))
    date_fix["raw_record"]["start_date"] = date_fix["raw_record"]["start_date"][-4:] + "-02-28"

    # a typo in a field name is refused, naming the file, line and field; nothing is applied
    bad = tmp_path / "bad.jsonl"
    typo = json.loads(json.dumps(level))
    typo["raw_record"]["levle"] = "TINH"
    bad.write_text(
        json.dumps(date_fix, ensure_ascii=False) + "\n" + json.dumps(typo, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    refused = runner.invoke(app, ["quarantine", "replay", str(bad)])
    assert refused.exit_code == 1 and f"{bad} line 2" in refused.output and "levle" in refused.output
    assert _warehouse(data, "SELECT count(*) FROM quality.corrections") == [(0,)]

    fixes.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (level, date_fix)), encoding="utf-8")
    replayed = runner.invoke(app, ["quarantine", "replay", str(fixes)])
    assert replayed.exit_code == 0, replayed.output
    keys = [level["source_key"], date_fix["source_key"]]
    with duckdb.connect(str(data / "published" / "csdl.duckdb"), read_only=True) as con:
        assert sorted(
            con.execute("SELECT source_id, level FROM core.fct_task WHERE source_id IN (?, ?)", keys).fetchall()
        ) == sorted([(level["source_key"], "TINH"), (date_fix["source_key"], date_fix["raw_record"]["level"].upper())])
    received, kept, quarantined = _warehouse(
        data,
        """SELECT (SELECT count(*) FROM raw_ministries.tasks),
        (SELECT count(*) FROM staging.ministry_tasks),
        (SELECT count(*) FROM quality.quarantine WHERE model = 'staging.ministry_tasks')""",
    )[0]
    assert quarantined == 7 and received == kept + quarantined
    latest = _warehouse(
        data,
        """SELECT passed, details->>'quarantined' FROM quality.check_results
        WHERE asset_key = 'staging.ministry_tasks' AND check_name = 'rows_reconcile' ORDER BY checked_at DESC LIMIT 1""",
    )
    assert latest == [(True, "7")]
    audit = _warehouse(data, "SELECT source_key, changed_fields FROM quality.corrections ORDER BY source_key")
    assert sorted(audit) == sorted([(level["source_key"], ["level"]), (date_fix["source_key"], ["start_date"])])


def test_freshness_and_the_reporting_deadline_follow_the_clock_and_the_settings(refreshed):
    data, _ = refreshed
    now = datetime.now(UTC)
    loads = {"ministries": now - timedelta(hours=40), "academies": now - timedelta(days=3)}
    state = {f.source: f.stale for f in freshness(loads, now)}  # by the raw assets' FreshnessPolicy
    assert state == {"ministries": True, "academies": False, "provinces": True, "reference": True}
    assert {f.source: f.stale for f in freshness(loads, now, windows={"ministries": (48, 72)})}["ministries"] is False

    rules = ReportingRules()
    assert rules.last_due_year(date(2026, 2, 15)) == 2024 and rules.last_due_year(date(2026, 2, 16)) == 2025
    assert ReportingRules.from_environment({"CSDL_REPORT_DEADLINE": "01-31"}).last_due_year(date(2026, 2, 1)) == 2025
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        before = reporting_completeness(con, date(2026, 2, 10), rules)
        after = reporting_completeness(con, date(2026, 11, 1), rules)
    assert {r["year"] for r in before} == {2023, 2024}
    assert {r["year"] for r in after} == {2023, 2024, 2025}
    assert len([r for r in after if r["year"] == 2025]) == 34 * 4  # the 34 units after the merger
    assert len([r for r in after if r["year"] == 2024]) == 63 * 4
    late = [r for r in after if r["status"] == "late"]
    assert late and all(r["report_date"] > r["deadline"] for r in late)


def test_stale_sources_open_alerts_that_close_after_the_next_load(operated):
    data, *_ = operated
    from quality.review import review

    instance = dg.DagsterInstance.get()
    later = datetime.now(UTC) + timedelta(days=3)  # three days without a load
    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        stale = review(con, instance, data / "reports" / "quality.html", ["national_refresh"], now=later, channels=[])
        assert {"source_stale:ministries", "source_stale:provinces"} <= set(stale["problems"])
        assert "source_stale:academies" not in stale["problems"]  # weekly: three days is on time
        message = con.execute(
            "SELECT message FROM quality.alerts WHERE problem_key = 'source_stale:ministries' AND closed_at IS NULL"
        ).fetchall()[0][0]
        assert "expected every 24 h" in message
        fresh = review(con, instance, data / "reports" / "quality.html", ["national_refresh"], channels=[])
    assert not any(p.startswith("source_stale:") for p in fresh["problems"]) and fresh["closed"] >= 2


def test_the_text_expectations_catch_nfd_and_mojibake(refreshed):
    from quality.great_expectations import validate
    from quality.suites import BLOCKING, WARNING, suites

    data, _ = refreshed
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        frame = con.sql("SELECT * FROM core.fct_task ORDER BY task_id LIMIT 50").df()
    frame.loc[0, "title"] = "Nghiên cứu giống lúa chịu hạn tại Thanh Hoá".replace("á", "a\u0301")  # NFD
    frame.loc[1, "title"] = "NghiÖn cøu gièng lóa"  # TCVN3 bytes read as Latin-1
    frame.loc[2, "title"] = "Nghiá»‡m thu Ä‘á» tÃ i"  # UTF-8 read as Windows-1252
    for severity, bad_rows in ((BLOCKING, 1), (WARNING, 2)):
        expectations = [
            (n, k)
            for n, k, s in suites()["core.fct_task"]
            if s == severity and k.get("column") == "title" and n == "ExpectColumnValuesToNotMatchRegex"
        ]
        outcomes = validate(f"text_{severity}", frame, expectations)
        assert [(o.success, o.unexpected_count) for o in outcomes] == [(False, bad_rows)]


def test_validation_reads_again_only_changed_or_failing_rows_and_counts_the_whole_table(tmp_path):
    from quality.suites import BLOCKING, WARNING
    from quality.validation import validate_table
    from warehouse.database import connect

    suite = [
        ("ExpectColumnValuesToBeUnique", {"column": "task_id"}, BLOCKING),
        ("ExpectColumnValuesToBeBetween", {"column": "budget", "min_value": 0, "max_value": None}, BLOCKING),
        ("ExpectColumnValuesToBeInSet", {"column": "level", "value_set": ["quoc_gia", "bo"]}, WARNING),
    ]

    def failures(result):
        return [(o.expectation, o.unexpected_count) for o in result.outcomes if not o.success]

    with connect(tmp_path / "w.duckdb") as con:
        con.execute("CREATE SCHEMA core")
        con.execute(
            "CREATE TABLE core.t AS SELECT 'T' || i AS task_id, i * 10 AS budget, "
            "CASE WHEN i % 100 = 0 THEN 'tinh' ELSE 'bo' END AS level FROM range(1000) AS r(i)"
        )
        first = validate_table(con, "core.t", suite)
        assert (first.rows, first.rows_read) == (1000, 1000)
        assert failures(first) == [("expect_column_values_to_be_in_set", 10)]

        again = validate_table(con, "core.t", suite)  # unchanged: only the 10 rows that failed are read
        assert again.rows_read == 10 and failures(again) == failures(first)

        con.execute("UPDATE core.t SET budget = -1 WHERE task_id IN ('T1', 'T2')")  # two rows change
        con.execute("UPDATE core.t SET task_id = 'T3' WHERE task_id = 'T4'")  # a duplicate among unchanged rows
        changed = validate_table(con, "core.t", suite)
        assert changed.rows_read == 10 + 3 + 1  # the failing, the changed, and the row the new T3 duplicates
        assert failures(changed) == [
            ("expect_column_values_to_be_unique", 2),
            ("expect_column_values_to_be_between", 2),
            ("expect_column_values_to_be_in_set", 10),
        ]
        again = validate_table(con, "core.t", suite)  # the duplicates are read again, with each other
        assert again.rows_read == 10 + 2 + 2 and failures(again) == failures(changed)
        con.execute("INSERT INTO core.t SELECT * FROM core.t WHERE task_id = 'T5'")  # an exact copy of a kept row
        copied = validate_table(con, "core.t", suite)
        assert copied.rows_read == 10 + 2 + 2 + 2
        assert failures(copied)[0] == ("expect_column_values_to_be_unique", 4)
        con.execute("DELETE FROM core.t WHERE task_id = 'T5'")
        con.execute("INSERT INTO core.t VALUES ('T5', 50, 'bo')")
        full = validate_table(con, "core.t", suite, incremental=False)  # the same answer reading every row
        assert full.rows_read == 1000 and failures(full) == failures(changed)

        looser = [
            *suite[:2],
            ("ExpectColumnValuesToBeInSet", {"column": "level", "value_set": ["quoc_gia", "bo", "tinh"]}, WARNING),
        ]  # a changed suite reads every row again
        assert validate_table(con, "core.t", looser).rows_read == 1000


def test_an_expectation_that_cannot_be_evaluated_fails_every_time(tmp_path):
    """A range on a text column raises inside GX: it must fail, and vouch for no row, run after run."""
    from quality.suites import BLOCKING
    from quality.validation import validate_table
    from warehouse.database import connect

    suite = [("ExpectColumnValuesToBeBetween", {"column": "budget", "min_value": 0, "max_value": None}, BLOCKING)]
    with connect(tmp_path / "w.duckdb") as con:
        con.execute("CREATE SCHEMA core")
        con.execute("CREATE TABLE core.t AS SELECT 'T' || i AS task_id, 'nhiều' AS budget FROM range(20) AS r(i)")
        for _ in range(2):
            result = validate_table(con, "core.t", suite)
            assert result.rows_read == 20
            assert [(o.success, o.sample[0].startswith("could not be evaluated")) for o in result.outcomes] == [
                (False, True)
            ]


def test_a_load_less_than_half_a_cadence_late_is_still_fresh():
    from quality.freshness import Freshness, policies

    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    [(warn, fail)] = [policies()["ministries"]]  # the policy Dagster shows and evaluates on raw/ministries/*
    daily = [
        Freshness("ministries", now - timedelta(hours=hours), warn, fail, now) for hours in (23, 30, 35.9, 36.1, 60)
    ]
    assert [f.stale for f in daily] == [False, False, False, True, True]  # a day's cadence + half a day's grace


def test_an_unknown_model_name_is_refused_not_shown_as_nothing_quarantined(tmp_path, monkeypatch):
    monkeypatch.setenv("CSDL_DATA_DIR", str(tmp_path))
    for command in (
        ["quarantine", "list", "--model", "staging.ministry_task"],
        ["quarantine", "export", str(tmp_path / "x.jsonl"), "--model", "staging.ministry_task"],
    ):
        refused = CliRunner().invoke(app, command, env={"COLUMNS": "250"})
        assert refused.exit_code == 2 and "staging.ministry_tasks" in refused.output, refused.output


def test_check_samples_in_alerts_carry_no_phone_number_or_e_mail(tmp_path):
    from quality.alerts import check_problems
    from warehouse.database import connect

    sample = ["Lê Thị Hoa 0912 345 678", "hoa.le@vast.vn Nguyễn Văn A", "Trần B"]
    with connect(tmp_path / "w.duckdb") as con:
        con.execute(
            "INSERT INTO quality.check_results VALUES ('r1', 'core.dim_researcher', 'great_expectations', false, "
            "'ERROR', 1, ?, now())",
            [json.dumps({"ExpectColumnValuesToMatchRegex": {"unexpected": 3, "sample": sample}})],
        )
        [problem] = check_problems(con)
    assert "0912" not in problem.message and "hoa.le@" not in problem.message
    assert "[phone]" in problem.message and "[email]" in problem.message and "Trần B" in problem.message
