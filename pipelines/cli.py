"""`csdl`: the platform's command line."""

import os
import time
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="CSDL KH&CN data platform: demo data, source simulator, refresh runs.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()


def _data_dir() -> Path:
    path = Path(os.environ.get("CSDL_DATA_DIR", "data")).resolve()
    os.environ["CSDL_DATA_DIR"] = str(path)
    return path


def _generate(scale: str, seed: int, out: Path) -> dict:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from demo.generator import generate

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task(f"generating the {scale} demo", total=None)
        manifest = generate(
            out,
            scale=scale,
            seed=seed,
            progress=lambda step: bar.update(task, description=f"generating the {scale} demo: {step}"),
        )
    counts = ", ".join(f"{v} {k}" for k, v in manifest["counts"].items())
    console.print(f"[green]generated[/] {out}: {counts}")
    return manifest


@app.command()
def generate(
    scale: str = typer.Option("small", help="small (demo, tests) or national (benchmarks)"),
    seed: int = typer.Option(2025, help="same seed, same data"),
    out: Path | None = typer.Option(None, help="default: $CSDL_DATA_DIR/demo"),
):
    """Generate realistic national S&T source data with its ground truth."""
    _generate(scale, seed, out or _data_dir() / "demo")


@app.command("serve-sources")
def serve_sources(
    port: int = typer.Option(8765, help="loopback port"),
    demo_dir: Path | None = typer.Option(None, help="default: $CSDL_DATA_DIR/demo"),
    drop_reports: bool = typer.Option(True, help="copy the report files into the intake folder"),
    faults: float = typer.Option(
        0.0,
        envvar="CSDL_DEMO_FAULTS",
        min=0.0,
        max=1.0,
        help="fraction of pages answered with a fault: 5xx, too slow, cut short, or the previous page again",
    ),
):
    """Serve the ministry APIs and academy OAI-PMH endpoints on 127.0.0.1 until Ctrl-C."""
    from demo.simulator import SourceSimulator

    demo_dir = demo_dir or _data_dir() / "demo"
    if not (demo_dir / "manifest.json").exists():
        raise typer.BadParameter(f"no demo data in {demo_dir}; run `csdl generate` first")
    sim = SourceSimulator(demo_dir, port=port, faults=faults).start()
    if drop_reports:
        dropped = sim.drop_reports(_data_dir() / "intake")
        console.print(f"dropped {len(dropped)} report files into {_data_dir() / 'intake'}")
    if faults:
        console.print(f"fault mode: {faults:.0%} of pages fail (5xx, slow, truncated, served twice)")
    console.print(f"serving on {sim.base_url}; point the sources at it with:")
    for key, value in sim.environment().items():
        console.print(f"  export {key}={value}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sim.stop()


def _instance(create: bool = False):
    """The Dagster instance (pipelines/instance.py); refused, exit code 2, when there is none to read."""
    from pipelines.instance import NoInstance, dagster_instance

    try:
        return dagster_instance(_data_dir(), create)
    except NoInstance as error:
        console.print(str(error), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _run_job(name: str, log_level: str = "INFO", instance=None, create_instance: bool = False):
    """Runs job `name` of the `csdl` code location here, listed under that job with `csdl/trigger=cli`, on
    `instance` (default: DAGSTER_HOME's or the data folder's; with `create_instance` the data folder's is made
    when there is none)."""
    from pipelines.runs import run_job as run

    return run(
        name,
        log_level,
        instance or _instance(create_instance),
        log=lambda message: console.print(f"[yellow]{message}[/]"),
    )


def print_summary(result, published: Path) -> None:
    import dagster as dg
    import duckdb

    checks = list(result.get_asset_check_evaluations())
    failed = [c for c in checks if not c.passed]
    table = Table(title="Published CSDL KH&CN snapshot")
    table.add_column("table")
    table.add_column("rows", justify="right")
    if published.exists():
        con = duckdb.connect(str(published), read_only=True)
        try:
            for schema, name in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema IN ('core', 'marts', 'main') AND NOT starts_with(table_name, 'code_') "
                "AND table_type = 'BASE TABLE' ORDER BY 1, 2"
            ).fetchall():
                rows = con.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchall()[0][0]
                table.add_row(f"{schema}.{name}", f"{rows:,}")
        finally:
            con.close()
    console.print(table)
    console.print(
        f"checks: [green]{len(checks) - len(failed)} passed[/], [{'red' if failed else 'green'}]{len(failed)} failed[/]"
    )
    for check in failed:
        blocking = check.severity == dg.AssetCheckSeverity.ERROR
        console.print(
            f"  {'[red]failed[/]' if blocking else '[yellow]warning[/]'} "
            f"{check.asset_key.to_user_string()} {check.check_name}: {check.description}"
        )
    console.print(f"published file: {published}" if published.exists() else "[red]nothing published[/]")
    if published.exists():
        console.print(
            f"data dictionary: {published.parent / 'data_dictionary.html'} (tables, code lists, "
            "the analyst questions as views `questions.*`)"
        )


@app.command()
def refresh(log_level: str = typer.Option("INFO", help="Dagster console log level")):
    """Run national_refresh against the configured sources (dlt settings in .dlt/ or the environment)."""
    result = _run_job("national_refresh", log_level, create_instance=True)
    print_summary(result, _data_dir() / "published" / "csdl.duckdb")
    reviewed = run_review()
    raise typer.Exit(0 if result.success and reviewed else 1)


@app.command()
def demo(
    scale: str = typer.Option("small", help="small or national"),
    seed: int = typer.Option(2025),
    log_level: str = typer.Option("INFO", help="Dagster console log level"),
    faults: float = typer.Option(
        0.0, envvar="CSDL_DEMO_FAULTS", min=0.0, max=1.0, help="fraction of the simulator's pages answered with a fault"
    ),
):
    """Generate demo data, serve it on loopback, run national_refresh, stop, and print a summary."""
    from demo.simulator import SourceSimulator

    data = _data_dir()
    demo_dir = data / "demo"
    _generate(scale, seed, demo_dir)
    with SourceSimulator(demo_dir, faults=faults) as sim:
        os.environ.update(sim.environment())
        dropped = sim.drop_reports(data / "intake")
        console.print(f"simulator on {sim.base_url}; {len(dropped)} report files dropped into {data / 'intake'}")
        if faults:
            console.print(f"fault mode: {faults:.0%} of pages fail (5xx, slow, truncated, served twice)")
        started = time.monotonic()
        result = _run_job("national_refresh", log_level, create_instance=True)
    if faults:
        console.print("faults served: " + ", ".join(f"{n} {kind}" for kind, n in sim.faults_served.items()))
    console.print(
        f"national_refresh {'succeeded' if result.success else '[red]FAILED[/]'} "
        f"in {time.monotonic() - started:.0f} s (run {result.run_id})"
    )
    print_summary(result, data / "published" / "csdl.duckdb")
    reviewed = run_review()
    raise typer.Exit(0 if result.success and reviewed else 1)


def run_review(log_level: str = "WARNING", instance=None) -> bool:
    """The quality review the sensors run after each run in the daemon; in-process runs call it themselves."""
    result = _run_job("quality_review", log_level, instance)
    if not result.success:
        console.print("[red]the quality review failed[/]; see the Dagster log above")
        return False
    with result:  # outputs are read back through the run's IO manager
        outcome = result.output_for_node("review_quality")
    console.print(
        f"alerts: {outcome['opened']} opened, {outcome['closed']} closed, {outcome['open']} open; "
        f"{outcome['sent']} messages sent"
    )
    for failure in outcome["failures"]:
        console.print(f"  [yellow]not delivered[/] {failure}")
    console.print(f"quality report: {outcome['report']}")
    return True


@app.command()
def review(log_level: str = typer.Option("WARNING", help="Dagster console log level")):
    """Run the quality review now: alerts (sent to the configured channels) and the HTML report."""
    raise typer.Exit(0 if run_review(log_level) else 1)


quarantine_app = typer.Typer(
    help="Records rejected by the staging models: list, export for fixing, replay.", no_args_is_help=True
)
app.add_typer(quarantine_app, name="quarantine")


@contextmanager
def _warehouse(read_only: bool):
    import duckdb

    from warehouse.database import connect

    path = _data_dir() / "warehouse.duckdb"
    if not path.exists():
        raise typer.BadParameter(f"no warehouse at {path}; run `csdl refresh` first")
    try:
        with connect(path, read_only=read_only) as con:
            yield con
    except duckdb.IOException as error:
        console.print(f"[red]the warehouse is busy (a run is writing it); try again when it ends[/]: {error}")
        raise typer.Exit(2) from None


def _quarantining_model(model: str | None) -> str | None:
    """A model name as given, refused (with the names that exist) unless it is a model that quarantines."""
    from warehouse.modelling import discover

    names = sorted(m.table for m in discover() if m.quarantines)
    if model is not None and model not in names:
        raise typer.BadParameter(f"{model} is not a model that quarantines records; choose one of {', '.join(names)}")
    return model


@quarantine_app.command("list")
def quarantine_list(
    model: str | None = typer.Option(
        None, help="only this staging model, e.g. staging.ministry_tasks", callback=_quarantining_model
    ),
):
    """Quarantined records with their reasons."""
    from quality.quarantine import records

    with _warehouse(read_only=True) as con:
        found = records(con, model)
    table = Table(title=f"quality.quarantine: {len(found)} records")
    for column in ("model", "source", "key", "reason", "quarantined at"):
        table.add_column(column)
    for r in found:
        table.add_row(
            r["model"], r["source_system"], r["source_key"], r["reason"], f"{r['quarantined_at']:%Y-%m-%d %H:%M}"
        )
    console.print(table)


@quarantine_app.command("export")
def quarantine_export(
    out: Path = typer.Argument(..., help="file to write"),
    model: str | None = typer.Option(None, help="only this staging model", callback=_quarantining_model),
    file_format: str = typer.Option(
        "jsonl", "--format", help="jsonl (to fix and replay), or csv or xlsx (for officers to read; not replayed)"
    ),
):
    """Write the quarantined records to a file: as JSON Lines, edit the wrong fields of raw_record, then `replay`
    it; as CSV or XLSX, a sheet for officers."""
    from quality.quarantine import export
    from quality.quarantine_export import FORMATS, PRIVACY_NOTE, export_for_officers

    if file_format not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}, not {file_format!r}")
    with _warehouse(read_only=True) as con:
        count = export(con, out, model) if file_format == "jsonl" else export_for_officers(con, out, model, file_format)
    console.print(PRIVACY_NOTE, style="bold yellow", markup=False, soft_wrap=True)
    if file_format == "jsonl":
        console.print(
            f"wrote {count} records to {out}; fix the fields of each raw_record, delete the lines you "
            f"do not fix, then run `csdl quarantine replay {out}`"
        )
    else:
        console.print(f"đã ghi {count} bản ghi vào {out} / wrote {count} records to {out} (readable by you only)")


