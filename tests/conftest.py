"""Shared fixtures: one small demo dataset per session, a fresh simulator and data folder per test."""

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from demo.generator import generate
from demo.simulator import SourceSimulator

# Property tests (tests/test_*_properties.py): a modest number of examples, the same ones on every run and
# machine (derandomize, no example database), no per-example deadline on 2 shared cores.
# HYPOTHESIS_PROFILE=explore looks further, with random examples, when changing a parser.
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, database=None)
settings.register_profile("explore", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the checkout holds the official reference lists and benchmarks (CSDL_SHARED_DIR overrides)
SHARED = Path(os.environ.get("CSDL_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, scale="small", seed=2025)
    return out


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("CSDL_DATA_DIR", str(path))
    return path


@pytest.fixture
def simulator(demo_dir, monkeypatch):
    """A simulator of its own (tests change what it serves), with the sources pointed at it."""
    with SourceSimulator(demo_dir) as sim:
        for key, value in sim.environment().items():
            monkeypatch.setenv(key, value)
        yield sim


def env_for(sim: SourceSimulator, data_dir: Path) -> dict[str, str]:
    return {**sim.environment(), "CSDL_DATA_DIR": str(data_dir)}


def refresh_into(demo_dir: Path, root: Path, fill_intake=None, **simulator_options):
    """One national_refresh over the whole graph into `root/data`, against a simulator of its own
    (`simulator_options`, e.g. faults=0.2), on a Dagster instance configured by the project's dagster.yaml;
    `fill_intake(folder)` drops the report files (default: the demo's). Returns (data folder, run result,
    the simulator after the run)."""
    data, dagster_home = root / "data", root / "dagster_home"
    dagster_home.mkdir()
    shutil.copyfile(REPO / "instance" / "dagster.yaml", dagster_home / "dagster.yaml")
    with SourceSimulator(demo_dir, **simulator_options) as sim, pytest.MonkeyPatch.context() as mp:
        for key, value in env_for(sim, data).items():
            mp.setenv(key, value)
        mp.setenv("DAGSTER_HOME", str(dagster_home))
        (fill_intake or sim.drop_reports)(data / "intake")
        from pipelines.runs import run_national_refresh

        result = run_national_refresh(log_level="WARNING")
    assert result.success, "national_refresh failed; see the Dagster log above"
    return data, result, sim


@pytest.fixture(scope="session")
def refreshed(demo_dir, tmp_path_factory):
    """One fault-free national_refresh into a temporary data folder, shared by the tests that only read."""
    data, result, _ = refresh_into(demo_dir, tmp_path_factory.mktemp("refresh"))
    return data, result


@pytest.fixture(scope="session")
def published(refreshed):
    """The published snapshot, opened read-only as an analyst would."""
    import duckdb

    con = duckdb.connect(str(refreshed[0] / "published" / "csdl.duckdb"), read_only=True)
    yield con
    con.close()


def ground_truth(demo_dir: Path, name: str) -> list[dict]:
    import csv

    with open(demo_dir / "ground_truth" / f"{name}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))
