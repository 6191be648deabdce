"""One root cause, one alert, saying the cause and linking to the run.

A bad row fails the checks of every table it passes through (its staging table warns, core blocks) and
so stops the run: three symptoms of one cause. The checks that failed in one run and that run's own
failure are therefore one alert: its cause is the upstream-most failing check (or the innermost error
of a step that failed on its own, e.g. "connection refused at 127.0.0.1:8765 (ministries API)"), its
effect what the run really published, and it links to the run and the check in the Dagster UI.
"""

from __future__ import annotations

import re
from dataclasses import replace

from quality.alerts import Problem

LAYERS = ("raw", "staging", "matching", "core", "marts", "published")  # the build order: upstream first
SENDERS = {
    "ingest_ministries": "ministries API",
    "ingest_academies": "academies' OAI-PMH repositories",
    "ingest_provinces": "provincial report files",
    "ingest_reference": "reference lists",
}

_ADDRESS = r"host='(?P<host>[^']+)', port=(?P<port>\d+)\)"
_NETWORK = [  # how urllib3 and requests say it, and how an operator would
    (
        re.compile(_ADDRESS + r": Failed to establish a new connection: \[Errno 111\] Connection refused"),
        "connection refused at {host}:{port}",
    ),
    (
        re.compile(_ADDRESS + r"[^\"]*?(?:Failed to resolve|Name or service not known|name resolution)"),
        "host name {host} not found",
    ),
    (re.compile(_ADDRESS + r".*Read timed out"), "no answer in time from {host}:{port}"),
    (re.compile(r"HTTP (?P<status>\d{3} [^;]*?) from (?P<url>\S+)"), "HTTP {status} from {url}"),
]
_SENDER = re.compile(r"(?:^|; )([A-Z][A-Z0-9_-]{1,15}): [A-Za-z.]*(?:Error|Exception|Refused|Failed)")


def innermost(error):
    """The exception at the bottom of a Dagster error (its cause, else the exception it was raised in)."""
    while error is not None and (error.cause or error.context):
        error = error.cause or error.context
    return error


def plain_cause(message: str, step_key: str = "") -> str:
    """An error message said as an operator would: what failed, where, for which source and senders."""
    what = None
    for pattern, phrase in _NETWORK:
        found = pattern.search(message)
        if found:
            what = phrase.format(**{k: v for k, v in found.groupdict().items() if v})
            break
    if what is None:
        first = message.strip().splitlines()[0] if message.strip() else "failed"
        what = first if len(first) <= 300 else first[:297] + "..."
    source = SENDERS.get(step_key, step_key)
    senders = list(dict.fromkeys(_SENDER.findall(message)))
    if source and senders:
        shown = ", ".join(senders[:5]) + (f" and {len(senders) - 5} more" if len(senders) > 5 else "")
        return f"{what} ({source}: {shown})"
    return f"{what} ({source})" if source else what


def _layer(table: str) -> int:
    schema = table.split(".")[0]
    return LAYERS.index(schema) if schema in LAYERS else len(LAYERS)


def _published(instance, run_id: str) -> bool | None:
    """Whether run `run_id` published the snapshot; None when this instance does not know the run."""
    import dagster as dg  # noqa: PLC0415  (quality/ stays importable without loading Dagster)

    if instance is None or instance.get_run_by_id(run_id) is None:
        return None
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    return any(r.event_log_entry.dagster_event.asset_key.path[0] == "published" for r in records)


def _effect(run_id: str, published: bool | None, severity: str) -> str:
    if published:
        return f"Run {run_id} still published: a warning blocks nothing."
    if published is False:
        return f"Run {run_id} published nothing: analysts keep the last good snapshot."
    return (
        "Publishing is stopped; analysts keep the last good snapshot."
        if severity == "ERROR"
        else "A warning: it blocks nothing."
    )


def _check_line(p: Problem) -> str:
    kind = "blocking" if p.severity == "ERROR" else "warning"
    return f"{p.details['table']} check {p.details['check']} ({kind}): {p.message}"


def _merge(group: list[Problem], instance, ui) -> Problem:
    checks = sorted(
        (p for p in group if p.kind == "check_failed"),
        key=lambda p: (_layer(p.details["table"]), p.severity != "ERROR", p.details["table"]),
    )
    run = next((p for p in group if p.kind == "run_failed"), None)
    run_id = (run or checks[0]).details["run_id"]
    severity = "ERROR" if any(p.severity == "ERROR" for p in group) else "WARN"
    lines = []
    if checks:
        lines.append(f"Cause: {_check_line(checks[0])}")
        lines += [f"In the same run: {_check_line(p)}" for p in checks[1:]]
    if run:  # a step stopped by a failed check says no more than the check (unless the check is not known)
        errors = run.details["errors"] + ([] if checks else run.details.get("blocked_by_checks", []))
        lines += [f"Cause: {e}" if not checks else f"Step failed: {e}" for e in errors]
    lines.append(_effect(run_id, _published(instance, run_id), severity))
    lines.append(f"Run: {ui.run_url(run_id)}")
    if checks:
        lines.append(f"Check: {ui.check_url(checks[0].details['table'], checks[0].details['check'])}")
    lines.append("Fix the cause at its source and run the job again; the alert closes when the problem is gone.")
    more = f" and {len(checks) - 1} more check(s)" if len(checks) > 1 else ""
    if run:
        cause = (
            f"{checks[0].details['table']} check {checks[0].details['check']} failed{more}"
            if checks
            else (errors or ["see the run"])[0]
        )
        key, subject = run.key, f"run of {run.details['job']} failed: {cause}"
    else:
        key, subject = checks[0].key, f"{checks[0].subject}{more}"
    details = {
        **(run or checks[0]).details,
        "run_url": ui.run_url(run_id),
        "checks": [p.key for p in checks],
        "run_failed": run is not None,
    }
    return replace(
        run or checks[0],
        key=key,
        kind=(run or checks[0]).kind,
        severity=severity,
        subject=subject,
        message="\n".join(lines),
        details=details,
    )


def one_alert_per_run(problems: list[Problem], instance, ui) -> list[Problem]:
    """The failed checks and failed runs among `problems`, one per run that produced them (the rest as given)."""
    by_run: dict[str, list[Problem]] = {}
    others = []
    for p in problems:
        if p.kind in ("check_failed", "run_failed") and p.details.get("run_id"):
            by_run.setdefault(p.details["run_id"], []).append(p)
        else:
            others.append(p)
    return [*(_merge(group, instance, ui) for group in by_run.values()), *others]
