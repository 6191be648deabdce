"""Runs whose process is gone: reported failed, their `duckdb` pool slot freed.

A run killed with `kill -9` (or by the out-of-memory killer, or a power cut) never writes its end, so
Dagster keeps it STARTED and its step keeps the one slot of the `duckdb` pool: every later run, and the
quality review, would wait for that slot for ever. The default run launcher cannot tell whether a
run's worker is alive (Dagster's run monitoring then only enforces `max_runtime_seconds`), so each run
started by `csdl` first looks at the runs left STARTED: a run whose process (the pid of its RUN_START
event, on this machine) is no longer running is reported failed, which the failure sensor and the
quality review then announce, and its slots and queued steps are freed. The `dead_run_sensor` does the
same every minute for runs the daemon launched.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

HOST_TAG, PID_TAG = "csdl/host", "csdl/pid"
# Runs that may still hold or wait for a pool slot.
_LIVE_STATUSES = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


@dataclass(frozen=True)
class DeadRun:
    run_id: str
    job_name: str
    pid: int
    started_at: float | None


def run_tags() -> dict[str, str]:
    """Tags naming the process that executes a run started here (read back by `dead_runs`)."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def _process_started_at(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), from /proc on Linux; None where that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (command) ": state is field 3, starttime 22
    if fields[0] in ("Z", "X"):  # a zombie: killed, not yet reaped by its parent
        return -1.0
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def process_is_running(pid: int, run_started_at: float | None) -> bool:
    """Whether `pid` is alive and is still the process that started the run (not a later one reusing the pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    started = _process_started_at(pid)
    if started is None or run_started_at is None:
        return True  # cannot tell more without /proc: alive is alive
    if started < 0:
        return False
    # the run's process began before its run did; one that began later reuses the pid (30 s: clock rounding)
    return started <= run_started_at + 30.0


def _run_pid(instance: dg.DagsterInstance, run: dg.DagsterRun) -> int | None:
    if run.tags.get(PID_TAG, "").isdigit():
        return int(run.tags[PID_TAG])
    started = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.RUN_START, limit=1).records
    event = started[0].event_log_entry.dagster_event if started else None
    return event.pid if event is not None else None


def dead_runs(instance: dg.DagsterInstance) -> list[DeadRun]:
    """Runs left STARTED (or CANCELING) on this machine whose process is gone."""
    here, found = socket.gethostname(), []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=_LIVE_STATUSES)):
        run = record.dagster_run
        if run.tags.get(HOST_TAG, here) != here:
            continue  # another machine's process: not ours to judge
        pid = _run_pid(instance, run)
        if pid is None:
            continue  # no start event yet: the daemon's start timeout covers a run that never starts
        if not process_is_running(pid, record.start_time):
            found.append(DeadRun(run.run_id, run.job_name, pid, record.start_time))
    return found


def fail_dead_runs(instance: dg.DagsterInstance, log=None) -> list[DeadRun]:
    """Reports every dead run failed and frees its pool slots and queued steps; returns them."""
    found = dead_runs(instance)
    for dead in found:
        run = instance.get_run_by_id(dead.run_id)
        if run is None or run.status not in _LIVE_STATUSES:
            continue
        when = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(dead.started_at)) if dead.started_at else "?"
        instance.report_run_failed(
            run,
            message=(
                f"The process of this run (pid {dead.pid}, started {when}) is gone: it was killed or crashed "
                "without finishing. Marked failed so that its `duckdb` pool slot is freed; whatever it loaded "
                "was not committed. Re-run the job."
            ),
        )
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(dead.run_id)
        if log is not None:
            log.warning(
                f"run {dead.run_id} of {dead.job_name} was left STARTED by process {dead.pid}, which is "
                "gone: marked failed, its pool slot freed"
            )
    return found
