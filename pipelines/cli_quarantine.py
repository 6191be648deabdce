"""`csdl quarantine`: list, export and replay the records the staging models rejected."""

from contextlib import contextmanager
from pathlib import Path

import typer
from rich.table import Table

from pipelines.cli_runs import cli_instance, console, data_dir, print_summary, run_from_cli, run_review

quarantine_app = typer.Typer(
    help="Records rejected by the staging models: list, export for fixing, replay.", no_args_is_help=True
)


@contextmanager
def _warehouse(read_only: bool):
    import duckdb

    from warehouse.database import connect

    path = data_dir() / "warehouse.duckdb"
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

    instance = cli_instance()  # before anything is applied: the rebuild and its review need the run history
    try:
        with _warehouse(read_only=False) as con:
            corrections = apply(con, fixes)
    except CorrectionError as error:
        console.print(f"[red]nothing applied[/]: {error}")
        raise typer.Exit(1) from None
    console.print(f"applied {len(corrections)} corrections; rebuilding staging, core and marts")
    result = run_from_cli("rebuild_from_raw", log_level, instance)
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
    print_summary(result, data_dir() / "published" / "csdl.duckdb")
    reviewed = run_review(instance=instance)
    raise typer.Exit(0 if result.success and reviewed and all(r["kept"] for r in results) else 1)
