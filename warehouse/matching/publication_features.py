"""What the publication model reads of a pair of records: similarities that hold on catalogues we did
not make.

A missing year, venue or author list is missing (NaN), not "different"; the whole record's text is
compared beside each attribute, so a venue or year moved into the title still counts; years are
looked for anywhere in the record; authors compare by surname and initial, so "s guha" meets
"sudipto guha". Words weigh by their rarity (IDF) in the benchmark training catalogues
(`publication_idf.json`, written with the model by `bench/tune_publication_matcher.py`): a
title differing by "extended version" is closer than one differing by "xml". Different numbers in
titles ("part i" / "part ii") are different works.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from rapidfuzz import fuzz

from warehouse.matching.publication_text import (
    YEAR,
    folded_venues_agree,
    text,
    title_numbers,
    venue_family,
    year_of,
)
from warehouse.matching.publication_text import authors as author_names

NAN = float("nan")
FEATURES = (
    "title_ratio",
    "title_token_set",
    "title_token_sort",
    "title_partial",
    "title_jaccard",
    "title_containment",
    "text_token_set",
    "text_token_sort",
    "text_jaccard",
    "text_containment",
    "title_in_other_text",
    "surname_overlap",
    "surname_jaccard",
    "first_author_found",
    "author_key_overlap",
    "authors_token_set",
    "author_count_ratio",
    "surnames_in_other_text",
    "same_year",
    "years_apart",
    "a_year_in_common",
    "venues_agree",
    "venue_token_set",
    "title_numbers_conflict",
    "title_length_ratio",
    "title_idf_cosine",
    "text_idf_cosine",
    "title_idf_unmatched",
    "title_words_unmatched",
    "title_partial_in_text",
    "title_edge_overlap",
    "nearest_years_apart",
    "surname_prefixes_found",
    "title_words",
    "venue_families_agree",
    "venue_kinds_agree",
    "core_title_ratio",
    "core_title_token_set",
    "core_title_jaccard",
)
IDF_PATH = Path(__file__).with_name("publication_idf.json")


@lru_cache(maxsize=1)
def _idf_table() -> tuple[dict[str, float], float]:
    """{word: smoothed IDF} and the IDF of a word the training catalogues had at most once (a rare one)."""
    data = json.loads(IDF_PATH.read_text(encoding="utf-8")) if IDF_PATH.exists() else {"records": 1, "df": {}}
    records = int(data["records"])
    return ({w: math.log((records + 1) / (n + 1)) + 1 for w, n in data["df"].items()}, math.log((records + 1) / 2) + 1)


def _weights(words) -> dict[str, float]:
    table, rare = _idf_table()
    return {w: table.get(w, rare) for w in words}


class Prepared(NamedTuple):
    """What the features read of one record, computed once per record."""

    title: str
    title_list: tuple
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
    title_weights: dict  # word -> IDF
    text_weights: dict
    title_norm: float  # Euclidean norm of the IDF vector
    text_norm: float
    family: str | None  # of the venue, or of the whole record where the venue is empty (moved into the title)
    kind: str | None
    other_words: frozenset  # words of the authors, venue and year and not of the title
    word_starts: frozenset  # the first four letters of each word of four letters or more


def prepare(record: dict) -> Prepared:
    title = text(record.get("title"))
    authors = author_names(record.get("authors", record.get("creators")))
    venue = text(record.get("venue"))
    year = year_of(record.get("year"))
    whole = " ".join(p for p in (title, " ".join(authors), venue, str(year or "")) if p)
    title_list = tuple(title.split())
    # A surname is a name's last word in Western order and its first in Vietnamese order: both are kept,
    # and so is the initial-and-last-word key that an abbreviated "s guha" shares with "sudipto guha".
    surnames = frozenset(w for n in authors for w in (n.split()[-1], n.split()[0]) if len(w) > 1)
    keys = frozenset(f"{n.split()[0][0]} {n.split()[-1]}" for n in authors)
    years = frozenset(int(m.group(1)) for m in YEAR.finditer(whole))
    text_words = frozenset(whole.split())
    text_weights = _weights(text_words)
    title_weights = {w: text_weights[w] for w in title_list}
    family, kind = venue_family(venue or whole)
    other_words = text_words - frozenset(title_list)
    word_starts = frozenset(w[:4] for w in text_words if len(w) >= 4)
    return Prepared(
        title,
        title_list,
        frozenset(title_list),
        title_numbers(list(title_list)),
        whole,
        text_words,
        " ".join(authors),
        surnames,
        keys,
        len(authors),
        frozenset(w for w in authors[0].split() if len(w) > 1) if authors else frozenset(),
        frozenset(" ".join(sorted(n.split())) for n in authors),
        (record.get("doi") or "").lower(),
        venue,
        year,
        years,
        title_weights,
        text_weights,
        math.sqrt(math.fsum(v * v for v in title_weights.values())),
        math.sqrt(math.fsum(v * v for v in text_weights.values())),
        family,
        kind,
        other_words,
        word_starts,
    )


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else NAN


def _containment(a: frozenset, b: frozenset) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else NAN


def _ratio(scorer, a: str, b: str) -> float:
    return scorer(a, b) / 100 if a and b else NAN


def _found_in(words: frozenset, text_words: frozenset) -> float:
    return len(words & text_words) / len(words) if words else NAN


def _cosine(a: dict, b: dict, norm_a: float, norm_b: float) -> float:
    if not a or not b:
        return NAN
    small, large = (a, b) if len(a) < len(b) else (b, a)
    # fsum: exact whatever the order, and a set's order changes with the process's string hashing
    return math.fsum(v * v for w, v in small.items() if w in large) / (norm_a * norm_b)


def _unmatched(a: Prepared, b: Prepared) -> tuple[float, float]:
    """The IDF share and the number of title words of either record found nowhere in the other
    record (the larger of the two sides): a version with another subtitle, a word of another work."""
    shares, counts = [], []
    for x, y in ((a, b), (b, a)):
        if x.title_weights and y.text_words:
            missing = [v for w, v in x.title_weights.items() if w not in y.text_words]
            shares.append(sum(missing) / sum(x.title_weights.values()))
            counts.append(len(missing))
    return (max(shares), float(max(counts))) if shares else (NAN, NAN)


def _edge_overlap(a: tuple, b: tuple) -> float:
    """How much of the shorter title the other starts or ends with, in words (a scraped title lost
    its start or end; a dirty one gained a venue at its end)."""
    if not a or not b:
        return NAN
    n = min(len(a), len(b))
    prefix = next((i for i in range(n) if a[i] != b[i]), n)
    suffix = next((i for i in range(n) if a[-1 - i] != b[-1 - i]), n)
    return max(prefix, suffix) / n


def _surname_prefixes_found(a: Prepared, b: Prepared) -> float:
    """The share of one record's surnames whose first four letters start a word of the other record
    (a misspelt or mangled ending: "goldring", "kotodis"), the better side."""
    found = []
    for x, y in ((a, b), (b, a)):
        if x.surnames and y.text_words:
            found.append(sum(s[:4] in y.word_starts for s in x.surnames if len(s) >= 4) / len(x.surnames))
    return max(found) if found else NAN


def _core_titles(a: Prepared, b: Prepared) -> tuple[str, str]:
    """Each title without the words that are the other record's authors, venue or year: a record
    with values moved into its title ("diluting acid acm sigmod record tim kempster") keeps its own."""
    return (
        " ".join(w for w in a.title_list if w not in b.other_words),
        " ".join(w for w in b.title_list if w not in a.other_words),
    )


def prepared_features(a: Prepared, b: Prepared) -> list[float]:
    """Pair features in the order of FEATURES; NaN where a record lacks what a feature compares."""
    ta, tb = a.title, b.title
    in_other = [v for v in (_found_in(a.title_words, b.text_words), _found_in(b.title_words, a.text_words)) if v == v]
    surnames_found = [
        v
        for v in (
            _found_in(a.surnames, b.text_words) if a.surnames else NAN,
            _found_in(b.surnames, a.text_words) if b.surnames else NAN,
        )
        if v == v
    ]
    both_years = a.year is not None and b.year is not None
    unmatched_share, unmatched_count = _unmatched(a, b)
    shorter, longer = (a, b) if len(ta) <= len(tb) else (b, a)
    ca, cb = _core_titles(a, b)
    return [
        _ratio(fuzz.ratio, ta, tb),
        _ratio(fuzz.token_set_ratio, ta, tb),
        _ratio(fuzz.token_sort_ratio, ta, tb),
        _ratio(fuzz.partial_ratio, ta, tb),
        _jaccard(a.title_words, b.title_words),
        _containment(a.title_words, b.title_words),
        _ratio(fuzz.token_set_ratio, a.text, b.text),
        _ratio(fuzz.token_sort_ratio, a.text, b.text),
        _jaccard(a.text_words, b.text_words),
        _containment(a.text_words, b.text_words),
        max(in_other) if in_other else NAN,
        _containment(a.surnames, b.surnames),
        _jaccard(a.surnames, b.surnames),
        float(bool(a.first_author & b.surnames) or bool(b.first_author & a.surnames))
        if a.surnames and b.surnames
        else NAN,
        _containment(a.author_keys, b.author_keys),
        _ratio(fuzz.token_set_ratio, a.authors, b.authors),
        min(a.author_count, b.author_count) / max(a.author_count, b.author_count)
        if a.author_count and b.author_count
        else NAN,
        max(surnames_found) if surnames_found else NAN,
        float(a.year == b.year) if both_years else NAN,
        float(abs(a.year - b.year)) if both_years else NAN,
        float(bool(a.years & b.years)) if a.years and b.years else NAN,
        float(folded_venues_agree(a.venue, b.venue)) if a.venue and b.venue else NAN,
        _ratio(fuzz.token_set_ratio, a.venue, b.venue),
        float(bool(a.numbers - b.numbers) and bool(b.numbers - a.numbers)),
        min(len(ta), len(tb)) / max(len(ta), len(tb)) if ta and tb else NAN,
        _cosine(a.title_weights, b.title_weights, a.title_norm, b.title_norm),
        _cosine(a.text_weights, b.text_weights, a.text_norm, b.text_norm),
        unmatched_share,
        unmatched_count,
        _ratio(fuzz.partial_ratio, shorter.title, longer.text),
        _edge_overlap(a.title_list, b.title_list),
        float(min(abs(x - y) for x in a.years for y in b.years)) if a.years and b.years else NAN,
        _surname_prefixes_found(a, b),
        float(min(len(a.title_list), len(b.title_list))) if ta and tb else NAN,
        float(a.family == b.family) if a.family and b.family else NAN,
        float(a.kind == b.kind) if a.kind and b.kind else NAN,
        _ratio(fuzz.ratio, ca, cb),
        _ratio(fuzz.token_set_ratio, ca, cb),
        _jaccard(frozenset(ca.split()), frozenset(cb.split())),
    ]


def features(a: dict, b: dict) -> list[float]:
    """Pair features of two records carrying title, authors (a list or a comma-separated string) or
    creators, venue and year."""
    return prepared_features(prepare(a), prepare(b))
