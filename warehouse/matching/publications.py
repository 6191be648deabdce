"""Publications: the same work from several repositories is one publication_id.

A pair of records is scored by a boosted tree ensemble (`publication_model.json`) over the
similarities of `publication_features`, which hold on catalogues we did not make. The model was
fitted on the union of the benchmark training files and its threshold chosen on their validation
files only (`bench/tune_publication_matcher.py` reproduces both).

Records are compared only inside blocks that share a DOI, a folded title, or a key of the title
(its first, second-to-fourth or last three words, its two longest early words, or one long word); a
block of more than MAX_BLOCK records under a title key is a common phrase or word, not evidence, and
is skipped. No key needs the year, so records without one are still compared.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import combinations
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from warehouse.matching import publication_features, publication_text
from warehouse.matching.blocking import Edge, block_key, block_kind, ident, match_in_blocks
from warehouse.matching.publication_features import FEATURES, YEAR, Prepared, prepare, prepared_features, text
from warehouse.matching.trees import load

MODEL_PATH = Path(__file__).with_name("publication_model.json")
# Titles less alike than this (rapidfuzz token_set_ratio of the titles and of the whole records, 0-100)
# are not scored: no matching benchmark pair is below it, and it keeps big blocks cheap.
PREFILTER = 50
MAX_BLOCK = 30
EDGE_WORDS = 3
RARE_LENGTH = 8

# Words too common to say two titles are one work (English and Vietnamese).
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "via",
        "using",
        "towards",
        "toward",
        "its",
        "their",
        "is",
        "are",
        "be",
        "new",
        "based",
        "study",
        "case",
        "approach",
        "cua",
        "va",
        "cac",
        "trong",
        "o",
        "cho",
        "den",
        "ve",
        "tai",
        "mot",
        "nhung",
        "voi",
    ]
)


def _digest(*paths: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in paths if p.exists())).hexdigest()[:16]


# What incremental builds compare with the last build's: a change here (the model, the IDF, the
# code of the features and of the text they read) makes the next build a full one.
_CODE = (Path(publication_features.__file__), Path(publication_text.__file__))
VERSION = (
    f"publications 3, {_digest(MODEL_PATH, publication_features.IDF_PATH, *_CODE)} "
    f"{PREFILTER} {MAX_BLOCK} {EDGE_WORDS} {RARE_LENGTH} {sorted(_STOPWORDS)}"
)


@lru_cache(maxsize=1)
def model():
    return load(MODEL_PATH)


def worth_scoring(a: Prepared, b: Prepared) -> bool:
    """Cheap test before the features: titles or whole records at least PREFILTER alike."""
    return (
        fuzz.token_set_ratio(a.title, b.title, score_cutoff=PREFILTER) > 0
        or fuzz.token_set_ratio(a.text, b.text, score_cutoff=PREFILTER) > 0
    )


def ruled_out(a: Prepared, b: Prepared, values: list[float]) -> bool:
    """Pairs that are different works however alike the titles (the model, fitted on scraped
    catalogues where a title is most of the evidence, weighs these too lightly):
    - "Part I" and "Part II", "(12)" and "(13)": each title with a number the other lacks, and the
      titles not otherwise contained in one another (a number in one title only is left to the model:
      a scraped title carries report numbers);
    - two different DOIs;
    - the same venue two years apart or more: another issue's work (an annual report, a column);
    - no author in common (by initial and surname, or by the whole name in any order), and other
      years, or the same year in venues that disagree: the same title on another work (a preprint
      and its journal version a year apart share an author), or no surname of one anywhere in the
      other and titles less than 85% alike."""
    if values[FEATURES.index("title_numbers_conflict")] and values[FEATURES.index("title_token_set")] < 1:
        return True
    if a.doi and b.doi and a.doi != b.doi:
        return True
    if a.year and b.year and abs(a.year - b.year) > 1 and values[FEATURES.index("venues_agree")] == 1:
        return True
    if a.names and b.names and not (a.author_keys & b.author_keys) and not (a.names & b.names):
        if values[FEATURES.index("surnames_in_other_text")] == 0 and values[FEATURES.index("title_ratio")] < 0.85:
            return True
        if a.year is None or b.year is None:
            return False
        return a.year != b.year or values[FEATURES.index("venues_agree")] == 0
    return False


def _scored(pairs: list[tuple[Prepared, Prepared]]) -> np.ndarray:
    """The model's probability per pair of prepared records, 0 for pairs the prefilter or a rule rejects (the
    trees run on arrays: the pairs are scored together)."""
    out = np.zeros(len(pairs))
    scored, rows = [], []
    for i, (a, b) in enumerate(pairs):
        if worth_scoring(a, b):
            values = prepared_features(a, b)
            if not ruled_out(a, b, values):
                scored.append(i)
                rows.append(values)
    if rows:
        out[scored] = model().probability(np.array(rows))
    return out


def decide(pairs: list[tuple[Prepared, Prepared]], threshold: float | None = None) -> list[bool]:
    """Same work or not, for each pair of prepared records."""
    return [accepted(p, threshold) for p in _scored(pairs)]


def accepted(probability: float, threshold: float | None = None) -> bool:
    """The model's probability read as a decision (0: rejected before scoring, never the same work)."""
    return bool(probability > 0 and probability >= (model().threshold if threshold is None else threshold))


