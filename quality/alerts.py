"""Alerts: each open problem is one row of `quality.alerts`, announced once and closed when it is gone.

A review (`review` below, run by the `quality_review` job after every refresh run and on a schedule)
collects the problems that exist now:

- `check_failed:<table>:<check>`: the latest result of a quality check failed;
- `run_failed:<job>`: the latest finished run of a refresh job failed;
- `run_left_started:<run>`: a refresh run is still STARTED though its process is gone or it ran too long;
- `source_stale:<source>`: a source's last successful load is overdue (quality/freshness.py);
- `report_missing:<year>:<province>`: a province's report is missing after the deadline.

A problem with no open alert opens one and is sent to every configured channel; a problem already open
only updates `last_seen_at` (no repeats); an open alert whose problem is gone is closed and the closing
is sent too. Sending is retried at the next review for any channel that failed.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from quality.channels import Notice
from quality.freshness import Freshness, days_overdue
from warehouse.personal_data import mask


@dataclass(frozen=True)
class Problem:
    key: str
    kind: str
    severity: str  # ERROR or WARN
    subject: str
    message: str
    details: dict = field(default_factory=dict, compare=False)


def failure_lines(details: dict) -> list[str]:
    """One line per failed expectation of a check's details: how many rows, and a few of them."""
    # samples quote the failing values: a phone number or e-mail in a name must not travel to Slack or mail
    return [
        f"{name}: {v.get('unexpected')} rows, e.g. {', '.join(mask(str(x)) for x in v.get('sample', [])[:3])}"
        if isinstance(v, dict)
        else f"{name}: {v}"
        for name, v in details.items()
    ]


def check_problems(con) -> list[Problem]:
    """The latest result of each check, where it failed."""
    rows = con.execute("""
        SELECT asset_key, check_name, severity, failed_expectations, details::VARCHAR, run_id, checked_at
        FROM quality.check_results
        QUALIFY row_number() OVER (PARTITION BY asset_key, check_name ORDER BY checked_at DESC) = 1
            AND NOT passed
        ORDER BY asset_key, check_name""").fetchall()
    problems = []
    for table, check, severity, failed, details, run_id, checked_at in rows:
        details = json.loads(details or "{}")
        if check == "rows_reconcile":
            what = (
                f"{details.get('received')} rows received, {details.get('kept')} kept and "
                f"{details.get('quarantined')} quarantined: some rows are unaccounted for."
            )
        else:
            what = "; ".join(failure_lines(details)) or f"{failed} expectations failed."
        # what the run then published, and the links, are said once per run (quality/root_cause.py)
        problems.append(
            Problem(
                key=f"check_failed:{table}:{check}",
                kind="check_failed",
                severity=severity or "ERROR",
                subject=f"{table}: check {check} failed",
                message=what,
                details={"table": table, "check": check, "run_id": run_id, "checked_at": str(checked_at), **details},
            )
        )
    return problems


def run_problems(instance, job_names: list[str]) -> list[Problem]:
    """Jobs whose latest finished run failed, with the innermost error of each failed step."""
    import dagster as dg  # noqa: PLC0415  (quality/ stays importable without loading Dagster)

    from quality.root_cause import innermost, plain_cause  # noqa: PLC0415

    problems = []
    finished = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]
    for job in job_names:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=job, statuses=finished), limit=1)
        if not runs or runs[0].status != dg.DagsterRunStatus.FAILURE:
            continue
        run = runs[0]
        errors, blocked = [], []  # steps that failed on their own; steps stopped by a blocking check
        for record in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records:
            event = record.event_log_entry.dagster_event
            error = innermost(event.step_failure_data.error) if event and event.step_failure_data else None
            line = f"step {event.step_key}: {plain_cause(error.message, event.step_key) if error else 'failed'}"
            (blocked if error and error.cls_name == "DagsterAssetCheckFailedError" else errors).append(line)
        problems.append(
            Problem(
                key=f"run_failed:{job}",
                kind="run_failed",
                severity="ERROR",
                subject=f"run of {job} failed",
                message=f"Run {run.run_id} failed.",
                details={"job": job, "run_id": run.run_id, "errors": errors[:5], "blocked_by_checks": blocked[:5]},
            )
        )
    return problems + started_run_problems(instance, job_names)


DEFAULT_RUN_MAX_HOURS = 6.0  # a national refresh takes minutes; hours STARTED means it hangs or its process died


def started_run_problems(instance, job_names: list[str], now: datetime | None = None, env=None) -> list[Problem]:
    """Runs left STARTED: their process is gone (killed, crashed), or they have run longer than
    `CSDL_RUN_MAX_HOURS`. Either holds the `duckdb` pool slot that every later run waits for."""
    import time

    import dagster as dg  # noqa: PLC0415

    from pipelines.run_monitoring import dead_runs  # noqa: PLC0415

    env = os.environ if env is None else env
    max_hours = float(env.get("CSDL_RUN_MAX_HOURS") or DEFAULT_RUN_MAX_HOURS)
    now_ts = now.timestamp() if now else time.time()
    gone = {d.run_id for d in dead_runs(instance)}
    problems = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        run = record.dagster_run
        if run.job_name not in job_names or record.start_time is None:
            continue
        hours = (now_ts - record.start_time) / 3600
        if run.run_id not in gone and hours < max_hours:
            continue
        why = (
            "its process is gone (killed or crashed) but it was never marked failed"
            if run.run_id in gone
            else f"it has been running for {hours:.1f} h (more than CSDL_RUN_MAX_HOURS={max_hours:g})"
        )
        problems.append(
            Problem(
                key=f"run_left_started:{run.run_id}",
                kind="run_left_started",
                severity="ERROR",
                subject=f"run of {run.job_name} left STARTED",
                message=(
                    f"Run {run.run_id} of {run.job_name} is still STARTED: {why}. It holds the duckdb pool slot, "
                    "so later runs wait. If its process is gone, the next `csdl` run or the dead_run_sensor marks "
                    "it failed; if it hangs, terminate it in the Dagster UI (Runs -> the run -> Terminate)."
                ),
                details={
                    "job": run.job_name,
                    "run_id": run.run_id,
                    "hours": round(hours, 2),
                    "process_gone": run.run_id in gone,
                },
            )
        )
    return problems


