"""Entity matching at national scale: time and precision/recall/F1 of every matcher.

    .venv/bin/csdl generate --scale national --out /tmp/national_demo   # once
    .venv/bin/python bench/match_national.py /tmp/national_demo

Prints, per stage, the records in, the seconds taken and the scores against the generator's ground
truth; the task stage is the duplicate detection over every registered S&T task (about 31,000); and
the publication blocking's pair completeness (the true pairs that share a compared block).
"""

import os
import sys
import time
from pathlib import Path

from warehouse.matching import demo_records as demo
from warehouse.matching.evaluation import records_blocking, same_entity_pairs, score_clusters, score_pairs
from warehouse.matching.organizations import match_organizations
from warehouse.matching.publications import match_publications
from warehouse.matching.researchers import match_researchers
from warehouse.matching.tasks import find_task_duplicates, with_resolved_ids


def timed(label: str, records: int, run):
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    print(f"{label:<28} {records:>8,} records {seconds:8.2f} s")
    return result, seconds


def main(demo_dir: Path) -> None:
    print(f"demo data: {demo_dir}; CPUs available: {len(os.sched_getaffinity(0))}")
    orgs, researchers, tasks, pubs = (
        demo.organizations(demo_dir),
        demo.researchers(demo_dir),
        demo.tasks(demo_dir),
        demo.publications(demo_dir),
    )
    org_ids, t_org = timed("organisations", len(orgs), lambda: match_organizations(orgs))
    researcher_ids, t_res = timed("researchers", len(researchers), lambda: match_researchers(researchers, org_ids))
    resolved = with_resolved_ids(tasks, org_ids, researcher_ids)
    (pairs, clusters), t_task = timed("task duplicate detection", len(tasks), lambda: find_task_duplicates(resolved))
    pub_ids, _ = timed("publications", len(pubs), lambda: match_publications(pubs))
    print(
        f"task duplicates from source records (organisations + researchers + tasks): "
        f"{t_org + t_res + t_task:.2f} s; {len(pairs):,} candidate pairs in {len(set(clusters.values())):,} clusters"
    )
    scores = {
        "organisations": score_clusters(org_ids, demo.truth(demo_dir, "organizations")),
        "researchers": score_clusters(researcher_ids, demo.truth(demo_dir, "researchers")),
        "publications": score_clusters(pub_ids, demo.truth(demo_dir, "publications")),
        "tasks": score_pairs({frozenset({p.a, p.b}) for p in pairs}, demo.task_duplicate_truth(demo_dir)),
    }
    for entity, score in scores.items():
        print(f"{entity:<14} {score.line()}")
    pub_truth = {k: v for k, v in demo.truth(demo_dir, "publications").items() if k in pub_ids}
    print(f"publications   {records_blocking(pubs, same_entity_pairs(pub_truth)).line()}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "data/demo"))
