"""Splink (DuckDB backend, unsupervised Fellegi-Sunter) on the national task records, to compare
with the rapidfuzz matcher in warehouse/matching/tasks.py. Splink is not a project dependency, so
this runs in two steps:

    .venv/bin/python bench/splink_comparison.py export /tmp/national_demo /tmp/splink_tasks
    uv venv /tmp/splinkenv --python 3.11 && uv pip install --python /tmp/splinkenv/bin/python splink
    /tmp/splinkenv/bin/python bench/splink_comparison.py run /tmp/splink_tasks

The records get the same resolved host and investigator ids and the same title normal form as
the rapidfuzz matcher; only the pair scoring differs.
"""

import csv
import sys
import time
from pathlib import Path


def export(demo_dir: Path, out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from warehouse.matching import demo_records as demo
    from warehouse.matching.organizations import match_organizations
    from warehouse.matching.researchers import match_researchers
    from warehouse.matching.tasks import title_key, with_resolved_ids

    out.mkdir(parents=True, exist_ok=True)
    org_ids = match_organizations(demo.organizations(demo_dir))
    researcher_ids = match_researchers(demo.researchers(demo_dir), org_ids)
    tasks = with_resolved_ids(demo.tasks(demo_dir), org_ids, researcher_ids)
    rows = [
        {
            "unique_id": f"{t['source_system']}|{t['source_id']}",
            "title_key": title_key(t["title"]),
            "host": t["host"],
            "pi": t["pi"],
            "start_year": t["start_year"],
            "managing_body": t["managing_body"],
            "level": t["level"],
        }
        for t in tasks
    ]
    pq.write_table(pa.Table.from_pylist(rows), out / "tasks.parquet")
    with open(out / "truth.csv", "w", newline="") as f:
        writer = csv.writer(f)
        for pair in demo.task_duplicate_truth(demo_dir):
            writer.writerow(sorted(f"{s}|{i}" for s, i in pair))


def run(folder: Path) -> None:
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    con = duckdb.connect()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("title_key", [0.99, 0.95, 0.9]),
            cl.ExactMatch("pi"),
            cl.ExactMatch("host"),
            cl.ExactMatch("managing_body"),
            cl.ExactMatch("level"),
            cl.ExactMatch("start_year"),
        ],
        blocking_rules_to_generate_predictions=[block_on("host"), block_on("pi")],
    )
    linker = Linker(
        DuckDBAPI(connection=con).register(con.sql(f"SELECT * FROM '{folder / 'tasks.parquet'}'")), settings
    )
    linker.training.estimate_probability_two_random_records_match([block_on("title_key", "host")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    for rule in ("host", "pi", "title_key"):
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(rule))
    rows = (
        linker.inference.predict(threshold_match_probability=0.5)
        .as_duckdbpyrelation()
        .select("unique_id_l, unique_id_r, match_probability")
        .fetchall()
    )
    seconds = time.perf_counter() - started
    truth = {frozenset(r) for r in csv.reader(open(folder / "truth.csv"))}
    for threshold in (0.5, 0.8, 0.9, 0.99):
        found = {frozenset((a, b)) for a, b, p in rows if p >= threshold}
        hits = len(found & truth)
        precision, recall = (hits / len(found) if found else 1.0), hits / len(truth)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"threshold {threshold}: precision={precision:.4f} recall={recall:.4f} f1={f1:.4f}")
    print(f"splink: {seconds:.1f} s for training and prediction")


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        run(Path(sys.argv[2]))
