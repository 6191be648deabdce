"""Publications: the same work from several repositories is one publication_id.

A pair of records is scored by a boosted tree ensemble (`publication_model.json`) over similarities
that hold on catalogues we did not make: a missing year, venue or author list is missing (NaN), not
"different"; the whole record's text is compared beside each attribute, so a venue or year moved into
the title still counts; years are looked for anywhere in the record; authors compare by surname and
initial, so "s guha" meets "sudipto guha". Different numbers in titles ("part i" / "part ii") are
different works. The model was fitted on the union of the benchmark training files and its threshold
chosen on their validation files only (`bench/tune_publication_matcher.py` reproduces both).

Records are compared only inside blocks that share a DOI, a folded title, or the first or the last
three words of the title; a block of more than MAX_BLOCK title starts or ends is a common phrase, not
evidence, and is skipped. No key needs the year, so records without one are still compared.
"""

from __future__ import annotations

import hashlib
import html
import re
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np
from rapidfuzz import fuzz

from sources.vietnamese import fold
from warehouse.matching.blocking import Edge, block_key, block_kind, ident, match_in_blocks
from warehouse.matching.trees import load

NAN = float("nan")
FEATURES = (
    "title_ratio", "title_token_set", "title_token_sort", "title_partial", "title_jaccard", "title_containment",
    "text_token_set", "text_token_sort", "text_jaccard", "text_containment", "title_in_other_text",
    "surname_overlap", "surname_jaccard", "first_author_found", "author_key_overlap", "authors_token_set", "author_count_ratio", "surnames_in_other_text",
    "same_year", "years_apart", "a_year_in_common", "venues_agree", "venue_token_set",
    "title_numbers_conflict", "title_length_ratio",
)
MODEL_PATH = Path(__file__).with_name("publication_model.json")
# Titles less alike than this (rapidfuzz token_set_ratio of the titles and of the whole records, 0-100)
# are not scored: no matching benchmark pair is below it, and it keeps big blocks cheap.
PREFILTER = 50
MAX_BLOCK = 30
EDGE_WORDS = 3

# Venue names two catalogues give the same venue; other venues agree when their folded names do, one
# is the initials of the other ("vldb"), or every word of one starts a word of the other.
VENUE_EQUIVALENTS = frozenset([
    ("acm sigmod record", "sigmod record"),
    ("acm trans database syst", "acm transactions on database systems tods"),
    ("international conference on management of data", "sigmod conference"),
    ("the vldb journal the international journal on very large data bases", "vldb j"),
    ("very large data bases", "vldb"),
])
_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"}
_NO_AUTHORS = {"", "?"}
# A one-letter Roman numeral is an author's initial unless a word like "part" comes before it.
_PART = {"part", "vol", "volume", "phan", "tap", "chapter"}
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_FLOAT_YEAR = re.compile(r"\b(\d{4})\.0\b")
# Words too common to say two titles are one work (English and Vietnamese).
_STOPWORDS = frozenset("""a an and as at by for from in into of on or the to with via using towards toward
    its their is are be new based study case approach cua va cac trong o cho den ve tai mot nhung voi""".split())

_MODEL_DIGEST = hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()[:16] if MODEL_PATH.exists() else "none"
# What incremental builds compare with the last build's: a change here makes the next build a full one.
VERSION = f"publications 2, {_MODEL_DIGEST} {PREFILTER} {MAX_BLOCK} {EDGE_WORDS} {sorted(_STOPWORDS)}"

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = " , ".join(str(v) for v in value)
    return _fold_text(str(value))


@lru_cache(maxsize=500_000)
def _fold_text(value: str) -> str:
    """Folded once per distinct text: names and venues repeat, and block keys fold the title too."""
    # "1997.0": a year some catalogues wrote as a float
    return fold(_FLOAT_YEAR.sub(r"\1", html.unescape(value))) or ""


def _authors(value) -> list[str]:
    if value is None:
        return []
    text = str(value)
    # "Guha, Sudipto; Rastogi, Rajeev": with semicolons, a comma is inside one name
    names = value if isinstance(value, (list, tuple)) else re.split(";" if ";" in text else ",", text)
    return [n for n in (_text(name) for name in names) if n not in _NO_AUTHORS]


def _year(value) -> int | None:
    match = _YEAR.search(str(value or ""))
    return int(match.group(1)) if match else None


def _numbers(words: list[str]) -> frozenset[str]:
    """Numbers of a title that tell works apart ("part ii", "(12)"); years are left out, a dirty
    record carries its year in the title."""
    return frozenset(w for i, w in enumerate(words) if (w.isdigit() and not _YEAR.fullmatch(w))
                     or (w in _ROMAN and (len(w) > 1 or i and words[i - 1] in _PART)))


