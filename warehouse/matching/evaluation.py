"""Precision, recall and F1 of a matcher: over pairs of records placed in the same entity."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

from warehouse.matching.blocking import group_blocks, ident, shared


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
    return score_pairs(
        same_entity_pairs({k: predicted[k] for k in known}), same_entity_pairs({k: truth[k] for k in known})
    )


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


@dataclass(frozen=True)
class Blocking:
    """How much of the truth blocking leaves to the matcher: the labelled matches whose two records
    share a compared block (pair completeness), and how many pairs it compares."""

    matches: int
    matches_in_a_block: int
    records: int
    candidate_pairs: int

    @property
    def pair_completeness(self) -> float:
        return self.matches_in_a_block / self.matches if self.matches else 1.0

    def line(self) -> str:
        return (
            f"blocking: pair_completeness={self.pair_completeness:.4f} ({self.matches_in_a_block} of "
            f"{self.matches} matches share a block), {self.candidate_pairs:,} candidate pairs among "
            f"{self.records:,} records"
        )


def publication_blocking(pairs: list[tuple[dict, dict, int]]) -> Blocking:
    """The publication blocking run over every distinct record of labelled pairs, as if they were
    one collection to deduplicate (no year needed, none used)."""
    ids: dict[tuple, dict] = {}

    def record(side: str, r: dict) -> tuple:
        key = (side, repr(sorted(r.items())))
        return ident(ids.setdefault(key, {**r, "source_system": side, "source_id": str(len(ids))}))

    labelled = [(record("a", a), record("b", b), label) for a, b, label in pairs]
    return records_blocking(list(ids.values()), [frozenset((x, y)) for x, y, label in labelled if label])


def records_blocking(records: list[dict], matches: Iterable[frozenset]) -> Blocking:
    """The publication blocking over records carrying source_system and source_id, against the true
    matches (pairs of (source_system, source_id))."""
    from warehouse.matching.publications import block_keys, compared_blocks

    together = set()
    for _, members in compared_blocks(shared(group_blocks(records, block_keys))):
        together.update(frozenset(p) for p in combinations(map(ident, members), 2))
    matches = list(matches)
    return Blocking(len(matches), sum(m in together for m in matches), len(records), len(together))


def evaluate_labelled_pairs(path) -> tuple[Score, Blocking]:
    """Scores the publication pair matcher on Magellan/Ditto labelled pairs, and its blocking on their records."""
    from warehouse.matching.publications import accepted, probabilities, read_labelled_pairs

    pairs = read_labelled_pairs(path)
    p = probabilities([(a, b) for a, b, _ in pairs])
    predicted = {i for i, v in enumerate(p) if accepted(v)}
    return (score_pairs(predicted, {i for i, (_, _, label) in enumerate(pairs) if label}), publication_blocking(pairs))


def evaluate_task_pairs(path) -> tuple[Score, list[tuple[str, int, bool]]]:
    """Scores the duplicate-task matcher's same-work decision on labelled pairs (`task_pairs.HEADER`),
    and gives (pair_id, label, predicted) of each pair. A pair is "same work" when the matcher would
    compare it (it shares the resolved host or investigator) and `tasks.same_work` says so, whichever
    bodies registered it: that the work was funded twice is a second question, asked of same-work pairs."""
    from warehouse.matching.task_pairs import read_task_pairs, resolved
    from warehouse.matching.tasks import block_keys, same_work

    outcomes = []
    for pair_id, label, a, b in read_task_pairs(path):
        a, b = resolved(a, b)
        compared = bool(set(block_keys(a)) & set(block_keys(b)))
        outcomes.append((pair_id, label, compared and same_work(a, b) is not None))
    score = score_pairs({p for p, _, predicted in outcomes if predicted}, {p for p, label, _ in outcomes if label})
    return score, outcomes