def probabilities(pairs: list[tuple[dict, dict]]) -> np.ndarray:
    """The model's probability per pair of records, 0 for pairs the prefilter or the number rule rejects."""
    prepared: dict[str, Prepared] = {}  # a record in many pairs is prepared once

    def once(record: dict) -> Prepared:
        key = repr(sorted(record.items()))
        if key not in prepared:
            prepared[key] = prepare(record)
        return prepared[key]

    return _scored([(once(a), once(b)) for a, b in pairs])


def same_publication(a: dict, b: dict, threshold: float | None = None) -> bool:
    """Whether two records are one work; the threshold is the model's (chosen on the validation files)."""
    return decide([(prepare(a), prepare(b))], threshold)[0]


@lru_cache(maxsize=200_000)
def _title_block_keys(title: str) -> tuple[str, ...]:
    """The block keys of a folded title, once per distinct title (repositories repeat titles)."""
    return (block_key("title", title), *(block_key(kind, value) for kind, value in _title_keys(title)))


def _title_keys(title: str) -> list[tuple[str, str]]:
    """(kind, value) keys of a folded title, stopwords and years left out: its first EDGE_WORDS
    words, and those from its second word (a scraped title loses its start: "xtrie : efficient
    filtering ..."), its last words (a scraped one loses its start, a dirty one gains a venue at its
    end), the two longest of its first eight words, and each word of RARE_LENGTH letters or more
    (long words are rare ones: "multifractals" stays when the words around it are garbled)."""
    words = [w for w in title.split() if w not in _STOPWORDS and not (w.isdigit() and YEAR.fullmatch(w))]
    longest = sorted(sorted(sorted(set(words[:8])), key=len, reverse=True)[:2])  # ties: alphabetical
    keys = [
        ("start", " ".join(words[:EDGE_WORDS])),
        ("end", " ".join(words[-EDGE_WORDS:])),
        ("long", " ".join(longest)),
    ]
    if len(words) > EDGE_WORDS:
        keys.append(("start", " ".join(words[1 : EDGE_WORDS + 1])))
    return keys + [("word", w) for w in words if len(w) >= RARE_LENGTH and not w.isdigit()]


def block_keys(record: dict) -> list[str]:
    """A DOI, the folded title, and the title's keys (`_title_keys`)."""
    keys = []
    title = text(record.get("title"))
    if record.get("doi"):
        keys.append(block_key("doi", record["doi"].lower()))
    if title:
        keys.extend(_title_block_keys(title))
    return list(dict.fromkeys(keys))


def compared_blocks(blocks: dict[str, list[dict]]) -> Iterator[tuple[str, list[dict]]]:
    """The blocks whose pairs are compared: a block of title starts, ends or words with more than
    MAX_BLOCK members is a common phrase ("a survey of") or word, not evidence, and is skipped (its
    records still meet through their other keys)."""
    for key, members in blocks.items():
        if len(members) <= MAX_BLOCK or block_kind(key) not in ("start", "end", "long", "word"):
            yield key, members


def block_edges(blocks: dict[str, list[dict]]) -> Iterator[Edge]:
    """Every pair of a compared block the model calls one work; the pairs are scored together, once
    each however many blocks they share."""
    prepared, candidates = {}, {}
    for _, members in compared_blocks(blocks):
        for a, b in combinations(members, 2):
            pair = ident(a), ident(b)
            if pair not in candidates:
                candidates[pair] = (prepared.setdefault(pair[0], prepare(a)), prepared.setdefault(pair[1], prepare(b)))
    decided = dict(zip(candidates, decide(list(candidates.values())), strict=False))
    for key, members in compared_blocks(blocks):
        for a, b in combinations(members, 2):
            pair = ident(a), ident(b)
            if decided[pair]:
                yield key, *pair, ()


def match_publications(records: list[dict]) -> dict[tuple[str, str], str]:
    """{(source_system, source_id): publication_id}; records carry title, creators, venue, year, doi."""
    return match_in_blocks(records, block_keys, block_edges, "PUB")


def parse_ditto_record(text: str) -> dict:
    """`COL title VAL ... COL authors VAL ...` -> {"title": ..., "authors": ...}."""
    parts = re.split(r"(?:^|\s)COL (\S+) VAL(?=\s|$)", text.strip())
    return {name: value.strip() for name, value in zip(parts[1::2], parts[2::2], strict=False)}


def read_labelled_pairs(path) -> list[tuple[dict, dict, int]]:
    """Magellan/Ditto labelled pairs: record TAB record TAB 0|1 per line."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[2].strip() not in ("0", "1"):
                raise ValueError(
                    f"{path}, line {number}: expected `record<TAB>record<TAB>0|1`, "
                    f"got {len(parts)} tab-separated fields"
                )
            pairs.append((parse_ditto_record(parts[0]), parse_ditto_record(parts[1]), int(parts[2])))
    return pairs
