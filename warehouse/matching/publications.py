"""Publications: the same work from several repositories is one publication_id.

A pair of records is scored by a logistic model over rapidfuzz similarities of title, authors and
venue, year agreement and disagreeing numbers in the titles ("part i" / "part ii"). Its weights
were fitted on the DBLP-ACM training pairs and its threshold chosen on the validation pairs only
(`bench/tune_publication_matcher.py` reproduces them). Records are compared only inside blocks
that share a DOI or a folded title start and year, so the work grows with the records, not with
their square.
"""

from __future__ import annotations

import html
import math
import re
from itertools import combinations
from typing import Iterator

from rapidfuzz import fuzz

from sources.vietnamese import fold
from warehouse.matching.blocking import Edge, block_key, ident, match_in_blocks

FEATURES = ("title_ratio", "title_token_set", "title_partial", "authors_token_set", "author_overlap",
            "author_count_ratio", "same_year", "same_venue", "title_numbers_differ", "no_authors")
# Fitted by bench/tune_publication_matcher.py on ../shared/benchmarks/dblp-acm/train.txt.
WEIGHTS = (4.3251, 18.8679, -0.7558, 9.5509, -1.9573, 2.9459, 10.2906, 5.9780, -1.5905, 9.3253)
BIAS = -44.8672
# Chosen on ../shared/benchmarks/dblp-acm/valid.txt.
THRESHOLD = 0.60

# Venue names two catalogues give the same venue, learned from the matching DBLP-ACM training pairs
# (bench/tune_publication_matcher.py prints them); other venues agree when their folded names do,
# one is the initials of the other ("vldb"), or every word of one starts a word of the other.
VENUE_EQUIVALENTS = frozenset([
    ("acm sigmod record", "sigmod record"),
    ("acm trans database syst", "acm transactions on database systems tods"),
    ("international conference on management of data", "sigmod conference"),
    ("the vldb journal the international journal on very large data bases", "vldb j"),
    ("very large data bases", "vldb"),
])
_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"}
_NO_AUTHORS = {"", "?"}
# What incremental builds compare with the last build's: a change here makes the next build a full one.
VERSION = f"publications 1, {WEIGHTS} {BIAS} {THRESHOLD} {sorted(VENUE_EQUIVALENTS)}"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = " , ".join(str(v) for v in value)
    return fold(html.unescape(str(value))) or ""


def _authors(value) -> list[str]:
    if value is None:
        return []
    names = value if isinstance(value, (list, tuple)) else re.split(r"\s,\s|;", str(value))
    return [n for n in (_text(name) for name in names) if n not in _NO_AUTHORS]


def _name_words(names: list[str]) -> set[str]:
    """Words of the authors' names that identify them: initials and particles dropped."""
    return {w for name in names for w in name.split() if len(w) > 1}


def _numbers(title: str) -> set[str]:
    return {w for w in title.split() if w.isdigit() or w in _ROMAN}


def _initials(text: str) -> str:
    return "".join(w[0] for w in text.split() if w not in {"of", "on", "the", "and", "for"})


def venues_agree(a: str, b: str) -> bool:
    a, b = _text(a), _text(b)
    if not a or not b:
        return False
    if a == b or tuple(sorted((a, b))) in VENUE_EQUIVALENTS:
        return True
    short, long_ = sorted((a, b), key=len)
    if short.replace(" ", "") in (_initials(long_), long_.replace(" ", "")):
        return True
    words = long_.split()
    return all(any(w.startswith(s) for w in words) for s in short.split())


def features(a: dict, b: dict) -> list[float]:
    """Pair features in [0, 1], in the order of FEATURES; records carry title, authors (a list or
    a comma-separated string), venue and year."""
    ta, tb = _text(a.get("title")), _text(b.get("title"))
    aa, ab = _authors(a.get("authors", a.get("creators"))), _authors(b.get("authors", b.get("creators")))
    wa, wb = _name_words(aa), _name_words(ab)
    overlap = len(wa & wb) / min(len(wa), len(wb)) if wa and wb else 0.0
    ya, yb = str(a.get("year") or ""), str(b.get("year") or "")
    return [
        fuzz.ratio(ta, tb) / 100, fuzz.token_set_ratio(ta, tb) / 100, fuzz.partial_ratio(ta, tb) / 100,
        fuzz.token_set_ratio(" ".join(aa), " ".join(ab)) / 100, overlap,
        min(len(aa), len(ab)) / max(len(aa), len(ab)) if aa and ab else 0.0,
        float(bool(ya) and ya == yb), float(venues_agree(a.get("venue"), b.get("venue"))),
        float(_numbers(ta) != _numbers(tb)), float(not aa or not ab),
    ]


def probability(feature_values: list[float], weights=WEIGHTS, bias=BIAS) -> float:
    z = bias + sum(w * x for w, x in zip(weights, feature_values))
    return 1 / (1 + math.exp(-max(min(z, 50), -50)))


def ruled_out(values: list[float]) -> bool:
    """"Part I" and "Part II", "(12)" and "(13)": different numbers in titles that are not otherwise
    contained in one another are different works, however alike the rest; the model alone weighs
    this too lightly."""
    return bool(values[FEATURES.index("title_numbers_differ")]) and values[FEATURES.index("title_token_set")] < 1


def same_publication(a: dict, b: dict, threshold: float = THRESHOLD) -> bool:
    values = features(a, b)
    return not ruled_out(values) and probability(values) >= threshold


def block_keys(record: dict) -> list[str]:
    """A DOI, a folded title and year, or a first author, year and title start."""
    keys = []
    title = _text(record.get("title"))
    authors = _authors(record.get("authors", record.get("creators")))
    if record.get("doi"):
        keys.append(block_key("doi", record["doi"].lower()))
    if title:
        keys.append(block_key("title", title, record.get("year")))
        if authors:
            first = " ".join(sorted(authors[0].split()))
            keys.append(block_key("author", first, record.get("year"), " ".join(title.split()[:3])))
    return keys


def block_edges(blocks: dict[str, list[dict]]) -> Iterator[Edge]:
    """Every pair of a block the model calls one work; a pair met again in another block is not scored again."""
    decided = {}
    for key, members in blocks.items():
        for a, b in combinations(members, 2):
            pair = ident(a), ident(b)
            if pair not in decided:
                decided[pair] = same_publication(a, b)
            if decided[pair]:
                yield key, *pair, ()


def match_publications(records: list[dict]) -> dict[tuple[str, str], str]:
    """{(source_system, source_id): publication_id}; records carry title, creators, venue, year, doi."""
    return match_in_blocks(records, block_keys, block_edges, "PUB")


def parse_ditto_record(text: str) -> dict:
    """`COL title VAL ... COL authors VAL ...` -> {"title": ..., "authors": ...}."""
    return {m.group(1): m.group(2).strip()
            for m in re.finditer(r"COL (\S+) VAL (.*?)(?= COL \S+ VAL |$)", text.strip())}


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
