"""Duplicate S&T tasks: the same work registered by more than one managing body or level.

Candidate pairs share a resolved host organisation or principal investigator (the blocks). A pair
is a candidate duplicate when its titles, in Vietnamese normal form with the usual rewordings of
registrations folded together ("Nghiên cứu ứng dụng" / "Ứng dụng", "hệ thống" / "hệ", "tại" / "ở"
...), are nearly the same, its implementation starts within a year of the other's, and it was registered under a
different managing body or level (another investigator needs another body). The score adds the evidence; the reasons say it in words for the
reviewer. Pairs join into clusters (the same work registered three times is one cluster).
"""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass, fields
from typing import Iterator

from rapidfuzz import fuzz, process

from sources.vietnamese import fold
from warehouse.matching.blocking import Edge, block_key, group_blocks, ident, shared
from warehouse.matching.clusters import cluster_ids, clusters

# Rewordings registrations of one work use, folded; each phrase maps to one canonical wording.
TITLE_REWORDINGS = [
    ("nghien cuu ung dung", "ung dung"), ("nghien cuu phat trien", "phat trien"),
    ("nghien cuu danh gia", "danh gia"), ("thiet lap", "xay dung"),
    ("hoan thien quy trinh cong nghe", "hoan thien cong nghe"), ("quy trinh cong nghe", "quy trinh"),
    ("he thong", "he"), ("nang cao", "tang"), ("dap ung", "phuc vu"), ("o", "tai"),
]
_REWORDING = re.compile(r"\b(" + "|".join(re.escape(a) for a, _ in TITLE_REWORDINGS) + r")\b")
_CANONICAL = dict(TITLE_REWORDINGS)
# Titles this similar (0-100, after rewording) describe the same work; measured on the demo data.
TITLE_SIMILARITY = 95
MAX_START_YEARS_APART = 1
# What incremental builds compare with the last build's: a change here makes the next build a full one.
VERSION = f"tasks 1, {TITLE_SIMILARITY} {MAX_START_YEARS_APART} {TITLE_REWORDINGS}"


def title_key(title: str | None) -> str:
    """Folded title with the usual rewordings replaced by one wording."""
    return _REWORDING.sub(lambda m: _CANONICAL[m.group(1)], fold(title) or "")


@dataclass(frozen=True)
class DuplicatePair:
    a: tuple[str, str]
    b: tuple[str, str]
    score: float
    title_similarity: float
    same_pi: bool
    reasons_vi: str
    reasons_en: str


def _years(task: dict) -> tuple[int, int] | None:
    start = task.get("start_year")
    if start is None:
        return None
    return start, max(task.get("end_year") or start, start)


def _compare(a: dict, b: dict, similarity: float) -> DuplicatePair | None:
    ya, yb = _years(a), _years(b)
    if ya is None or yb is None:
        return None
    # A second registration of one work starts within a year of the first (before or after it ends).
    if abs(ya[0] - yb[0]) > MAX_START_YEARS_APART:
        return None
    first, last = min(ya[0], yb[0]), max(ya[1], yb[1])
    other_body = a.get("managing_body") != b.get("managing_body")
    other_level = a.get("level") != b.get("level")
    if not (other_body or other_level):
        return None
    same_pi = a.get("pi") is not None and a.get("pi") == b.get("pi")
    if not same_pi and not other_body:
        # One body running a topic again at another level under another investigator is routine
        # (a follow-on project), not double funding: another investigator needs another body.
        return None
    same_host = a.get("host") is not None and a.get("host") == b.get("host")
    vi = [f"tên gần trùng ({similarity:.0f}%)"]
    en = [f"titles nearly the same ({similarity:.0f}%)"]
    if same_pi:
        vi.append("cùng chủ nhiệm")
        en.append("same principal investigator")
    elif same_host:
        vi.append("chủ nhiệm khác, cùng tổ chức chủ trì")
        en.append("another principal investigator at the same host")
    if same_host and same_pi:
        vi.append("cùng tổ chức chủ trì")
        en.append("same host organisation")
    vi.append(f"thời gian thực hiện gần nhau (bắt đầu {ya[0]} / {yb[0]}, trong {first}-{last})")
    en.append(f"close implementation periods (start {ya[0]} / {yb[0]}, within {first}-{last})")
    if other_body:
        vi.append(f"cơ quan quản lý khác nhau ({a.get('managing_body')} / {b.get('managing_body')})")
        en.append(f"different managing bodies ({a.get('managing_body')} / {b.get('managing_body')})")
    if other_level:
        vi.append(f"cấp khác nhau ({a.get('level')} / {b.get('level')})")
        en.append(f"different levels ({a.get('level')} / {b.get('level')})")
    score = 0.6 * similarity / 100 + 0.2 * same_pi + 0.1 * same_host + 0.1 * (other_body or other_level)
    return DuplicatePair((a["source_system"], a["source_id"]), (b["source_system"], b["source_id"]),
                         round(score, 4), similarity, same_pi, "; ".join(vi), "; ".join(en))


# What an edge carries besides its two tasks.
DETAILS = tuple(f.name for f in fields(DuplicatePair))[2:]


def block_keys(task: dict) -> list[str]:
    """The resolved host organisation and principal investigator."""
    return [block_key(kind, task[kind]) for kind in ("host", "pi") if task.get(kind)]


def block_edges(blocks: dict[str, list[dict]]) -> Iterator[Edge]:
    """Candidate pairs of each block, (a, b) in the order of the block's members, details in the order
    of DETAILS; a pair met again in another block is not compared again."""
    keys, decided = {}, {}
    for block, members in blocks.items():
        titles = [keys.setdefault(ident(t), title_key(t.get("title"))) for t in members]
        scores = process.cdist(titles, titles, scorer=fuzz.ratio, score_cutoff=TITLE_SIMILARITY)
        for x, y in zip(*scores.nonzero()):
            if x >= y:
                continue
            a, b = members[x], members[y]
            pair = ident(a), ident(b)
            if pair not in decided:
                decided[pair] = _compare(a, b, float(scores[x, y]))
            if decided[pair]:
                yield block, *pair, astuple(decided[pair])[2:]


def find_task_duplicates(tasks: list[dict]) -> tuple[list[DuplicatePair], dict[tuple[str, str], str]]:
    """Candidate duplicate pairs and {(source_system, source_id): cluster_id} of the tasks in them.

    Each task carries source_system, source_id, title, level, managing_body, start_year, end_year,
    and `host` / `pi`: its resolved organisation and researcher ids (or None)."""
    pairs = {(a, b): DuplicatePair(a, b, *details)
             for _, a, b, details in block_edges(shared(group_blocks(tasks, block_keys)))}
    return sorted(pairs.values(), key=lambda p: (-p.score, p.a, p.b)), cluster_ids(clusters((), pairs), "TRUNG")


def with_resolved_ids(tasks: list[dict], org_ids: dict, researcher_ids: dict) -> list[dict]:
    """Tasks with `host` and `pi` set from their source ids through the organisation and researcher matches."""
    return [{**t, "host": org_ids.get((t["source_system"], t.get("host_org_source_id"))),
             "pi": researcher_ids.get((t["source_system"], t.get("pi_source_id")))} for t in tasks]
