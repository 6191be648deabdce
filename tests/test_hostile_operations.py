"""Hostile and broken input on the operations side: runs killed mid-way, cursors pushed into the future,
report files still being copied or built to exhaust the reader, hostile file names, SMTP logins in
cleartext, a bad coded value in one record."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import REPO, env_for


def _national_refresh(env: dict) -> subprocess.Popen:
    code = "from pipelines.cli import run_national_refresh; raise SystemExit(0 if run_national_refresh('WARNING').success else 1)"
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.timeout(240)  # a whole small national_refresh in a subprocess: 40-80 s on 2 shared cores
def test_a_refresh_after_kill_9_of_the_previous_one_completes_on_its_own(simulator, data_dir, tmp_path):
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {**os.environ, **env_for(simulator, data_dir), "DAGSTER_HOME": str(dagster_home)}
    simulator.drop_reports(data_dir / "intake")
    instance = dg.DagsterInstance.from_config(str(dagster_home))

    killed = _national_refresh(env)
    deadline = time.monotonic() + 60
    while not instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots:
        assert killed.poll() is None and time.monotonic() < deadline, "the first refresh never took the duckdb slot"
        time.sleep(0.2)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    [left] = instance.get_runs()
    assert left.status == dg.DagsterRunStatus.STARTED  # what kill -9 leaves: no end, the slot still claimed

    fresh = _national_refresh(env)
    try:
        _, stderr = fresh.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        fresh.kill()
        pytest.fail("the refresh after kill -9 waited for the dead run's duckdb slot")
    assert fresh.returncode == 0, stderr.decode()[-3000:]
    runs = {run.run_id: run for run in instance.get_runs()}
    assert runs[left.run_id].status == dg.DagsterRunStatus.FAILURE
    assert sum(run.status == dg.DagsterRunStatus.SUCCESS for run in runs.values()) == 1
    assert not instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots


@pytest.mark.timeout(60)
def test_a_run_left_started_by_a_dead_process_is_an_alert_and_the_sensor_frees_its_slot(tmp_path):
    from pipelines.run_monitoring import PID_TAG
    from pipelines.sensors import dead_run_sensor
    from quality.alerts import run_problems

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that is no longer running
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        run = instance.create_run_for_job(dg.GraphDefinition(name="national_refresh", node_defs=[]).to_job(),
                                          tags={PID_TAG: str(gone.pid)})
        # what a run worker writes when it starts, then nothing more: it was killed
        instance.report_dagster_event(dg.DagsterEvent(event_type_value=dg.DagsterEventType.RUN_START.value,
                                                      job_name=run.job_name), run_id=run.run_id)
        instance.event_log_storage.set_concurrency_slots("duckdb", 1)
        assert instance.event_log_storage.claim_concurrency_slot("duckdb", run.run_id, "warehouse").is_claimed
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED

        [problem] = [p for p in run_problems(instance, ["national_refresh"]) if p.kind == "run_left_started"]
        assert run.run_id in problem.message and "process is gone" in problem.message

        list(dead_run_sensor(dg.build_sensor_context(instance=instance)) or [])
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        assert not instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots
        assert [p.kind for p in run_problems(instance, ["national_refresh"])] == ["run_failed"]