@quarantine_app.command("replay")
def quarantine_replay(
    fixes: Path = typer.Argument(..., exists=True, dir_okay=False, help="the edited export"),
    log_level: str = typer.Option("WARNING", help="Dagster console log level"),
):
    """Apply the fixed records to the raw tables and rebuild through the normal path (checks, publishing)."""
    from quality.quarantine import CorrectionError, apply, outcome

    instance = _instance()  # before anything is applied: the rebuild and its review need the run history
    try:
        with _warehouse(read_only=False) as con:
            corrections = apply(con, fixes)
    except CorrectionError as error:
        console.print(f"[red]nothing applied[/]: {error}")
        raise typer.Exit(1) from None
    console.print(f"applied {len(corrections)} corrections; rebuilding staging, core and marts")
    result = _run_job("rebuild_from_raw", log_level, instance)
    with _warehouse(read_only=True) as con:
        results = outcome(con, corrections)
    table = Table(title="replayed records")
    for column in ("model", "key", "result"):
        table.add_column(column)
    for r in results:
        table.add_row(
            r["model"], r["source_key"], "[green]kept[/]" if r["kept"] else f"[red]quarantined again[/]: {r['reason']}"
        )
    console.print(table)
    print_summary(result, _data_dir() / "published" / "csdl.duckdb")
    reviewed = run_review(instance=instance)
    raise typer.Exit(0 if result.success and reviewed and all(r["kept"] for r in results) else 1)


