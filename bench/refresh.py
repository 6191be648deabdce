"""National-scale refresh benchmark: full, incremental and a plain-DuckDB baseline.

    .venv/bin/python bench/refresh.py [--scale national] [--reuse]

Generates the data (or reuses it), serves it from a simulator in its own process, and measures in
fresh processes: (a) a full national_refresh; (b) an incremental refresh after 1% of the records
changed and one new province report arrived, then one with nothing changed (what any run costs);
(c) a baseline that loads the same payloads with DuckDB's own readers (openpyxl for the workbooks)
and runs the same SQL models and publishing with no Dagster and no dlt. Prints wall time, peak RSS,
each stage's share and the ratios.
"""

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGES = ("extract", "normalize", "load", "models", "checks", "matching", "publish", "other")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- measured in a child process -------------------------------------------------------------------
def run_pipeline(data_dir: Path) -> dict:
    """One national_refresh in this process; returns wall time, peak RSS and seconds per stage."""
    import dagster as dg
    import dlt

    os.environ["CSDL_DATA_DIR"] = str(data_dir)
    from pipelines.runs import run_national_refresh
    from warehouse.matching.tables import MATCHERS

    matchers = {m.table for m in MATCHERS}
    instance = dg.DagsterInstance.ephemeral()
    started = time.perf_counter()
    result = run_national_refresh(log_level="ERROR", instance=instance)
    wall = time.perf_counter() - started
    begun, stages, slowest = {}, defaultdict(float), defaultdict(float)
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            begun[event.step_key] = entry.timestamp
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION and event.step_key == "warehouse":
            table = ".".join(event.asset_key.path)
            seconds = event.event_specific_data.materialization.metadata["build_seconds"].value
            stages["matching" if table in matchers else "models"] += seconds
            slowest[f"build {table}"] += seconds
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            seconds = evaluation.metadata["check_seconds"].value
            stages["checks"] += seconds
            slowest[f"check {'.'.join(evaluation.asset_key.path)}"] += seconds
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            seconds = entry.timestamp - begun[event.step_key]
            key = event.step_key
            if key.startswith("ingest_"):
                trace = dlt.attach(
                    key.removeprefix("ingest_"), pipelines_dir=str(data_dir / "dlt_pipelines")
                ).last_trace
                split = {
                    s.step: (s.finished_at - s.started_at).total_seconds()
                    for s in trace.steps
                    if s.step in ("extract", "normalize", "load")
                }
                for step, spent in split.items():
                    stages[step] += spent
                stages["load"] += max(seconds - sum(split.values()), 0)  # dagster-dlt's own bookkeeping
                slowest[key] += seconds
            elif key.startswith("published__"):
                stages["publish"] += seconds
                slowest["publish"] += seconds
    stages["other"] = max(wall - sum(stages.values()), 0)
    top = dict(sorted(slowest.items(), key=lambda kv: -kv[1])[:8])
    return {
        "success": result.success,
        "wall_s": wall,
        "peak_rss_mb": _peak_rss_mb(),
        "stages": dict(stages),
        "slowest": top,
    }


