"""Runs started by `csdl` are runs of the code location's jobs: listed under the job, tagged, seen by sensors."""

import dagster as dg
from dagster._core.definitions.run_status_sensor_definition import RunStatusSensorCursor

from pipelines.runs import TRIGGER_TAG, _code_location, code_location_name


def _instance(data) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(data.parent / "dagster_home"))  # where refresh_into ran it


def test_a_cli_run_is_listed_under_its_job_with_its_tag(refreshed):
    data, result = refreshed
    instance = _instance(data)
    # what the UI's Jobs -> national_refresh -> Runs asks for: the job's name in this code location
    listed = instance.get_runs(
        filters=dg.RunsFilter(
            job_name="national_refresh",
            tags={TRIGGER_TAG: "cli", ".dagster/repository": f"__repository__@{code_location_name()}"},
        )
    )
    assert result.run_id in [run.run_id for run in listed]
    run = instance.get_run_by_id(result.run_id)
    assert run.remote_job_origin.repository_origin.code_location_origin.location_name == "csdl"


def test_the_run_status_sensors_see_a_cli_run(refreshed):
    """The daemon evaluates `review_after_refresh` in the code location: it requests a review for the CLI run."""
    data, result = refreshed
    instance = _instance(data)
    from_the_start = RunStatusSensorCursor(record_id=0, update_timestamp=None, record_timestamp=None).to_json()
    with _code_location(instance) as location:
        repository = next(iter(location.get_repositories().values()))
        tick = location.get_sensor_execution_data(
            instance, repository.handle, "review_after_refresh", None, None, from_the_start, None, None
        )
    assert f"after:{result.run_id}" in [request.run_key for request in tick.run_requests]
