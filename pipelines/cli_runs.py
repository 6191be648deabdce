"""What the `csdl` commands share: the data folder, the Dagster instance, running a job, its summary and review."""

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def data_dir() -> Path:
    """The data folder, set in the environment for what the run reads (the `duckdb` resource's EnvVar)."""
    from pipelines.instance import data_folder

    path = data_folder()
    os.environ["CSDL_DATA_DIR"] = str(path)
    return path


def cli_instance(create: bool = False):
    """The Dagster instance (pipelines/instance.py); refused, exit code 2, when there is none to read."""
    from pipelines.instance import NoInstance, dagster_instance

    try:
        return dagster_instance(data_dir(), create)
    except NoInstance as error:
        console.print(str(error), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def run_from_cli(name: str, log_level: str = "INFO", instance=None, create_instance: bool = False):
    """Runs job `name` of the `csdl` code location here, listed under that job with `csdl/trigger=cli`, on
    `instance` (default: DAGSTER_HOME's or the data folder's; with `create_instance` the data folder's is made
    when there is none)."""
    from pipelines.runs import run_job as run

    return run(
        name,
        log_level,
        instance or cli_instance(create_instance),
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


def run_review(log_level: str = "WARNING", instance=None) -> bool:
    """The quality review the sensors run after each run in the daemon; in-process runs call it themselves."""
    result = run_from_cli("quality_review", log_level, instance)
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
