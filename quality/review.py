"""One quality review: collect today's problems, sync `quality.alerts` and its channels, write the HTML report."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from quality import alerts, receipts, report
from quality.channels import channels_from_environment
from quality.freshness import freshness, last_loads, reporting_completeness


def review(con, instance, report_path: Path, job_names: list[str], now: datetime | None = None,
           env=None, channels: list | None = None) -> dict:
    """Needs a writing connection to the warehouse (run it in the `duckdb` pool) and the Dagster instance."""
    env = os.environ if env is None else env
    now = now or datetime.now(timezone.utc)
    today = now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # deadlines are Vietnamese calendar days
    sources = freshness(last_loads(instance), now, env)
    completeness = reporting_completeness(con, today, env)
    files = receipts.received_files(con)
    receipts.write(con, report_path.parent.parent / "receipts")  # <data>/receipts beside <data>/reports
    problems = [*alerts.check_problems(con), *alerts.run_problems(instance, job_names),
                *alerts.freshness_problems(sources), *receipts.problems(files),
                *alerts.deadline_problems(completeness, today, int(env.get("CSDL_REPORT_YEARS_ALERTED") or 1), env)]
    outcome = alerts.sync(con, problems, channels_from_environment(env) if channels is None else channels, now)
    outcome["report"] = str(report.write(report_path, report.render(con, sources, completeness, now, files)))
    outcome["problems"] = sorted(p.key for p in problems)
    return outcome