def freshness_problems(sources: list[Freshness]) -> list[Problem]:
    problems = []
    for f in sources:
        if not f.stale:
            continue
        since = (
            "has never been loaded"
            if f.last_load is None
            else f"was last loaded {f.age_hours:.0f} h ago ({f.last_load:%Y-%m-%d %H:%M %Z})"
        )
        problems.append(
            Problem(
                key=f"source_stale:{f.source}",
                kind="source_stale",
                severity="WARN",
                subject=f"source {f.source} is stale",
                message=f"{f.source} {since}; it is expected every {f.cadence_hours:.0f} h. "
                f"Check the last runs that load {f.source} (national_refresh"
                f"{'' if f.source == 'reference' else f', {f.source}_refresh'}) and their schedules.",
                details={"source": f.source, "last_load": str(f.last_load), "cadence_hours": f.cadence_hours},
            )
        )
    return problems


def deadline_problems(completeness: list[dict], today: date, rules) -> list[Problem]:
    """One alert per province with forms missing after the deadline (`rules`: quality.settings.ReportingRules),
    for the last `rules.years_alerted` due years (older gaps stay visible in the quality report without
    paging anyone again)."""
    last, years_alerted = rules.last_due_year(today), rules.years_alerted
    missing: dict[tuple[int, str], list[dict]] = {}
    for row in completeness:
        if row["status"] == "missing" and row["year"] > last - years_alerted:
            missing.setdefault((row["year"], row["province_code"]), []).append(row)
    problems = []
    for (year, code), rows in sorted(missing.items()):
        forms = [r["form_code"] for r in rows]
        due = rows[0]["deadline"]
        problems.append(
            Problem(
                key=f"report_missing:{year}:{code}",
                kind="report_missing",
                severity="WARN",
                subject=f"{rows[0]['province_name']} ({code}): {year} report missing",
                message=(
                    f"{rows[0]['province_name']} (code {code}) has not sent form(s) {', '.join(forms)} for {year}; "
                    f"the deadline was {due:%d/%m/%Y} ({days_overdue(due, today)} days ago). "
                    "Contact the provincial Department of S&T."
                ),
                details={"province_code": code, "year": year, "forms": forms, "deadline": str(due)},
            )
        )
    return problems


def sync(con, problems: list[Problem], channels: list, now: datetime) -> dict:
    """Opens, keeps and closes alerts so that `quality.alerts` mirrors `problems`; sends what changed."""
    current = {p.key: p for p in problems}
    open_alerts = {
        key: alert_id
        for alert_id, key in con.execute(
            "SELECT alert_id, problem_key FROM quality.alerts WHERE closed_at IS NULL"
        ).fetchall()
    }
    opened, closed = [], []
    for key, problem in current.items():
        if key in open_alerts:
            con.execute("UPDATE quality.alerts SET last_seen_at = ? WHERE alert_id = ?", [now, open_alerts[key]])
            continue
        alert_id = uuid.uuid4().hex[:12]
        con.execute(
            "INSERT INTO quality.alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, [], [])",
            [
                alert_id,
                key,
                problem.kind,
                problem.severity,
                problem.subject,
                problem.message,
                json.dumps(problem.details, ensure_ascii=False, default=str),
                now,
                now,
            ],
        )
        opened.append(alert_id)
    for key, alert_id in open_alerts.items():
        if key not in current:
            con.execute("UPDATE quality.alerts SET closed_at = ? WHERE alert_id = ?", [now, alert_id])
            closed.append(alert_id)
    sent, failures = _deliver(con, channels)
    return {"opened": len(opened), "closed": len(closed), "open": len(current), "sent": sent, "failures": failures}


def _deliver(con, channels: list) -> tuple[int, list[str]]:
    """Sends every opening and closing some channel has not had yet."""
    sent, failures = 0, []
    pending = con.execute("""
        SELECT alert_id, problem_key, kind, severity, subject, message, closed_at IS NOT NULL,
               opened_sent_to, closed_sent_to
        FROM quality.alerts ORDER BY opened_at, alert_id""").fetchall()
    for alert_id, key, kind, severity, subject, message, is_closed, opened_to, closed_to in pending:
        events = [("opened", "opened_sent_to", opened_to)]
        if is_closed:
            events.append(("closed", "closed_sent_to", closed_to))
        for event, column, done in events:
            if is_closed and event == "opened" and not done:
                continue  # opened and closed before anyone heard of it: nothing to announce
            for channel in channels:
                if channel.name in (done or []):
                    continue
                try:
                    channel.send(Notice(event, alert_id, key, kind, severity, subject, message))
                except Exception as error:  # noqa: BLE001  (one channel down must not stop the others)
                    # the failure goes to the console and the run log: no channel secret in it
                    failures.append(
                        f"{channel.name}: {alert_id} {event}: {getattr(channel, 'redact', str)(str(error))}"
                    )
                    continue
                con.execute(
                    f"UPDATE quality.alerts SET {column} = list_append({column}, ?) WHERE alert_id = ?",
                    [channel.name, alert_id],
                )
                sent += 1
    return sent, failures
