"""Incremental matching at national scale: a full build of each mapping table, then an incremental
one after 1% of the records changed, and a check that both give the same tables.

    .venv/bin/python bench/matching_incremental.py /tmp/national_demo [--share 0.01] [--repeat 3]

Loads the staging columns the matchers read from the demo files into a scratch DuckDB (the demo
folder is only read), builds every table in full, changes `share` of each staging table's records
(`demo_records.change_staging`: edited names and titles, duplicates under new ids, deletions), and
times the incremental builds; then times full builds of the changed data and compares the tables.
Each round starts from a fresh copy; prints best and median seconds per builder.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from warehouse.matching import demo_records as demo
from warehouse.matching.tables import MATCHERS, build_table


def _timed_builds(con, incremental: bool) -> dict[str, float]:
    seconds = {}
    for matcher in MATCHERS:
        started = time.perf_counter()
        build_table(con, matcher, incremental=incremental)
        seconds[matcher.name] = time.perf_counter() - started
    return seconds


def _tables(con) -> dict[str, list]:
    return {
        name: con.execute(f"SELECT * FROM staging.{name} ORDER BY ALL").fetchall()
        for name in (m.name for m in MATCHERS)
    }


def one_round(base: Path, work: Path, share: float, seed: int) -> tuple[dict, dict, dict, bool]:
    """Seconds per builder of (first full build, incremental build, full build of the changed data),
    and whether the incremental and full tables agree."""
    copy = work / f"round{seed}.duckdb"
    copy.write_bytes(base.read_bytes())
    with duckdb.connect(str(copy)) as con:
        first = _timed_builds(con, incremental=False)
        demo.change_staging(con, share, seed)
        con.execute("CHECKPOINT")  # writing the changed staging rows to disk is the staging models' cost
        incremental = _timed_builds(con, incremental=True)
        modes = con.execute(
            "SELECT matcher, full_build, changed_records, deleted_records, blocks_redone "
            "FROM matching.builds ORDER BY matcher"
        ).fetchall()
        after_incremental = _tables(con)
        full = _timed_builds(con, incremental=False)
        same = _tables(con) == after_incremental
    copy.unlink()
    print(
        f"  round {seed}: "
        + "; ".join(
            f"{m}: {'FULL' if f else 'incremental'}, {c:,} changed, {d:,} deleted, {b:,} blocks redone"
            for m, f, c, d, b in modes
        )
    )
    return first, incremental, full, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("demo_dir", type=Path)
    parser.add_argument("--share", type=float, default=0.01, help="share of each table's records changed")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"demo data: {args.demo_dir}; CPUs available: {len(os.sched_getaffinity(0))}; "
        f"{args.share:.1%} of the records changed"
    )
    with tempfile.TemporaryDirectory(prefix="matching_incremental_") as scratch:
        work = Path(scratch)
        base = work / "base.duckdb"
        with duckdb.connect(str(base)) as con:
            demo.load_staging(con, args.demo_dir)
            counts = {
                t: con.execute(f"SELECT count(*) FROM staging.{t}").fetchall()[0][0] for t in demo.STAGING_COLUMNS
            }
        print("records: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        rounds = [one_round(base, work, args.share, seed) for seed in range(1, args.repeat + 1)]
    print(f"{'builder':<22} {'first full':>16} {'incremental':>16} {'full, changed':>16} {'incr/full':>9}")
    summary = lambda values: f"{min(values):6.2f} / {statistics.median(values):6.2f}"  # noqa: E731
    for name in (m.name for m in MATCHERS):
        first, incremental, full = ([r[part][name] for r in rounds] for part in range(3))
        print(
            f"{name:<22} {summary(first):>16} {summary(incremental):>16} {summary(full):>16} "
            f"{min(incremental) / min(full):9.3f}"
        )
    totals = [[sum(r[part].values()) for r in rounds] for part in range(3)]
    print(
        f"{'all four':<22} {summary(totals[0]):>16} {summary(totals[1]):>16} {summary(totals[2]):>16} "
        f"{min(totals[1]) / min(totals[2]):9.3f}"
    )
    print("seconds as best / median of", args.repeat, "rounds")
    agree = all(r[3] for r in rounds)
    print("incremental tables equal the full build's:", "yes" if agree else "NO")
    if not agree:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
