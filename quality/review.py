"""One quality review: collect today's problems, sync `quality.alerts` and its channels, write the HTML report."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from quality import alerts, receipts, report, root_cause
from quality.freshness import freshness, last_loads, reporting_completeness

LOCK_WAIT_S = 30.0  # how long a review waits for another process to let go of the warehouse (CSDL_REVIEW_LOCK_WAIT_S)


@contextmanager
def warehouse_for_review(path: Path, env=None) -> Iterator[tuple[duckdb.DuckDBPyConnection, list[alerts.Problem]]]:
    """A writing connection to the warehouse, and the problems met opening it. When another process (an
    analyst's notebook, a stuck run) still holds the file after `CSDL_REVIEW_LOCK_WAIT_S` seconds, the review
    runs on a private copy of it instead, with a `warehouse_locked` problem that says so: the alerts and the
    report still go out, but what the review records is not kept (it is sent again next time)."""
    from warehouse.database import connect  # noqa: PLC0415  (quality/ stays importable on its own)
    from warehouse.permissions import secure_data_folder  # noqa: PLC0415

    secure_data_folder(path.parent)  # a fresh data folder is reviewed too (an empty warehouse)
    env = os.environ if env is None else env
    wait_s = float(env.get("CSDL_REVIEW_LOCK_WAIT_S") or LOCK_WAIT_S)
    deadline = time.monotonic() + wait_s
    with ExitStack() as stack:
        con, held = None, None
        while con is None:
            try:
                con = stack.enter_context(connect(path))
            except duckdb.IOException as error:  # only the opening is retried, never the review itself
                if "lock" not in str(error).lower():
                    raise
                if time.monotonic() >= deadline:
                    held = error
                    break
                time.sleep(min(1.0, wait_s / 10))
        if con is not None:
            yield con, []
            return
        copy_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="csdl-review-")))
        copy = copy_dir / path.name
        for suffix in ("", ".wal"):  # a reader leaves the file whole; a writer's last changes may be in the WAL
            if Path(f"{path}{suffix}").exists():
                shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
        con = stack.enter_context(connect(copy))
        locked = alerts.Problem(
            key="warehouse_locked",
            kind="warehouse_locked",
            severity="ERROR",
            subject="the quality review could not write the warehouse",
            message=(
                f"{path} was locked by another process for {wait_s:.0f} s ({held}). Refreshes fail while it "
                "is held. This review ran on a copy: the alerts below are current, but they are not recorded "
                "and will be sent again. Close the other connection (analysts use published/csdl.duckdb), "
                "or stop that process."
            ),
            details={"path": str(path), "error": str(held), "waited_s": wait_s},
        )
        yield con, [locked]


def review(
    con,
    instance,
    report_path: Path,
    job_names: list[str],
    now: datetime | None = None,
    channels: list | None = None,
    problems_found: list | None = None,
    rules=None,
    ui=None,
) -> dict:
    """Needs a writing connection to the warehouse (run it in the `duckdb` pool) and the Dagster instance;
    `problems_found` are problems met before the review (`warehouse_for_review`). `channels` and `rules`
    (quality.settings: AlertChannels().channels(), ReportingRules) default to the environment's; `ui` is the
    Dagster UI that alerts and the report link to (assets/resources.py's DagsterUI)."""
    from assets.resources import DagsterUI  # noqa: PLC0415  (the one place the UI's address is set)
    from quality.settings import AlertChannels, ReportingRules  # noqa: PLC0415  (imports Dagster)

    ui = ui or DagsterUI()
    rules = rules or ReportingRules.from_environment()
    now = now or datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # deadlines are Vietnamese calendar days
    sources = freshness(last_loads(instance), now)
    completeness = reporting_completeness(con, today, rules)
    files = receipts.received_files(con)
    receipts.write(con, report_path.parent.parent / "receipts")  # <data>/receipts beside <data>/reports
    failures = root_cause.one_alert_per_run(
        [*alerts.check_problems(con), *alerts.run_problems(instance, job_names)], instance, ui
    )
    problems = [
        *(problems_found or []),
        *failures,
        *alerts.freshness_problems(sources),
        *receipts.problems(files),
        *alerts.deadline_problems(completeness, today, rules),
    ]
    outcome = alerts.sync(
        con, problems, AlertChannels.from_environment().channels() if channels is None else channels, now
    )
    outcome["report"] = str(report.write(report_path, report.render(con, sources, completeness, now, files, ui)))
    outcome["problems"] = sorted(p.key for p in problems)
    return outcome
