"""The publication matcher on the labelled benchmark pairs in ../shared/benchmarks (validation files:
the threshold was chosen on them, the test splits are held back for review). One model for every
catalogue, clean or scraped, with values in their attribute or moved out of it."""

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.conftest import SHARED

BENCHMARKS = SHARED / "benchmarks"

# Lowest F1 each validation file must keep (measured: see the README's matching section).
MINIMUM_F1 = {"dblp-acm": 0.983, "dblp-acm-dirty": 0.978, "dblp-scholar": 0.943, "dblp-scholar-dirty": 0.932}


@pytest.mark.parametrize("catalogue", sorted(MINIMUM_F1))
def test_match_eval_on_each_validation_file(catalogue):
    path = BENCHMARKS / catalogue / "valid.txt"
    if not path.is_file():
        pytest.skip(f"no benchmark file at {path}")
    result = CliRunner().invoke(app, ["match-eval", "--pairs", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    f1 = float(lines[-1].split("f1=")[1])
    assert f1 >= MINIMUM_F1[catalogue], result.output
    completeness = float(
        next(line for line in lines if "pair_completeness=" in line).split("pair_completeness=")[1].split()[0]
    )
    assert completeness >= 0.95, result.output