@app.command("match-eval")
def match_eval(
    entity: str | None = typer.Option(
        None, help="tasks, organisations, researchers or publications: score against the demo ground truth"
    ),
    pairs: Path | None = typer.Option(
        None, help="Magellan/Ditto labelled pairs file: score the publication matcher on it"
    ),
    task_pairs: Path | None = typer.Option(
        None, help="labelled duplicate-task pairs (CSV, header in the README): score the task matcher on it"
    ),
    demo_dir: Path | None = typer.Option(None, help="generated demo data; default: $CSDL_DATA_DIR/demo"),
):
    """Print precision, recall and F1 of an entity matcher; the last line is `precision=P recall=R f1=F`."""
    from warehouse.matching.evaluation import ENTITIES, evaluate_demo, evaluate_labelled_pairs, evaluate_task_pairs

    if sum(option is not None for option in (entity, pairs, task_pairs)) != 1:
        raise typer.BadParameter("give exactly one of --entity, --pairs or --task-pairs")
    started = time.monotonic()
    if task_pairs is not None:
        if not task_pairs.is_file():
            raise typer.BadParameter(f"no labelled task pairs file at {task_pairs}")
        try:
            score, _ = evaluate_task_pairs(task_pairs)
        except ValueError as error:
            console.print(f"[red]error:[/] {error}", soft_wrap=True)
            raise typer.Exit(2) from None
        label = f"duplicate-task matcher on {task_pairs}"
    elif pairs is not None:
        if not pairs.is_file():
            raise typer.BadParameter(f"no labelled pairs file at {pairs}")
        try:
            score, blocking = evaluate_labelled_pairs(pairs)
        except ValueError as error:
            console.print(f"[red]error:[/] {error}", soft_wrap=True)
            raise typer.Exit(2) from None
        label = f"publication matcher on {pairs}"
        console.print(blocking.line(), soft_wrap=True)
    else:
        if entity not in ENTITIES:
            raise typer.BadParameter(f"--entity must be one of {', '.join(ENTITIES)}, not {entity!r}")
        demo_dir = demo_dir or _data_dir() / "demo"
        if not (demo_dir / "ground_truth").is_dir():
            raise typer.BadParameter(f"no demo ground truth in {demo_dir}; run `csdl generate` first")
        score = evaluate_demo(demo_dir, entity)
        label = f"{entity} matcher on {demo_dir}"
    console.print(
        f"{label}: {score.true_positives} true positives, {score.false_positives} false positives, "
        f"{score.false_negatives} false negatives ({time.monotonic() - started:.1f} s)",
        soft_wrap=True,
    )
    print(score.line())


if __name__ == "__main__":
    app()
