"""Labelled duplicate-task pairs (`csdl match-eval --task-pairs FILE`): reading the file and resolving
the names written in it to the ids the duplicate-task matcher compares.

FILE is UTF-8 CSV with the header HEADER; label 1 means the same work. Hosts, investigators and
managing bodies are names as written at registration, abbreviated or without diacritics: each pair
resolves its own, as the organisation and researcher matchers would with a registry behind them.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from rapidfuzz import fuzz

from sources.vietnamese import fold
from warehouse.matching.managing_bodies import body_code
from warehouse.matching.task_titles import expand_acronyms
from warehouse.names import org_key

HEADER = [
    "pair_id",
    "label",
    "a_title",
    "a_host",
    "a_investigator",
    "a_managing_body",
    "a_level",
    "a_start_year",
    "a_end_year",
    "b_title",
    "b_host",
    "b_investigator",
    "b_managing_body",
    "b_level",
    "b_start_year",
    "b_end_year",
]
LEVELS = ("QG", "BO", "TINH", "CS")
# Degrees and titles written before a name: "PGS.TS.", "ThS.", "BSCKII." ...
_DEGREES = re.compile(r"^(?:(?:gs|pgs|ts|tskh|ths|ks|bs|bsck|bscki|bsckii|ds|cn|ncs|kts|ls)\s+)+")
# Conventional shortenings that do not spell first letters.
_HOST_WORDS = {"tw": "trung uong", "hcm": "ho chi minh", "tphcm": "thanh pho ho chi minh"}
HOST_SIMILARITY = 90


def _person_words(name: str | None) -> list[str]:
    return _DEGREES.sub("", fold(name) or "").split()


def same_person(a: str | None, b: str | None) -> bool:
    """One investigator: the same words in any order, or in order with initials for some ("N.V. An")."""
    wa, wb = _person_words(a), _person_words(b)
    if not wa or not wb:
        return False
    if sorted(wa) == sorted(wb):
        return True
    if len(wa) != len(wb) or wa[-1] != wb[-1]:
        return False
    return all(x == y or (min(len(x), len(y)) == 1 and x[0] == y[0]) for x, y in zip(wa[:-1], wb[:-1], strict=False))


def _host_words(name: str | None, other: str | None) -> list[str]:
    words = " ".join(_HOST_WORDS.get(w, w) for w in (org_key(name) or "").split()).split()
    return expand_acronyms(words, (org_key(other) or "").split())


def same_host(a: str | None, b: str | None) -> bool:
    """One organisation: the same key after abbreviation expansion, or one name the other's with a
    word or two added ("... Việt Nam", "tỉnh X", the parent after a comma)."""
    if not a or not b:
        return False
    wa, wb = " ".join(_host_words(a, b)), " ".join(_host_words(b, a))
    if wa == wb:
        return True
    contained = fuzz.token_set_ratio(wa, wb) >= 100 and min(len(wa), len(wb)) >= 12
    return contained or fuzz.ratio(wa, wb) >= HOST_SIMILARITY


def _year(value: str, path: Path, line: int, column: str) -> int | None:
    value = (value or "").strip()
    if not value and column.endswith("end_year"):
        return None
    if not re.fullmatch(r"(19|20)\d\d", value):
        raise ValueError(f"{path}, line {line}, {column}: {value!r} is not a year / không phải là năm")
    return int(value)


def read_task_pairs(path: Path) -> list[tuple[str, int, dict, dict]]:
    """(pair_id, label, a, b) with a and b as the matcher reads a task, names not yet resolved."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in HEADER if c not in header]
        if missing:
            raise ValueError(
                f"{path}: the header lacks {', '.join(missing)} / thiếu cột {', '.join(missing)} "
                f"(expected / cần: {','.join(HEADER)})"
            )
        pairs = []
        for line, row in enumerate(reader, start=2):
            if row.get("label") not in ("0", "1"):
                raise ValueError(
                    f"{path}, line {line}, label: {row.get('label')!r} is not 0 or 1 / nhãn phải là 0 hoặc 1"
                )
            sides = []
            for side in "ab":
                level = (row[f"{side}_level"] or "").strip().upper()
                if level not in LEVELS:
                    raise ValueError(
                        f"{path}, line {line}, {side}_level: {level!r} is not one of {', '.join(LEVELS)} "
                        f"/ cấp phải là một trong {', '.join(LEVELS)}"
                    )
                sides.append(
                    {
                        "source_system": side,
                        "source_id": row["pair_id"],
                        "title": row[f"{side}_title"],
                        "host_name": row[f"{side}_host"],
                        "pi_name": row[f"{side}_investigator"],
                        "managing_body_name": row[f"{side}_managing_body"],
                        "level": level,
                        "start_year": _year(row[f"{side}_start_year"], path, line, f"{side}_start_year"),
                        "end_year": _year(row[f"{side}_end_year"], path, line, f"{side}_end_year"),
                    }
                )
            pairs.append((row["pair_id"], int(row["label"]), *sides))
    return pairs


def resolved(a: dict, b: dict) -> tuple[dict, dict]:
    """The pair with `host`, `pi` and `managing_body` resolved from the names: one id for both sides
    when the names are one organisation, one person, and each body's code at its start year."""
    ids = {}
    for kind, same in (("host", same_host), ("pi", same_person)):
        name_a, name_b = a[f"{kind}_name"], b[f"{kind}_name"]
        ids[kind] = (
            f"{kind}-a" if name_a else None,
            (f"{kind}-a" if same(name_a, name_b) else f"{kind}-b") if name_b else None,
        )
    return tuple(
        {
            **t,
            "host": ids["host"][i],
            "pi": ids["pi"][i],
            "managing_body": body_code(t["managing_body_name"], t["start_year"]),
        }
        for i, t in enumerate((a, b))
    )