def _initials(text: str) -> str:
    return "".join(w[0] for w in text.split() if w not in {"of", "on", "the", "and", "for"})


def venues_agree(a: str, b: str) -> bool:
    return _folded_venues_agree(_text(a), _text(b))


def _folded_venues_agree(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b or tuple(sorted((a, b))) in VENUE_EQUIVALENTS:
        return True
    short, long_ = sorted((a, b), key=len)
    if short.replace(" ", "") in (_initials(long_), long_.replace(" ", "")):
        return True
    words = long_.split()
    return all(any(w.startswith(s) for w in words) for s in short.split())


class Prepared(NamedTuple):
    """What the features read of one record, computed once per record."""
    title: str
    title_words: frozenset
    numbers: frozenset
    text: str
    text_words: frozenset
    authors: str
    surnames: frozenset
    author_keys: frozenset
    author_count: int
    first_author: frozenset
    names: frozenset  # each author's words sorted: "an nguyen van" for "Nguyễn Văn An" and "An Nguyen Van"
    doi: str
    venue: str
    year: int | None
    years: frozenset


def prepare(record: dict) -> Prepared:
    title = _text(record.get("title"))
    authors = _authors(record.get("authors", record.get("creators")))
    venue = _text(record.get("venue"))
    year = _year(record.get("year"))
    text = " ".join(p for p in (title, " ".join(authors), venue, str(year or "")) if p)
    title_words = title.split()
    # A surname is a name's last word in Western order and its first in Vietnamese order: both are kept,
    # and so is the initial-and-last-word key that an abbreviated "s guha" shares with "sudipto guha".
    surnames = frozenset(w for n in authors for w in (n.split()[-1], n.split()[0]) if len(w) > 1)
    keys = frozenset(f"{n.split()[0][0]} {n.split()[-1]}" for n in authors)
    years = frozenset(int(m.group(1)) for m in _YEAR.finditer(text))
    return Prepared(title, frozenset(title_words), _numbers(title_words), text, frozenset(text.split()),
                    " ".join(authors), surnames, keys, len(authors),
                    frozenset(w for w in authors[0].split() if len(w) > 1) if authors else frozenset(),
                    frozenset(" ".join(sorted(n.split())) for n in authors), (record.get("doi") or "").lower(),
                    venue, year, years)


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else NAN


def _containment(a: frozenset, b: frozenset) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else NAN


def _ratio(scorer, a: str, b: str) -> float:
    return scorer(a, b) / 100 if a and b else NAN


def _found_in(words: frozenset, text_words: frozenset) -> float:
    return len(words & text_words) / len(words) if words else NAN


def prepared_features(a: Prepared, b: Prepared) -> list[float]:
    """Pair features in the order of FEATURES; NaN where a record lacks what a feature compares."""
    ta, tb = a.title, b.title
    in_other = [v for v in (_found_in(a.title_words, b.text_words), _found_in(b.title_words, a.text_words))
                if v == v]
    surnames_found = [v for v in (_found_in(a.surnames, b.text_words) if a.surnames else NAN,
                                  _found_in(b.surnames, a.text_words) if b.surnames else NAN) if v == v]
    both_years = a.year is not None and b.year is not None
    return [
        _ratio(fuzz.ratio, ta, tb), _ratio(fuzz.token_set_ratio, ta, tb), _ratio(fuzz.token_sort_ratio, ta, tb),
        _ratio(fuzz.partial_ratio, ta, tb), _jaccard(a.title_words, b.title_words),
        _containment(a.title_words, b.title_words),
        _ratio(fuzz.token_set_ratio, a.text, b.text), _ratio(fuzz.token_sort_ratio, a.text, b.text),
        _jaccard(a.text_words, b.text_words), _containment(a.text_words, b.text_words),
        max(in_other) if in_other else NAN,
        _containment(a.surnames, b.surnames), _jaccard(a.surnames, b.surnames),
        float(bool(a.first_author & b.surnames) or bool(b.first_author & a.surnames)) if a.surnames and b.surnames else NAN,
        _containment(a.author_keys, b.author_keys),
        _ratio(fuzz.token_set_ratio, a.authors, b.authors),
        min(a.author_count, b.author_count) / max(a.author_count, b.author_count) if a.author_count and b.author_count else NAN,
        max(surnames_found) if surnames_found else NAN,
        float(a.year == b.year) if both_years else NAN, float(abs(a.year - b.year)) if both_years else NAN,
        float(bool(a.years & b.years)) if a.years and b.years else NAN,
        float(_folded_venues_agree(a.venue, b.venue)) if a.venue and b.venue else NAN,
        _ratio(fuzz.token_set_ratio, a.venue, b.venue),
        float(bool(a.numbers - b.numbers) and bool(b.numbers - a.numbers)),
        min(len(ta), len(tb)) / max(len(ta), len(tb)) if ta and tb else NAN,
    ]


def features(a: dict, b: dict) -> list[float]:
    """Pair features of two records carrying title, authors (a list or a comma-separated string) or
    creators, venue and year."""
    return prepared_features(prepare(a), prepare(b))


@lru_cache(maxsize=1)
def model():
    return load(MODEL_PATH)


def worth_scoring(a: Prepared, b: Prepared) -> bool:
    """Cheap test before the features: titles or whole records at least PREFILTER alike."""
    return (fuzz.token_set_ratio(a.title, b.title, score_cutoff=PREFILTER) > 0
            or fuzz.token_set_ratio(a.text, b.text, score_cutoff=PREFILTER) > 0)


def ruled_out(a: Prepared, b: Prepared, values: list[float]) -> bool:
    """Pairs that are different works however alike the titles (the model, fitted on scraped
    catalogues where a title is most of the evidence, weighs these too lightly):
    - "Part I" and "Part II", "(12)" and "(13)": each title with a number the other lacks, and the
      titles not otherwise contained in one another (a number in one title only is left to the model:
      a scraped title carries report numbers);
    - two different DOIs;
    - no author in common (by initial and surname, or by the whole name in any order), and years
      more than one apart, or the same year in venues that disagree: the same title on another work
      (a preprint and its journal version are a year apart; a scraped venue is often wrong), or
      titles less than 85% alike."""
    if values[FEATURES.index("title_numbers_conflict")] and values[FEATURES.index("title_token_set")] < 1:
        return True
    if a.doi and b.doi and a.doi != b.doi:
        return True
    if a.names and b.names and not (a.author_keys & b.author_keys) and not (a.names & b.names):
        if values[FEATURES.index("surnames_in_other_text")] == 0 and values[FEATURES.index("title_ratio")] < 0.85:
            return True
        if a.year is None or b.year is None:
            return False
        return abs(a.year - b.year) > 1 or (a.year == b.year and values[FEATURES.index("venues_agree")] == 0)
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
    return _scored([(prepare(a), prepare(b)) for a, b in pairs])


def same_publication(a: dict, b: dict, threshold: float | None = None) -> bool:
    """Whether two records are one work; the threshold is the model's (chosen on the validation files)."""
    return decide([(prepare(a), prepare(b))], threshold)[0]


def _title_keys(title: str) -> tuple[str, str, str]:
    """The title's first and last EDGE_WORDS words, and the two longest of its first eight (long
    words are rare ones), stopwords and years left out: a scraped title loses its start ("xtrie :
    efficient filtering ...") or its end (". to appear at the"), a dirty one gains a venue or year at
    the end; seldom all at once."""
    words = [w for w in title.split() if w not in _STOPWORDS and not _YEAR.fullmatch(w)]
    longest = sorted(sorted(set(words[:8]), key=lambda w: (-len(w), w))[:2])
    return " ".join(words[:EDGE_WORDS]), " ".join(words[-EDGE_WORDS:]), " ".join(longest)


def block_keys(record: dict) -> list[str]:
    """A DOI, the folded title, its first and last words and its two longest words."""
    keys = []
    title = _text(record.get("title"))
    if record.get("doi"):
        keys.append(block_key("doi", record["doi"].lower()))
    if title:
        start, end, longest = _title_keys(title)
        keys.extend(dict.fromkeys([block_key("title", title), block_key("start", start), block_key("end", end),
                                   block_key("long", longest)]))
    return keys


def compared_blocks(blocks: dict[str, list[dict]]) -> Iterator[tuple[str, list[dict]]]:
    """The blocks whose pairs are compared: a block of title starts or ends with more than MAX_BLOCK
    members is a common phrase ("a survey of"), not evidence, and is skipped (its records still meet
    through their other keys)."""
    for key, members in blocks.items():
        if len(members) <= MAX_BLOCK or block_kind(key) not in ("start", "end", "long"):
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
    decided = dict(zip(candidates, decide(list(candidates.values()))))
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
    return {name: value.strip() for name, value in zip(parts[1::2], parts[2::2])}


def read_labelled_pairs(path) -> list[tuple[dict, dict, int]]:
    """Magellan/Ditto labelled pairs: record TAB record TAB 0|1 per line."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[2].strip() not in ("0", "1"):
                raise ValueError(f"{path}, line {number}: expected `record<TAB>record<TAB>0|1`, "
                                 f"got {len(parts)} tab-separated fields")
            pairs.append((parse_ditto_record(parts[0]), parse_ditto_record(parts[1]), int(parts[2])))
    return pairs
