"""Test runs for bench/mutation.py, a second each instead of five: a server that imported the heavy
libraries once (pytest, hypothesis, DuckDB, Arrow, dlt, Dagster ...) forks a child per mutant, and the
child imports the project's own modules afresh from the files as cosmic-ray just mutated them.

    python bench/mutation_runner.py serve SOCKET PROJECT     (bench/mutation.py starts it)
    python bench/mutation_runner.py run SOCKET TIMEOUT -- PYTEST_ARGS...   (cosmic-ray's test-command)

`run` exits with pytest's code: 0 means the mutant survived. A child still running after TIMEOUT seconds
is killed and counts as killed (a mutant that loops).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

# Third-party only: a project module imported here would be the unmutated one in every child.
PRELOAD = (
    "pytest",
    "hypothesis",
    "duckdb",
    "pyarrow",
    "pandas",
    "dlt",
    "dagster",
    "sqlglot",
    "rapidfuzz",
    "lxml",
    "openpyxl",
    "python_calamine",
    "requests",
    "typer",
    "rich",
)
TIMED_OUT = 124
_running: list[int] = []  # the child's process group, for a server told to stop mid-run


def _child(project: Path, args: list[str], log: Path) -> None:
    """In the forked child: pytest over `args` in the project copy; never returns."""
    os.setsid()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.chdir(project)
    sys.path.insert(0, str(project))
    sys.dont_write_bytecode = True  # a mutant written within the same second must not meet a stale .pyc
    import pytest  # already imported by the server: a lookup

    try:
        code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *args])
    except BaseException:  # noqa: BLE001  (whatever a mutant raises kills it)
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code))


def _run_one(project: Path, args: list[str], timeout: float) -> int:
    pid = os.fork()
    if pid == 0:
        _child(project, args, project / ".mutation-last-run.log")
    _running[:] = [pid]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.killpg(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return TIMED_OUT


def _stop(signum, frame) -> None:
    for pid in _running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    sys.exit(0)


def serve(socket_path: str, project: str) -> None:
    signal.signal(signal.SIGTERM, _stop)
    for name in PRELOAD:
        importlib.import_module(name)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(1)
    print("ready", flush=True)
    while True:
        connection, _ = server.accept()
        with connection:
            request = json.loads(connection.makefile("r", encoding="utf-8").readline())
            code = _run_one(Path(project), request["args"], request["timeout"])
            connection.sendall(f"{code}\n".encode())


def run(socket_path: str, timeout: float, args: list[str]) -> int:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(socket_path)
        client.sendall((json.dumps({"args": args, "timeout": timeout}) + "\n").encode())
        return int(client.makefile("r", encoding="utf-8").readline())


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        sys.exit(run(sys.argv[2], float(sys.argv[3]), sys.argv[sys.argv.index("--") + 1 :]))