def run_baseline(demo_dir: Path, data_dir: Path) -> dict:
    """The same payloads with DuckDB's readers, the same SQL models and publishing: no Dagster, no dlt."""
    import pyarrow as pa

    from sources.provinces import FILE_SCHEMA, ROW_SCHEMA, read_report
    from sources.provinces.template import template_rows
    from sources.reference import TABLES
    from warehouse.database import connect
    from warehouse.matching.tables import MATCHERS, build_table
    from warehouse.modelling import discover, in_dependency_order, run_model
    from warehouse.publish import publish

    stages = defaultdict(float)
    started = time.perf_counter()
    data_dir.mkdir(parents=True, exist_ok=True)
    with connect(data_dir / "warehouse.duckdb") as con:
        for schema in ("raw_ministries", "raw_academies", "raw_provinces", "raw_reference"):
            con.execute(f"CREATE SCHEMA {schema}")
        for table in TABLES:
            path = REPO / "sources" / "reference" / f"{table}.csv"
            con.execute(f"CREATE TABLE raw_reference.{table} AS SELECT * FROM read_csv('{path}', all_varchar = true)")
        template = pa.Table.from_pylist(template_rows())  # noqa: F841  (read by the next statement)
        con.execute("CREATE TABLE raw_reference.report_template AS SELECT * FROM template")
        for resource_name in ("tasks", "task_results", "organizations", "researchers"):
            files = sorted(str(p) for p in (demo_dir / "ministries").glob(f"*/{resource_name}.jsonl"))
            con.execute(f"""CREATE TABLE raw_ministries.{resource_name} AS
                SELECT * EXCLUDE (filename, updated_at), updated_at::TIMESTAMPTZ AS updated_at, NULL::VARCHAR AS extra,
                       NULL::VARCHAR AS parse_error, NULL::VARCHAR AS raw_text,
                       regexp_extract(filename, 'ministries/([^/]+)/', 1) AS source_system, 'baseline' AS _dlt_load_id
                FROM read_json({files}, filename = true, format = 'newline_delimited')""")
        files = sorted(str(p) for p in (demo_dir / "academies").glob("*.jsonl"))
        con.execute(f"""CREATE TABLE raw_academies.publications AS
            SELECT regexp_extract(filename, '([^/]+)\\.jsonl$', 1) AS source_system, identifier AS source_id,
                   datestamp::TIMESTAMPTZ AS datestamp, false AS deleted, "set" AS set_spec, title,
                   to_json(creators)::VARCHAR AS creators, date, type,
                   to_json(list_filter(['https://doi.org/' || doi, identifier], lambda x: x IS NOT NULL))::VARCHAR AS identifiers,
                   source, to_json(list_filter([subject], lambda x: x IS NOT NULL))::VARCHAR AS subjects, language,
                   publisher, NULL::VARCHAR AS parse_error, NULL::VARCHAR AS raw_xml, lower(doi) AS doi,
                   to_json([{{'text': title, 'lang': NULL}}])::VARCHAR AS titles, to_json(["set"])::VARCHAR AS set_specs,
                   'baseline' AS _dlt_load_id
            FROM read_json({files}, filename = true, format = 'newline_delimited')""")
        rows, files = [], []
        for path in sorted((data_dir.parent / "intake_baseline").glob("*")):
            meta, data = read_report(path)
            received = {"file_sha256": path.name, "file_name": path.name, "received_at": None, **meta}
            rows += [{**received, **row} for row in data]
            files.append({**received, "status": "loaded", "rows_read": len(data), "notes": None})
        report_rows = pa.Table.from_pylist(rows, schema=ROW_SCHEMA)  # noqa: F841  (read by the next statement)
        report_files = pa.Table.from_pylist(files, schema=FILE_SCHEMA)  # noqa: F841
        con.execute("CREATE TABLE raw_provinces.report_rows AS SELECT *, 'baseline' AS _dlt_load_id FROM report_rows")
        con.execute("CREATE TABLE raw_provinces.report_files AS SELECT *, 'baseline' AS _dlt_load_id FROM report_files")
        stages["load"] = time.perf_counter() - started
        mark = time.perf_counter()
        models = in_dependency_order(discover())
        for model in (m for m in models if m.layer == "staging"):
            run_model(con, model)
        stages["models"] = time.perf_counter() - mark
        mark = time.perf_counter()
        for matcher in MATCHERS:  # the mapping tables core joins
            build_table(con, matcher)
        stages["matching"] = time.perf_counter() - mark
        mark = time.perf_counter()
        for model in (m for m in models if m.layer != "staging"):
            run_model(con, model)
        stages["models"] += time.perf_counter() - mark
        mark = time.perf_counter()
        publish(con, data_dir / "published", "baseline", models)
        stages["publish"] = time.perf_counter() - mark
    return {
        "success": True,
        "wall_s": time.perf_counter() - started,
        "peak_rss_mb": _peak_rss_mb(),
        "stages": dict(stages),
    }


