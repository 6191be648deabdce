"""SQL model build times on a national-scale warehouse: a full build of every model, then an
incremental build after 1% of the rows of each incremental model's raw table changed under a new load.

    .venv/bin/python bench/models.py [--warehouse data/bench/full/warehouse.duckdb] [--repeat 3] [--check]

Works on a copy in --work (the warehouse given is only read). Each repetition starts from a fresh copy:
full build (staging, the matching tables core joins, core, marts), then 1% of each driving raw table
re-delivered under a new dlt load id, then the incremental build (`run_model(..., incremental=True)`;
core and marts are full rebuilds either way). Matching is timed apart: it is not a SQL model. Prints the
best and the median of the repetitions per model and in total. `--check` also proves, after the last
incremental build, that each incremental model's table and quarantine equal a full rebuild's.
"""

import argparse
import shutil
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _build_all(con, models, matchers, incremental: bool) -> dict[str, float]:
    """Seconds per model (and per matching table), in the order the pipeline builds them."""
    from warehouse.matching.tables import build_table
    from warehouse.modelling import run_model

    seconds = {}
    for layer_group in (("staging",), ("core", "marts")):
        for model in (m for m in models if m.layer in layer_group):
            started = time.perf_counter()
            run_model(con, model, incremental=incremental)
            seconds[model.table] = time.perf_counter() - started
        if layer_group == ("staging",):
            for matcher in matchers:  # the mapping tables core joins
                started = time.perf_counter()
                build_table(con, matcher)
                seconds[f"matching.{matcher.name}"] = time.perf_counter() - started
    return seconds


def _redeliver_one_percent(con, models) -> dict[str, int]:
    """Every 100th row of each incremental model's raw table comes again in a new load (what a dlt merge
    does: the old row deleted, the new one appended)."""
    load_id = f"{time.time():.7f}"  # dlt load ids are increasing timestamps as text
    touched = {}
    for table in sorted({m.driving_table for m in models if m.incremental_key}):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _redelivered AS SELECT * REPLACE (? AS _dlt_load_id) "
            f"FROM {table} WHERE rowid % 100 = 0",
            [load_id],
        )
        con.execute(f"DELETE FROM {table} WHERE rowid % 100 = 0")
        con.execute(f"INSERT INTO {table} SELECT * FROM _redelivered")
        touched[table] = con.execute("SELECT count(*) FROM _redelivered").fetchall()[0][0]
        con.execute("DROP TABLE _redelivered")
    return touched


def _fingerprint(con, model) -> tuple:
    """The model's rows and its quarantine rows (when they were quarantined left out), order-free."""
    table = con.execute(f"SELECT count(*), sum(hash(t)) FROM {model.table} AS t").fetchall()[0]
    quarantine = con.execute(
        """SELECT count(*), sum(hash(source_system, source_key, reason, raw_record::VARCHAR, load_id))
                                FROM quality.quarantine WHERE model = ?""",
        [model.table],
    ).fetchall()[0]
    return table, quarantine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=REPO / "data" / "bench" / "full" / "warehouse.duckdb",
        help="a national-scale warehouse, read only (default: the one `make bench-refresh` leaves)",
    )
    parser.add_argument("--work", type=Path, default=REPO / "data" / "bench_models")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="compare each incremental build with a full rebuild")
    args = parser.parse_args()
    if not args.warehouse.exists():
        raise SystemExit(f"{args.warehouse} does not exist: run `make bench-refresh` first, or give --warehouse")

    from warehouse.database import connect
    from warehouse.matching.tables import MATCHERS
    from warehouse.modelling import discover, in_dependency_order, run_model

    models = in_dependency_order(discover())
    args.work.mkdir(parents=True, exist_ok=True)
    copy = args.work / "warehouse.duckdb"
    full_runs, incremental_runs = [], []
    for repetition in range(args.repeat):
        shutil.copyfile(args.warehouse, copy)
        with connect(copy) as con:
            # The first Arrow conversion imports pandas (~2 s); the pipeline's process has it imported already.
            con.execute("SELECT vi_normalize(x) FROM (VALUES ('a'), ('b')) AS t(x)").fetchall()
            full_runs.append(_build_all(con, models, MATCHERS, incremental=False))
            touched = _redeliver_one_percent(con, models)
            incremental_runs.append(_build_all(con, models, MATCHERS, incremental=True))
            print(
                f"run {repetition + 1}: full {_total(full_runs[-1]):.2f} s, incremental {_total(incremental_runs[-1]):.2f} s "
                f"(SQL models; rows re-delivered: {touched})",
                flush=True,
            )
            if args.check and repetition == args.repeat - 1:
                for model in (m for m in models if m.incremental_key):
                    incremental = _fingerprint(con, model)
                    run_model(con, model, incremental=False)
                    assert _fingerprint(con, model) == incremental, f"{model.table}: incremental != full rebuild"
                print("check: every incremental table and quarantine equals a full rebuild's")

    print(f"\nSQL model build seconds, best / median of {args.repeat} ({copy})")
    print(f"{'model':45s} {'full':>15s} {'incremental':>15s}")
    for name in full_runs[0]:
        print(
            f"{name:45s} {_figures([r[name] for r in full_runs]):>15s} {_figures([r[name] for r in incremental_runs]):>15s}"
        )
    for label, keep in (
        ("staging", lambda n: n.startswith("staging.")),
        ("core + marts", lambda n: n.startswith(("core.", "marts."))),
        ("all SQL models", lambda n: not n.startswith("matching.")),
        ("matching (Python)", lambda n: n.startswith("matching.")),
    ):
        full = [sum(s for n, s in r.items() if keep(n)) for r in full_runs]
        incremental = [sum(s for n, s in r.items() if keep(n)) for r in incremental_runs]
        print(f"{'TOTAL ' + label:45s} {_figures(full):>15s} {_figures(incremental):>15s}")
    best_full = min(_total(r) for r in full_runs)
    print(f"incremental / full (SQL models, best) = {min(_total(r) for r in incremental_runs) / best_full:.2f}")


def _total(seconds: dict[str, float]) -> float:
    return sum(s for name, s in seconds.items() if not name.startswith("matching."))


def _figures(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f}"


if __name__ == "__main__":
    main()
