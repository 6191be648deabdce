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