# -- the driver --------------------------------------------------------------------------------------
def _child(*args: str, env: dict | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=REPO
    )
    if out.returncode != 0:
        sys.exit(f"benchmark step {args[0]} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _print(label: str, figures: dict) -> None:
    wall = figures["wall_s"]
    shares = ", ".join(
        f"{s} {figures['stages'].get(s, 0):.1f}s ({figures['stages'].get(s, 0) / wall:.0%})"
        for s in STAGES
        if figures["stages"].get(s)
    )
    print(f"{label:<12} wall {wall:7.1f} s   peak RSS {figures['peak_rss_mb']:7.0f} MB   {shares}")
    if figures.get("slowest"):
        print(f"{'':<12} slowest: " + ", ".join(f"{name} {s:.1f}s" for name, s in figures["slowest"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national")
    parser.add_argument("--work", type=Path, default=REPO / "data" / "bench")
    parser.add_argument("--reuse", action="store_true", help="reuse generated data in --work if present")
    args = parser.parse_args()
    demo_dir = args.work / "demo"
    if not (args.reuse and (demo_dir / "manifest.json").exists()):
        print(f"generating the {args.scale} scale into {demo_dir} ...", flush=True)
        subprocess.run(
            [str(REPO / ".venv" / "bin" / "csdl"), "generate", "--scale", args.scale, "--out", str(demo_dir)],
            check=True,
            cwd=REPO,
        )
    for folder in ("full", "baseline", "intake_baseline"):
        shutil.rmtree(args.work / folder, ignore_errors=True)
    shutil.copytree(demo_dir / "reports", args.work / "intake_baseline")
    shutil.copytree(demo_dir / "reports", args.work / "full" / "intake")

    port = _free_port()
    server = subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "csdl"),
            "serve-sources",
            "--port",
            str(port),
            "--demo-dir",
            str(demo_dir),
            "--no-drop-reports",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        env = {
            "SOURCES__MINISTRIES__BASE_URL": f"{base}/ministries",
            "SOURCES__MINISTRIES__API_KEY": "demo-key",
            "SOURCES__ACADEMIES__BASE_URL": f"{base}/oai",
            "DAGSTER_HOME": "",
        }
        print("(a) full national_refresh ...", flush=True)
        full = _child("_pipeline", str(args.work / "full"), env=env)
        changed = json.loads(
            urllib.request.urlopen(urllib.request.Request(f"{base}/admin/touch?fraction=0.01", method="POST")).read()
        )
        _add_revised_report(demo_dir, args.work / "full" / "intake")
        print(
            f"(b) incremental refresh after {sum(changed.values())} changed records and one new report ...", flush=True
        )
        incremental = _child("_pipeline", str(args.work / "full"), env=env)
        print("(b) again, with nothing changed ...", flush=True)
        unchanged = _child("_pipeline", str(args.work / "full"), env=env)
    finally:
        server.terminate()
    print("(c) plain DuckDB baseline ...", flush=True)
    baseline = _child("_baseline", str(demo_dir), str(args.work / "baseline"))

    print(f"\nnational refresh benchmark, scale {args.scale}, {os.cpu_count()} cores")
    _print("full", full)
    _print("incremental", incremental)
    _print("no change", unchanged)
    _print("baseline", baseline)
    print(f"full / baseline        = {full['wall_s'] / baseline['wall_s']:.2f}  (goal <= 2)")
    print(f"incremental / full     = {incremental['wall_s'] / full['wall_s']:.2f}  (goal <= 0.1)")
    print(f"no change / full       = {unchanged['wall_s'] / full['wall_s']:.2f}  (the floor under any refresh)")
    print(f"peak RSS (full)        = {full['peak_rss_mb']:.0f} MB  (goal <= 2048)")


def _add_revised_report(demo_dir: Path, intake: Path) -> None:
    """One province sends a revised report: the same workbook with a later date and revision."""
    from datetime import date

    from openpyxl import load_workbook

    source = sorted((demo_dir / "reports").glob("*.xlsx"))[-1]
    workbook = load_workbook(source)
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows():
        label = str(row[0].value or "")
        if label.startswith("Ngày báo cáo"):
            row[1].value = date.today().strftime("%d/%m/%Y")
        elif label.startswith("Lần nộp"):
            row[1].value = int(row[1].value or 1) + 1
    workbook.save(intake / source.name.replace(".xlsx", "_sua.xlsx"))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_pipeline":
        print(json.dumps(run_pipeline(Path(sys.argv[2]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "_baseline":
        print(json.dumps(run_baseline(Path(sys.argv[2]), Path(sys.argv[3]))))
    else:
        main()
