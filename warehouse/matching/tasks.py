"""Duplicate S&T tasks: the same work registered more than once, and which of those registrations a
reviewer should see (the same work funded twice).

Candidate pairs share a resolved host organisation or principal investigator (the blocks). One rule,
`same_work`, decides that two registrations are one work: titles alike after the rewordings of
registrations (`task_titles`: openings dropped, abbreviations written out, word order), nothing that
must agree disagreeing (phase, year, place, crop or object, purpose, applying vs developing), starts
within a year, the same investigator or a colleague at the same host. `_compare` then lists a
same-work pair for review when it was registered under another managing body (not its predecessor
or successor: `managing_bodies`) or level; the score adds the evidence and the reasons say it in
words. Pairs join into clusters (the same work registered three times is one cluster).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import astuple, dataclass, fields

from rapidfuzz import fuzz, process

from warehouse.matching import managing_bodies, task_titles
from warehouse.matching.blocking import Edge, block_key, group_blocks, ident, shared
from warehouse.matching.clusters import cluster_ids, clusters
from warehouse.matching.managing_bodies import current_body, one_lineage

# Titles at least this alike (0-100, `task_titles.similarity`) are one work when the same investigator
# registered both, or this alike for another investigator at the same host. Chosen on the development
# half of tests/task_pairs.csv; listing a pair for review asks more of the weaker cases (`_compare`).
TITLE_SIMILARITY = 80
COLLEAGUE_TITLE_SIMILARITY = 90
LISTED_TITLE_SIMILARITY = 95
MAX_START_YEARS_APART = 1
# Pairs of a block are compared in full only when their folded titles share this much (token set ratio).
PREFILTER = 60
# What incremental builds compare with the last build's: a change here makes the next build a full one.
# The lineage of managing bodies is data (sources/reference/managing_bodies.csv): a new merger is a change too.
VERSION = (
    f"tasks 2, {managing_bodies.successors()} {TITLE_SIMILARITY} {COLLEAGUE_TITLE_SIMILARITY} {LISTED_TITLE_SIMILARITY} {MAX_START_YEARS_APART} {PREFILTER} "
    f"{task_titles.REWORDINGS} {task_titles.FILLER}"
)


def title_key(title: str | None) -> str:
    """Folded title with the usual rewordings replaced by one wording."""
    return task_titles.canonical(title)


@dataclass(frozen=True)
class DuplicatePair:
    a: tuple[str, str]
    b: tuple[str, str]
    score: float
    title_similarity: float
    same_pi: bool
    reasons_vi: str
    reasons_en: str


@dataclass(frozen=True)
class SameWork:
    """Why two registrations are one work: the evidence the reasons put in words."""

    similarity: float
    same_pi: bool
    same_host: bool
    years: tuple[tuple[int, int], tuple[int, int]]


def _years(task: dict) -> tuple[int, int] | None:
    start = task.get("start_year")
    if start is None:
        return None
    return start, max(task.get("end_year") or start, start)


def same_work(a: dict, b: dict) -> SameWork | None:
    """The one rule deciding that two registrations are the same work, whoever manages them: titles
    alike after rewording with nothing that must agree disagreeing (phase, year, place, crop),
    implementation starting within a year, the same investigator or a colleague at the same host
    with a still closer title."""
    ya, yb = _years(a), _years(b)
    if ya is None or yb is None or abs(ya[0] - yb[0]) > MAX_START_YEARS_APART:
        return None
    same_pi = a.get("pi") is not None and a.get("pi") == b.get("pi")
    same_host = a.get("host") is not None and a.get("host") == b.get("host")
    if not (same_pi or same_host):
        return None
    title_a, title_b = a.get("title") or "", b.get("title") or ""
    similarity = task_titles.similarity(title_a, title_b)
    if similarity < (TITLE_SIMILARITY if same_pi else COLLEAGUE_TITLE_SIMILARITY):
        return None
    after_merger = max(ya[0], yb[0]) > managing_bodies.MERGER_YEAR
    if task_titles.disagreement(title_a, title_b, after_merger):
        return None
    return SameWork(similarity, same_pi, same_host, (ya, yb))


def _compare(a: dict, b: dict) -> DuplicatePair | None:
    """A candidate for the reviewer: the same work under another body (not its predecessor or
    successor) or level, which is double funding; or re-registered under the body that took over."""
    work = same_work(a, b)
    if work is None:
        return None
    body_a, body_b = a.get("managing_body"), b.get("managing_body")
    lineage = one_lineage(body_a, body_b)
    other_level = a.get("level") != b.get("level")
    if body_a == body_b and not other_level:
        return None
    if not work.same_pi and lineage:
        # One body running a topic again under another investigator is routine (a follow-on project),
        # not double funding: another investigator needs another body.
        return None
    if (lineage or not work.same_pi) and task_titles.strict_similarity(
        a["title"] or "", b["title"] or ""
    ) < LISTED_TITLE_SIMILARITY:
        # The weaker cases (one body at two levels, which knows both registrations; a colleague at the
        # same host) are listed only when the whole titles, openings and purposes too, agree.
        return None
    (ya, yb), first, last = work.years, min(work.years[0][0], work.years[1][0]), max(work.years[0][1], work.years[1][1])
    vi = [f"tên gần trùng ({work.similarity:.0f}%)"]
    en = [f"titles nearly the same ({work.similarity:.0f}%)"]
    if work.same_pi:
        vi.append("cùng chủ nhiệm")
        en.append("same principal investigator")
    elif work.same_host:
        vi.append("chủ nhiệm khác, cùng tổ chức chủ trì")
        en.append("another principal investigator at the same host")
    if work.same_host and work.same_pi:
        vi.append("cùng tổ chức chủ trì")
        en.append("same host organisation")
    vi.append(f"thời gian thực hiện gần nhau (bắt đầu {ya[0]} / {yb[0]}, trong {first}-{last})")
    en.append(f"close implementation periods (start {ya[0]} / {yb[0]}, within {first}-{last})")
    if lineage and body_a != body_b:
        vi.append(f"cùng một cơ quan quản lý qua sắp xếp lại ({body_a} / {body_b}, nay là {current_body(body_a)})")
        en.append(f"one managing body through the reorganisation ({body_a} / {body_b}, now {current_body(body_a)})")
    elif not lineage:
        vi.append(f"cơ quan quản lý khác nhau ({body_a} / {body_b})")
        en.append(f"different managing bodies ({body_a} / {body_b})")
    if other_level:
        vi.append(f"cấp khác nhau ({a.get('level')} / {b.get('level')})")
        en.append(f"different levels ({a.get('level')} / {b.get('level')})")
    score = 0.6 * work.similarity / 100 + 0.2 * work.same_pi + 0.1 * work.same_host + 0.1 * (not lineage or other_level)
    return DuplicatePair(
        (a["source_system"], a["source_id"]),
        (b["source_system"], b["source_id"]),
        round(score, 4),
        work.similarity,
        work.same_pi,
        "; ".join(vi),
        "; ".join(en),
    )


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
        titles = [keys.setdefault(ident(t), task_titles.content_key(t.get("title"))) for t in members]
        scores = process.cdist(titles, titles, scorer=fuzz.ratio, score_cutoff=PREFILTER)
        for x, y in zip(*scores.nonzero(), strict=False):
            if x >= y:
                continue
            a, b = members[x], members[y]
            pair = ident(a), ident(b)
            if pair not in decided:
                decided[pair] = _compare(a, b)
            if decided[pair]:
                yield block, *pair, astuple(decided[pair])[2:]


def find_task_duplicates(tasks: list[dict]) -> tuple[list[DuplicatePair], dict[tuple[str, str], str]]:
    """Candidate duplicate pairs and {(source_system, source_id): cluster_id} of the tasks in them.

    Each task carries source_system, source_id, title, level, managing_body, start_year, end_year,
    and `host` / `pi`: its resolved organisation and researcher ids (or None)."""
    pairs = {
        (a, b): DuplicatePair(a, b, *details)
        for _, a, b, details in block_edges(shared(group_blocks(tasks, block_keys)))
    }
    return sorted(pairs.values(), key=lambda p: (-p.score, p.a, p.b)), cluster_ids(clusters((), pairs), "TRUNG")


def with_resolved_ids(tasks: list[dict], org_ids: dict, researcher_ids: dict) -> list[dict]:
    """Tasks with `host` and `pi` set from their source ids through the organisation and researcher matches."""
    return [
        {
            **t,
            "host": org_ids.get((t["source_system"], t.get("host_org_source_id"))),
            "pi": researcher_ids.get((t["source_system"], t.get("pi_source_id"))),
        }
        for t in tasks
    ]
