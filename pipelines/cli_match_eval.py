"""`csdl match-eval`: precision, recall and F1 of an entity matcher on the demo truth or labelled pairs."""

import time
from pathlib import Path

import typer

from pipelines.cli_runs import console, data_dir


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
    labelled = task_pairs or pairs
    if labelled is not None:
        if not labelled.is_file():
            raise typer.BadParameter(f"no labelled pairs file at {labelled}")
        try:
            # the publication evaluation also measures its blocking; the task one lists each pair's decision
            score, extra = (evaluate_task_pairs if task_pairs else evaluate_labelled_pairs)(labelled)
        except ValueError as error:
            console.print(f"[red]error:[/] {error}", soft_wrap=True)
            raise typer.Exit(2) from None
        label = f"{'duplicate-task' if task_pairs else 'publication'} matcher on {labelled}"
        if pairs is not None:
            console.print(extra.line(), soft_wrap=True)
    else:
        if entity not in ENTITIES:
            raise typer.BadParameter(f"--entity must be one of {', '.join(ENTITIES)}, not {entity!r}")
        demo_dir = demo_dir or data_dir() / "demo"
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
