"""Mutation score of the modules where a bug corrupts published data: a benchmark, not a CI gate.

    python bench/mutation.py                                   # everything (hours on 2 cores): `make mutation`
    python bench/mutation.py --modules sources/provinces/values.py,sources/cursors.py
    python bench/mutation.py --modules warehouse/models/marts/reporting_completeness.sql --limit 5

Each mutant is one small bug, made in a copy of the project (the working tree is never touched) and
checked against that module's own fast test selection (TESTS): killed when a test fails, survived when
all pass. It prints the score per module and overall, and every surviving mutant.

Python is mutated by cosmic-ray (a maintained tool, driven by bench/mutation_python.py). It suits this
layout as it is: it rewrites the file in place in the copy and runs any command, so the tests import
the copy as they import the project, module-level constants (the publishing guard's column list) are
mutated too, and the project needs no configuration of its own for it. mutmut 3 would need its own
[tool.mutmut] setup and a mutants/ copy that the editable install does not point at, and it mutates
only inside functions. The SQL models are mutated by bench/mutation_sql.py. Test runs go through
bench/mutation_runner.py, which forks them from a process that imported the libraries once.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from mutation_python import Score, cosmic_ray_score
from mutation_runner import run as run_tests
from mutation_sql import mutants as sql_mutants
from mutation_sql import unmutated

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CSDL_SHARED_DIR", REPO.parent / "shared"))
TEXT, REPORTS, RULES = (
    "tests/test_text_properties.py",
    "tests/test_report_properties.py",
    "tests/test_rules_users_rely_on.py",
)
PROVINCE_FILES = [
    REPORTS,
    "tests/test_province_corpus_files.py",
    "tests/test_intake.py",
    "tests/test_reference.py",
    "tests/test_province_reports.py::test_each_kind_of_file_reads_as_the_office_meant_or_is_held_with_a_reason",
    "-k",
    "not reloaded_alone and not unreadable_csv and not sensor_starts",
]  # those three load through dlt
MATCHING = [
    "tests/test_matching.py",
    f"{RULES}::test_a_title_typed_with_a_slip_or_two_is_still_a_duplicate_candidate",
    f"{RULES}::test_the_same_topic_in_another_province_phase_or_market_is_another_work",
]
# Module (glob) -> its fast test selection: the tests that exercise it without a national refresh.
TESTS = {
    "sources/vietnamese.py": [
        TEXT,
        "tests/test_matching.py",
        "tests/test_province_corpus_files.py",
        "tests/test_model_builds.py::test_normalize_skips_decomposing_only_where_that_gives_the_same",
    ],
    "sources/provinces/*.py": PROVINCE_FILES,
    "sources/cursors.py": ["tests/test_cursor_properties.py", "tests/test_cursors.py"],
    "warehouse/publish.py": [
        "tests/test_publish.py",
        "tests/test_personal_data.py",
        f"{RULES}::test_every_kind_of_personal_identifier_column_stops_publishing",
    ],
    "warehouse/matching/*.py": MATCHING,
    "quality/alerts.py": [
        "tests/test_hostile_senders.py",
        "tests/test_personal_data.py",
        "tests/test_quality.py::test_check_samples_in_alerts_carry_no_phone_number_or_e_mail",
        f"{RULES}::test_a_result_registered_before_its_acceptance_is_reported_as_a_warning_naming_the_value",
    ],
    "quality/report.py": ["tests/test_province_reports.py::test_the_quality_report_escapes_what_senders_wrote"],
    # the models run only inside a refresh: one shared refresh per mutant, then the tests that read it
    # (the more specific patterns first: the first that matches is the module's selection)
    "warehouse/models/marts/statistic_year_changes.sql": [
        "tests/test_province_reports.py::test_a_tenfold_change_from_the_previous_year_is_a_warning_naming_the_file_and_row",
        f"{RULES}::test_a_total_more_than_tenfold_up_or_down_is_flagged_against_everything_its_unit_reported_the_year_before",
    ],
    "warehouse/models/marts/reporting_completeness.sql": [
        "tests/test_indicators.py::test_reporting_completeness_against_the_deadline",
        "tests/test_province_reports.py::test_every_job_runs_on_a_fresh_data_folder",
    ],
    "warehouse/models/core/fct_statistic.sql": [
        "tests/test_province_reports.py::test_a_revision_wins_by_its_number_even_when_officers_keep_the_first_date",
        "tests/test_indicators.py",
    ],
    "warehouse/models/core/*.sql": [
        "tests/test_published.py",
        "tests/test_indicators.py",
        "tests/test_entity_resolution.py",
        f"{RULES}::test_a_record_the_repository_deletes_leaves_the_published_snapshot_at_the_next_harvest",
    ],
    "warehouse/models/marts/*.sql": [
        "tests/test_indicators.py",
        "tests/test_entity_resolution.py",
        "tests/test_published.py",
        "tests/test_province_reports.py::test_a_tenfold_change_from_the_previous_year_is_a_warning_naming_the_file_and_row",
    ],
}
# Excluded from the matcher modules: evaluation and demo records serve the benches, not published data.
NOT_PUBLISHED = {
    "warehouse/matching/evaluation.py",
    "warehouse/matching/demo_records.py",
    "warehouse/matching/__init__.py",
    "sources/provinces/template.py",
}


def selection(module: str) -> list[str]:
    return next(tests for pattern, tests in TESTS.items() if fnmatch.fnmatch(module, pattern))


def project_files() -> list[str]:
    """The files git knows and the ones not yet added."""
    return subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


def targets(patterns: list[str]) -> list[str]:
    return [
        f
        for f in sorted(project_files())
        if f not in NOT_PUBLISHED
        and any(fnmatch.fnmatch(f, p) for p in TESTS)
        and any(fnmatch.fnmatch(f, p) for p in patterns)
    ]


def copy_project(into: Path) -> Path:
    """The project's files in `into`/project, without data folders and caches."""
    project = into / "project"
    for name in project_files():
        source = REPO / name
        if source.is_file() and "__pycache__" not in source.parts:
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, project / name)
    return project


