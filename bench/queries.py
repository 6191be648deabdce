"""The README's analyst questions against the published snapshot: p50 and p95 latency per question.

    .venv/bin/python bench/queries.py [--snapshot data/bench/full/published/csdl.duckdb] [--repeat 30]

The default is the national-scale snapshot `make bench-refresh` leaves; `--snapshot data/published/csdl.duckdb`
measures the one `make demo` publishes.

Each query runs once to warm up, then --repeat times on a read-only connection, as an analyst's would.
Also prints the same figures for plain DuckDB over the Parquet copies, for comparison.
"""

import argparse
import re
import statistics
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]


def analyst_questions() -> list[tuple[str, str]]:
    page = (REPO / "README.md").read_text(encoding="utf-8").split("## For analysts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"\*\*(\d+)\. .+?\*\*\s*```sql\n(.+?)```", page, flags=re.S)


def _timings(con: duckdb.DuckDBPyConnection, sql: str, repeat: int) -> list[float]:
    con.execute(sql).fetchall()
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        con.execute(sql).fetchall()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=REPO / "data" / "bench" / "full" / "published" / "csdl.duckdb")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if not args.snapshot.exists():
        raise SystemExit(f"{args.snapshot} does not exist: run `make bench-refresh` first, or give --snapshot")
    con = duckdb.connect(str(args.snapshot), read_only=True)
    parquet = duckdb.connect()
    for path in sorted((args.snapshot.parent / "parquet").glob("*.parquet")):
        schema, table = path.stem.split(".")
        parquet.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        parquet.execute(f"CREATE VIEW {schema}.{table} AS SELECT * FROM read_parquet('{path}')")
    rows = con.execute("SELECT sum(estimated_size) FROM duckdb_tables()").fetchall()[0][0]
    print(f"snapshot {args.snapshot} ({rows:,} rows), {args.repeat} runs per question after one warm-up")
    print(f"{'question':>8} {'p50 ms':>8} {'p95 ms':>8} {'parquet p50':>12} {'parquet p95':>12}")
    worst = 0.0
    for number, sql in analyst_questions():
        snap, pq = _timings(con, sql, args.repeat), _timings(parquet, sql, args.repeat)
        worst = max(worst, _p(snap, 95))
        print(f"{number:>8} {_p(snap, 50):8.1f} {_p(snap, 95):8.1f} {_p(pq, 50):12.1f} {_p(pq, 95):12.1f}")
    print(f"worst p95 = {worst:.1f} ms (goal <= 100 ms)")


if __name__ == "__main__":
    main()
