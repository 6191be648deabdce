"""Precision, recall and F1 of a matcher: over pairs of records placed in the same entity."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Hashable, Iterable, Mapping


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        real = self.true_positives + self.false_negatives
        return self.true_positives / real if real else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return f"precision={self.precision:.4f} recall={self.recall:.4f} f1={self.f1:.4f}"


def same_entity_pairs(assignment: Mapping[Hashable, Hashable]) -> set[frozenset]:
    """Every unordered pair of records assigned to the same entity."""
    members = defaultdict(list)
    for record, entity in assignment.items():
        members[entity].append(record)
    return {frozenset(p) for group in members.values() for p in combinations(group, 2)}


def score_pairs(predicted: Iterable[frozenset], truth: Iterable[frozenset]) -> Score:
    predicted, truth = set(predicted), set(truth)
    hits = len(predicted & truth)
    return Score(hits, len(predicted) - hits, len(truth) - hits)


def score_clusters(predicted: Mapping[Hashable, Hashable], truth: Mapping[Hashable, Hashable]) -> Score:
    """Pairwise scores of a clustering against the true one, over the records both know."""
    known = predicted.keys() & truth.keys()
    return score_pairs(same_entity_pairs({k: predicted[k] for k in known}),
                       same_entity_pairs({k: truth[k] for k in known}))


ENTITIES = ("tasks", "organisations", "researchers", "publications")


def evaluate_demo(demo_dir, entity: str) -> Score:
    """Scores one matcher on a generated demo dataset against the generator's ground truth."""
    from warehouse.matching import demo_records as demo
    from warehouse.matching.organizations import match_organizations
    from warehouse.matching.publications import match_publications
    from warehouse.matching.researchers import match_researchers
    from warehouse.matching.tasks import find_task_duplicates, with_resolved_ids

    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}; choose one of {', '.join(ENTITIES)}")
    if entity == "publications":
        return score_clusters(match_publications(demo.publications(demo_dir)), demo.truth(demo_dir, "publications"))
    org_ids = match_organizations(demo.organizations(demo_dir))
    if entity == "organisations":
        return score_clusters(org_ids, demo.truth(demo_dir, "organizations"))
    researcher_ids = match_researchers(demo.researchers(demo_dir), org_ids)
    if entity == "researchers":
        return score_clusters(researcher_ids, demo.truth(demo_dir, "researchers"))
    pairs, _ = find_task_duplicates(with_resolved_ids(demo.tasks(demo_dir), org_ids, researcher_ids))
    return score_pairs({frozenset({p.a, p.b}) for p in pairs}, demo.task_duplicate_truth(demo_dir))


def evaluate_labelled_pairs(path) -> Score:
    """Scores the publication pair matcher on Magellan/Ditto labelled pairs."""
    from warehouse.matching.publications import read_labelled_pairs, same_publication

    pairs = read_labelled_pairs(path)
    predicted = {i for i, (a, b, _) in enumerate(pairs) if same_publication(a, b)}
    return score_pairs(predicted, {i for i, (_, _, label) in enumerate(pairs) if label})
