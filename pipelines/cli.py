"""`csdl`: the platform's command line."""

import os
import time
from pathlib import Path

import typer

from pipelines.cli_match_eval import match_eval
from pipelines.cli_quarantine import quarantine_app
from pipelines.cli_runs import console, data_dir, print_summary, run_from_cli, run_review

app = typer.Typer(
    help="CSDL KH&CN data platform: demo data, source simulator, refresh runs.",
    no_args_is_help=True,
    add_completion=False,
)


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
    _generate(scale, seed, out or data_dir() / "demo")


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

    demo_dir = demo_dir or data_dir() / "demo"
    if not (demo_dir / "manifest.json").exists():
        raise typer.BadParameter(f"no demo data in {demo_dir}; run `csdl generate` first")
    sim = SourceSimulator(demo_dir, port=port, faults=faults).start()
    if drop_reports:
        dropped = sim.drop_reports(data_dir() / "intake")
        console.print(f"dropped {len(dropped)} report files into {data_dir() / 'intake'}")
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


@app.command()
def refresh(log_level: str = typer.Option("INFO", help="Dagster console log level")):
    """Run national_refresh against the configured sources (dlt settings in .dlt/ or the environment)."""
    result = run_from_cli("national_refresh", log_level, create_instance=True)
    print_summary(result, data_dir() / "published" / "csdl.duckdb")
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

    data = data_dir()
    demo_dir = data / "demo"
    _generate(scale, seed, demo_dir)
    with SourceSimulator(demo_dir, faults=faults) as sim:
        os.environ.update(sim.environment())
        dropped = sim.drop_reports(data / "intake")
        console.print(f"simulator on {sim.base_url}; {len(dropped)} report files dropped into {data / 'intake'}")
        if faults:
            console.print(f"fault mode: {faults:.0%} of pages fail (5xx, slow, truncated, served twice)")
        started = time.monotonic()
        result = run_from_cli("national_refresh", log_level, create_instance=True)
    if faults:
        console.print("faults served: " + ", ".join(f"{n} {kind}" for kind, n in sim.faults_served.items()))
    console.print(
        f"national_refresh {'succeeded' if result.success else '[red]FAILED[/]'} "
        f"in {time.monotonic() - started:.0f} s (run {result.run_id})"
    )
    print_summary(result, data / "published" / "csdl.duckdb")
    reviewed = run_review()
    raise typer.Exit(0 if result.success and reviewed else 1)


@app.command()
def review(log_level: str = typer.Option("WARNING", help="Dagster console log level")):
    """Run the quality review now: alerts (sent to the configured channels) and the HTML report."""
    raise typer.Exit(0 if run_review(log_level) else 1)


app.add_typer(quarantine_app, name="quarantine")
app.command("match-eval")(match_eval)


if __name__ == "__main__":
    app()
