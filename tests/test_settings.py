"""Settings are typed Dagster resources: one default each, environment variables read when a run starts,
nothing set in the environment by importing the code."""

import shutil
import subprocess
import sys
from datetime import date

import dagster as dg

from quality.settings import AlertChannels, ReportingRules
from tests.conftest import REPO


def test_loading_the_definitions_sets_no_environment_variable():
    code = (
        "import os; before = dict(os.environ); from pipelines.definitions import defs; defs(); "
        "print(sorted(k for k in os.environ if os.environ[k] != before.get(k)))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_secret_setting_is_an_env_var_in_the_definitions_never_its_value(monkeypatch):
    monkeypatch.setenv("CSDL_ALERT_WEBHOOK_URL", "https://hooks.example.test/T000/B000/secret-token")
    monkeypatch.setenv("CSDL_ALERT_SMTP_STARTTLS", "true")
    defined = AlertChannels.for_definitions()
    assert isinstance(defined.webhook_url, dg.EnvVar) and defined.webhook_url == "CSDL_ALERT_WEBHOOK_URL"
    assert defined.smtp_starttls is True and defined.smtp_port == 25  # the default, written once
    [webhook] = AlertChannels.from_environment().channels()  # outside a run: the value itself
    assert webhook.url.endswith("secret-token")


def test_the_reporting_deadline_is_one_setting_for_the_mart_and_the_alerts(refreshed, tmp_path):
    from quality.checks import run_gx_checks
    from quality.suites import suites
    from warehouse.database import connect
    from warehouse.modelling import discover, run_model

    rules = ReportingRules.from_environment({"CSDL_REPORT_DEADLINE": "03-31"})
    assert rules.due(2024) == date(2025, 3, 31) and ReportingRules().due(2024) == date(2025, 2, 15)
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(refreshed[0] / "warehouse.duckdb", copy)
    mart = next(m for m in discover() if m.table == "marts.reporting_completeness")
    with connect(copy, variables=rules.sql_variables()) as con:
        run_model(con, mart)
        deadlines = {
            d
            for (d,) in con.execute(
                "SELECT DISTINCT deadline FROM marts.reporting_completeness WHERE year = 2024"
            ).fetchall()
        }
    assert deadlines == {rules.due(2024)}
    fresh = tmp_path / "fresh.duckdb"  # another file: DuckDB keeps a variable for the open database
    shutil.copyfile(refreshed[0] / "warehouse.duckdb", fresh)
    with connect(fresh) as con:  # built without the setting: no silent default of its own, its check fails
        run_model(con, mart)
        checks = {
            r.check_name: r
            for r in run_gx_checks(
                con, "r1", mart.table, suites()[mart.table], {"required_values_present"}, incremental=False
            )
        }
    assert not checks["required_values_present"].passed
    assert "deadline is present" in checks["required_values_present"].description
