"""Prints how long the quality suites and one quality review take on an existing warehouse.

    CSDL_DATA_DIR=data DAGSTER_HOME=data/dagster_home .venv/bin/python bench/quality_review.py

Run it after `csdl refresh` (or `make demo`); it validates every suite read-only, then runs one review
(alerts are only sent if channels are configured in the environment). `--times N` validates each table
repeated N times over, to see how the suites scale without building a national warehouse.
"""

import argparse
import os
import time
from pathlib import Path

import duckdb

from quality.great_expectations import validate
from quality.suites import suites


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--times", type=int, default=1, help="repeat each table's rows this many times")
    times = parser.parse_args().times
    data = Path(os.environ.get("CSDL_DATA_DIR", "data")).resolve()
    total_rows, started = 0, time.perf_counter()
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        validate("warm_up", con.sql("SELECT 1 AS x").df(), [("ExpectColumnValuesToNotBeNull", {"column": "x"})])
        print(f"{'table':40} {'rows':>9} {'expectations':>12} {'seconds':>8}")
        for table, expectations in suites().items():
            t = time.perf_counter()
            frame = con.sql(f"SELECT t.* FROM {table} t, range({times})").df()
            validate(table.replace(".", "__"), frame, [(name, kwargs) for name, kwargs, _ in expectations])
            total_rows += len(frame)
            print(f"{table:40} {len(frame):>9,} {len(expectations):>12} {time.perf_counter() - t:>8.2f}")
    print(f"all suites: {total_rows:,} rows in {time.perf_counter() - started:.1f} s")

    from pipelines.runs import run_job

    t = time.perf_counter()
    result = run_job("quality_review", "ERROR")
    with result:
        outcome = result.output_for_node("review_quality")
    print(
        f"quality_review run: {time.perf_counter() - t:.1f} s; {outcome['open']} open problems; "
        f"report {Path(outcome['report']).stat().st_size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
