"""Runs started from the command line (`csdl demo`, `refresh`, `review`, `quarantine replay`, the tests).

Each is a run of the code location's own job, as if launched from the UI: created from the job of the
`csdl` code location (so it is listed under that job's runs, its tags shown, and the run-status sensors
`review_after_refresh` and `review_after_failure` see it in the daemon), then executed in this process
against the instance DAGSTER_HOME names. `JobDefinition.execute_in_process` would record a run without
a code location: listed under no job, and skipped by every run-status sensor.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import dagster as dg
from dagster._core.execution.api import execute_run
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.remote_representation.code_location import InProcessCodeLocation
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._utils.hosted_user_process import recon_job_from_origin

from pipelines.run_monitoring import fail_dead_runs, run_tags

DEFINITIONS_MODULE = "pipelines.definitions"
TRIGGER_TAG = "csdl/trigger"
_PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def code_location_name() -> str:
    """The code location's name as `pyproject.toml` gives it to `dg` (and so to `dg dev`)."""
    return tomllib.loads(_PYPROJECT.read_text(encoding="utf-8"))["tool"]["dg"]["project"]["code_location_name"]


def default_instance() -> dg.DagsterInstance:
    """DAGSTER_HOME's instance, else the data folder's (pipelines/instance.py); refused when there is none."""
    from pipelines.instance import dagster_instance, data_folder

    return dagster_instance(data_folder(), create=False)


def _code_location(instance: dg.DagsterInstance) -> InProcessCodeLocation:
    origin = InProcessCodeLocationOrigin(
        loadable_target_origin=LoadableTargetOrigin(
            executable_path=sys.executable, module_name=DEFINITIONS_MODULE, working_directory=str(_PYPROJECT.parent)
        ),
        location_name=code_location_name(),
    )
    return InProcessCodeLocation(origin, instance)


def _create_run(instance: dg.DagsterInstance, name: str, run_config: dict, trigger: str) -> dg.DagsterRun:
    """A run of job `name` as the code location knows it (its origin, snapshot and tags), not yet started."""
    with _code_location(instance) as location:
        repository = next(iter(location.get_repositories().values()))
        remote_job = repository.get_full_job(name)
        plan = location.get_execution_plan(
            remote_job, run_config, step_keys_to_execute=None, known_state=None, instance=instance
        )
        return instance.create_run(
            job_name=name,
            run_id=None,
            run_config=run_config,
            resolved_op_selection=None,
            step_keys_to_execute=None,
            op_selection=None,
            status=None,
            root_run_id=None,
            parent_run_id=None,
            tags={**remote_job.tags, TRIGGER_TAG: trigger, **run_tags()},
            job_snapshot=remote_job.job_snapshot,
            execution_plan_snapshot=plan.execution_plan_snapshot,
            parent_job_snapshot=remote_job.parent_job_snapshot,
            remote_job_origin=remote_job.get_remote_origin(),
            job_code_origin=remote_job.get_python_origin(),
            asset_selection=None,
            asset_check_selection=None,
            asset_graph=repository.asset_graph,
        )


def run_job(
    name: str, log_level: str = "INFO", instance: dg.DagsterInstance | None = None, trigger: str = "cli", log=print
):
    """Runs job `name` of the code location in this process and returns its result (raises nothing the run
    raises: `result.success` says). The run carries `csdl/trigger=<trigger>` and the tags naming this process."""
    instance = instance or default_instance()
    # a run killed earlier (kill -9) still holds the `duckdb` pool slot: this run would wait for it for ever
    for dead in fail_dead_runs(instance):
        log(
            f"run {dead.run_id} of {dead.job_name} was left STARTED by process {dead.pid}, which is gone: "
            "marked failed and its pool slot freed"
        )
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    run = _create_run(instance, name, run_config, trigger)
    return execute_run(recon_job_from_origin(run.job_code_origin), run, instance, raise_on_error=False)


def run_national_refresh(log_level: str = "INFO", instance: dg.DagsterInstance | None = None):
    return run_job("national_refresh", log_level, instance)