def start_runner(socket_path: Path, project: Path) -> subprocess.Popen:
    runner = subprocess.Popen(
        [sys.executable, str(project / "bench" / "mutation_runner.py"), "serve", str(socket_path), str(project)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert runner.stdout.readline().strip() == "ready", "the test runner did not start"
    return runner


def _sql(
    project: Path, module: str, tests: list[str], work: Path, socket_path: Path, timeout: float, limit: int | None
) -> Score:
    path, score = project / module, Score(module)
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(unmutated(path), encoding="utf-8")
        if run_tests(str(socket_path), timeout, tests) != 0:
            raise SystemExit(f"{module}: the tests fail on sqlglot's rendering of the unmutated model")
        for mutant in list(sql_mutants(project / module))[:limit]:
            path.write_text(mutant.text, encoding="utf-8")
            if run_tests(str(socket_path), timeout, tests) == 0:
                score.survivors.append(f"{module}: {mutant.description}")
            else:
                score.killed += 1
    finally:
        path.write_text(original, encoding="utf-8")
    return score


def report(scores: list[Score], seconds: float) -> None:
    print(f"\n{'module':52} {'mutants':>7} {'killed':>7} {'survived':>8} {'score':>7} {'equivalent':>10}")
    for s in scores:
        print(
            f"{s.module:52} {s.mutants:7} {s.killed:7} {len(s.survivors):8} "
            f"{100 * s.killed / s.mutants if s.mutants else 100:6.1f}% {s.equivalent:10}"
        )
    total, killed = sum(s.mutants for s in scores), sum(s.killed for s in scores)
    print(
        f"{'overall':52} {total:7} {killed:7} {total - killed:8} {100 * killed / total if total else 100:6.1f}%"
        f"   ({seconds / 60:.1f} min)"
    )
    survivors = [line for s in scores for line in s.survivors]
    print("\nsurviving mutants:" if survivors else "\nno surviving mutants")
    for line in survivors:
        print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", default=",".join(TESTS), help="comma-separated paths or globs (default: all)")
    parser.add_argument("--limit", type=int, help="at most this many mutants per module (a quick look)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one test run may take")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the runner and its test run are stopped too
    modules = targets(args.modules.split(","))
    assert modules, f"no module of {sorted(TESTS)} matches {args.modules}"
    started, scores = time.monotonic(), []
    with tempfile.TemporaryDirectory(prefix="csdl-mutation-") as tmp:
        work = Path(tmp)
        project = copy_project(work)
        os.environ["CSDL_SHARED_DIR"] = str(SHARED)  # the copy has no ../shared beside it
        socket_path = work / "runner.sock"
        runner = start_runner(socket_path, project)
        try:
            for tests in {tuple(selection(m)) for m in modules}:  # the selections pass on the unmutated copy
                if run_tests(str(socket_path), args.timeout, list(tests)) != 0:
                    raise SystemExit(
                        f"the tests fail without a mutant: {' '.join(tests)} (see {project / '.mutation-last-run.log'})"
                    )
            for module in modules:
                print(f"== {module}: {' '.join(selection(module))}", flush=True)
                scorer = _sql if module.endswith(".sql") else cosmic_ray_score
                scores.append(scorer(project, module, selection(module), work, socket_path, args.timeout, args.limit))
        finally:
            runner.terminate()  # it kills the test run it may be in
            runner.wait()
    report(scores, time.monotonic() - started)


if __name__ == "__main__":
    main()
