"""The Python part of bench/mutation.py: cosmic-ray's mutants of one module, its operators narrowed to
one realistic variant per site (OPERATORS), mutants that change only a type annotation set apart as
equivalent, and the score read back from cosmic-ray's session."""

from __future__ import annotations

import ast
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

OPERATORS = (
    "core/(AddNot|ExceptionReplacer|NumberReplacer|ReplaceAndWithOr|ReplaceOrWithAnd|ReplaceTrueWithFalse|"
    "ReplaceFalseWithTrue|ReplaceBreakWithContinue|ReplaceContinueWithBreak|ZeroIterationForLoop|"
    "ReplaceUnaryOperator_Delete_Not|ReplaceUnaryOperator_USub_UAdd|"
    "ReplaceBinaryOperator_(Add_Sub|Sub_Add|Mul_Div|Div_Mul|FloorDiv_Mul|Mod_FloorDiv|BitOr_BitAnd|BitAnd_BitOr)|"
    "ReplaceComparisonOperator_(Eq_NotEq|NotEq_Eq|Lt_LtE|LtE_Lt|Gt_GtE|GtE_Gt|Lt_GtE|GtE_Lt|Gt_LtE|LtE_Gt|"
    "Is_IsNot|IsNot_Is))$"
)


@dataclass
class Score:
    module: str
    killed: int = 0
    survivors: list[str] = field(default_factory=list)
    equivalent: int = 0  # not run: known to change nothing (annotation-only)

    @property
    def mutants(self) -> int:
        return self.killed + len(self.survivors)


def cosmic_ray_score(
    project: Path, module: str, tests: list[str], work: Path, socket_path: Path, timeout: float, limit: int | None
) -> Score:
    """cosmic-ray's mutants of one module, each run against `tests` through the runner at `socket_path`."""
    config, session = work / f"{module.replace('/', '_')}.toml", work / f"{module.replace('/', '_')}.sqlite"
    command = shlex.join(
        [
            sys.executable,
            str(project / "bench" / "mutation_runner.py"),
            "run",
            str(socket_path),
            str(timeout),
            "--",
            *tests,
        ]
    )
    config.write_text(
        f'[cosmic-ray]\nmodule-path = "{project / module}"\ntimeout = {timeout + 30}\n'
        f'excluded-modules = []\ntest-command = "{command}"\n[cosmic-ray.distributor]\nname = "local"\n'
        f'[cosmic-ray.filters.operators-filter]\nexclude-operators = ["(?!{OPERATORS})"]\n'
    )
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "cosmic-ray", "init", config, session], check=True, cwd=project)
    subprocess.run([bin_dir / "cr-filter-operators", session, config], check=True, cwd=project)
    equivalent = _skip_annotation_only(session)
    if limit is not None:
        _keep_first(session, limit)
    subprocess.run([bin_dir / "cosmic-ray", "exec", config, session], check=True, cwd=project)
    score = _read_session(module, session)
    score.equivalent = equivalent
    return score


def _without_annotations(source: str) -> str:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            node.annotation = None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
        elif isinstance(node, ast.AnnAssign):
            node.annotation = ast.Constant(None)
    return ast.dump(tree)


def _skip_annotation_only(session: Path) -> int:
    """Mutants that change only a type annotation (`dict | None` -> `dict & None`): with `from __future__
    import annotations` never evaluated, so equivalent. Not run; counted apart."""
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    skipped = 0
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in list(db.pending_work_items):
            mutation = item.mutations[0]
            original = mutation.module_path.read_text(encoding="utf-8")
            mutated = mutate_code(original, get_operator(mutation.operator_name)(), mutation.occurrence)
            if mutated is not None and _without_annotations(mutated) == _without_annotations(original):
                db.set_result(item.job_id, WorkResult(output="annotation only", worker_outcome=WorkerOutcome.SKIPPED))
                skipped += 1
    return skipped


def _keep_first(session: Path, limit: int) -> None:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in list(db.pending_work_items)[limit:]:
            db.set_result(item.job_id, WorkResult(output="over --limit", worker_outcome=WorkerOutcome.SKIPPED))


def _read_session(module: str, session: Path) -> Score:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    score = Score(module)
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome != WorkerOutcome.NORMAL:
                continue
            if result.test_outcome == TestOutcome.SURVIVED:
                mutation = item.mutations[0]
                changed = [
                    line
                    for line in (result.diff or "").splitlines()
                    if line[:1] in "-+" and not line.startswith(("---", "+++"))
                ]
                score.survivors.append(
                    f"{module}:{mutation.start_pos[0]} {mutation.operator_name}: "
                    + " | ".join(line.strip() for line in changed)
                )
            else:
                score.killed += 1
    return score
