"""Writes tests/task_pairs.csv, the labelled duplicate-task pairs, from the hand-written registrations
of tests/task_pairs_topics.py: `.venv/bin/python -m tests.task_pairs_build`.

How the set is built (label 1 = the same work):
- positives: each topic's two hand-written registrations; the second again as an officer might type
  it (no diacritics, capitals, abbreviations, a typo, the body's short or former name, the investigator
  with initials); the same work re-registered under the body that succeeded the first (ministries
  merged on 1 March 2025, provinces on 1 July 2025), or under "UBND tỉnh" / "Sở KH&CN tỉnh" of one
  province; a colleague at the same host registering it; a recurring task entered twice the same year;
- hard negatives, all with the same host and investigator and close years: the topic for another
  crop, animal, disease or object; for another place; its phase 2 ("giai đoạn 2"); the same
  investigator's other topic; a national task and the provincial pilot applying it; a recurring
  annual task of the next year.
Pair ids start with `d` (topics used while developing the matcher) or `h` (every third topic, held
out while the rules were written; their errors were looked at twice, and the rule for a letter left
out came from one of them).
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

from sources.reference import load_provinces
from sources.vietnamese import strip_diacritics
from tests.task_pairs_topics import ANNUAL, NATIONAL_AND_PILOT, TOPICS
from warehouse.matching.task_pairs import HEADER

OUT = Path(__file__).with_name("task_pairs.csv")

# How officers shorten words of titles and names (written from registrations, not from the demo).
SHORT = [
    ("khoa học và công nghệ", "KH&CN"),
    ("Khoa học và Công nghệ", "KH&CN"),
    ("tiến bộ kỹ thuật", "TBKT"),
    ("Đồng bằng sông Cửu Long", "ĐBSCL"),
    ("công nghệ thông tin", "CNTT"),
    ("biến đổi khí hậu", "BĐKH"),
    ("trung học cơ sở", "THCS"),
    ("sản xuất", "SX"),
    ("Thành phố Hồ Chí Minh", "TP.HCM"),
    ("chất lượng cao", "CLC"),
    ("dân tộc thiểu số", "DTTS"),
    ("Nghiên cứu", "NC"),
    ("Trung tâm", "TT"),
    ("Trường Đại học", "ĐH"),
    ("Viện Nghiên cứu", "Viện NC"),
    ("Ủy ban nhân dân", "UBND"),
    ("Nông nghiệp và Phát triển nông thôn", "NN&PTNT"),
    ("Tài nguyên và Môi trường", "TN&MT"),
    ("Sở Khoa học và Công nghệ", "Sở KH&CN"),
    ("Việt Nam", "VN"),
    ("thành phố", "TP."),
]
# Ministries merged on 1 March 2025 (Resolution 176/2025/QH15) and the body that took each over.
SUCCESSOR_MINISTRY = {
    "Bộ Nông nghiệp và Phát triển nông thôn": "Bộ Nông nghiệp và Môi trường",
    "Bộ Tài nguyên và Môi trường": "Bộ Nông nghiệp và Môi trường",
    "Bộ Thông tin và Truyền thông": "Bộ Khoa học và Công nghệ",
    "Bộ Kế hoạch và Đầu tư": "Bộ Tài chính",
    "Ủy ban Dân tộc": "Bộ Dân tộc và Tôn giáo",
}
FORMER_NAMES = {
    "Bộ Nông nghiệp và Môi trường": "Bộ Nông nghiệp và Phát triển nông thôn",
    "Bộ Khoa học và Công nghệ": "Bộ Khoa học và Công nghệ",
    "Bộ Tài chính": "Bộ Kế hoạch và Đầu tư",
}
PROVINCE = re.compile(r"^(UBND|Sở KH&CN|Ủy ban nhân dân|Sở Khoa học và Công nghệ) (tỉnh |thành phố |TP\. )?(.+)$")


def _short_province(name: str) -> str:
    return name.replace("Thành phố ", "").replace("Tỉnh ", "")


def _successor_provinces() -> dict[str, str]:
    rows = load_provinces()
    current = {r["province_code"]: r["name"] for r in rows if r["valid_to"] is None}
    return {_short_province(r["name"]): current[r["successor_code"]] for r in rows if r["valid_to"]}


SUCCESSOR_PROVINCE = _successor_provinces()


def shorten(text: str, rng: random.Random, share: float = 0.7) -> str:
    for long, short in SHORT:
        if long in text and rng.random() < share:
            text = text.replace(long, short)
    return text


def typo(text: str, rng: random.Random) -> str:
    words = text.split()
    i = rng.choice([k for k, w in enumerate(words) if len(w) >= 4] or [0])
    w = words[i]
    j = rng.randrange(1, len(w) - 1) if len(w) > 2 else 0
    words[i] = rng.choice(
        [w[:j] + w[j + 1 :], w[:j] + w[j + 1] + w[j] + w[j + 2 :] if j + 2 <= len(w) else w, w[:j] + w[j] + w[j:]]
    )
    return " ".join(words)


def officer_title(title: str, rng: random.Random) -> str:
    """The title as a second officer might type it: one or two of the habits below."""
    for habit in rng.sample(["plain", "caps", "short", "typo", "quote", "commas"], k=2):
        if habit == "plain":
            title = strip_diacritics(title)
        elif habit == "caps":
            title = title.upper()
        elif habit == "short":
            title = shorten(title, rng)
        elif habit == "typo":
            title = typo(title, rng)
        elif habit == "quote":
            title = f"“{title}”"
        else:
            title = title.replace(", ", " ").replace(" và ", ", ")
    return title


def officer_person(name: str, rng: random.Random) -> str:
    bare = re.sub(r"^((GS|PGS|TS|ThS|KS|BS|BSCKII|CN)\.\s?)+", "", name).strip()
    words = bare.split()
    choice = rng.random()
    if choice < 0.3:
        return strip_diacritics(bare)
    if choice < 0.5 and len(words) >= 3:
        return ".".join(w[0] for w in words[:-1]) + ". " + words[-1]
    if choice < 0.7:
        return rng.choice(["TS. ", "ThS. ", "PGS.TS. ", "KS. "]) + bare
    return bare


def officer_body(body: str, rng: random.Random) -> str:
    body = shorten(body, rng, 0.8)
    return strip_diacritics(body) if rng.random() < 0.2 else body


def successor_body(body: str) -> str | None:
    if body in SUCCESSOR_MINISTRY:
        return SUCCESSOR_MINISTRY[body]
    match = PROVINCE.match(body)
    if match and match.group(3) in SUCCESSOR_PROVINCE:
        return "UBND " + SUCCESSOR_PROVINCE[match.group(3)].replace("Tỉnh ", "tỉnh ").replace(
            "Thành phố ", "thành phố "
        )
    return None


def _row(pair_id: str, label: int, a: dict, b: dict) -> list:
    side = lambda r: [r["title"], r["host"], r["pi"], r["body"], r["level"], r["start"], r["end"] or ""]  # noqa: E731
    return [pair_id, label, *side(a), *side(b)]


def topic_pairs(topic: dict, others: list[dict], rng: random.Random) -> list[tuple[int, dict, dict]]:
    a, b = topic["a"], topic["b"]
    same_people = lambda r: dict(r, host=a["host"], pi=officer_person(a["pi"], rng))  # noqa: E731
    pairs = [
        (1, a, b),
        (
            1,
            a,
            dict(
                b,
                title=officer_title(b["title"], rng),
                host=shorten(b["host"], rng),
                pi=officer_person(b["pi"], rng),
                body=officer_body(b["body"], rng),
            ),
        ),
    ]
    later = successor_body(a["body"])
    if later:  # re-registered under the body that took the first one over, the task still running
        first = dict(a, start=2024, end=2025)
        pairs.append(
            (
                1,
                first,
                dict(
                    first, title=officer_title(a["title"], rng), body=later, end=2026, pi=officer_person(a["pi"], rng)
                ),
            )
        )
    if rng.random() < 0.4:  # a colleague at the same host registers it elsewhere
        pairs.append((1, a, dict(b, host=a["host"], pi=rng.choice(others)["a"]["pi"])))
    close = lambda: a["start"] + rng.choice([0, 0, 1])  # noqa: E731
    if topic.get("swap"):
        old, new = topic["swap"]
        pairs.append(
            (
                0,
                a,
                same_people(
                    dict(
                        a,
                        title=a["title"].replace(old, new),
                        start=close(),
                        end=a["end"] + 1,
                        body=rng.choice([a["body"], b["body"]]),
                    )
                ),
            )
        )
    if topic.get("place"):
        old, new = topic["place"]
        pairs.append((0, a, same_people(dict(a, title=a["title"].replace(old, new), start=close(), end=a["end"] + 1))))
    phase = rng.choice([", giai đoạn 2", " (giai đoạn II)", " - Giai đoạn 2", " giai đoạn 2"])
    phase_start = rng.choice([a["end"], a["start"] + 1])
    pairs.append((0, a, same_people(dict(a, title=a["title"] + phase, start=phase_start, end=phase_start + 2))))
    other = rng.choice([t for t in others if t is not topic])["a"]
    pairs.append((0, a, same_people(dict(other, start=close(), end=a["end"], body=a["body"], level=a["level"]))))
    return pairs


def annual_pairs(task: dict, rng: random.Random) -> list[tuple[int, dict, dict]]:
    year = task["start"]
    nxt = dict(
        task,
        title=task["title"].replace(str(year), str(year + 1)),
        start=year + 1,
        end=year + 1,
        pi=officer_person(task["pi"], rng),
    )
    twin = dict(
        task,
        title=officer_title(task["title"], rng),
        host=shorten(task["host"], rng),
        pi=officer_person(task["pi"], rng),
        body=officer_body(task["body"], rng),
    )
    return [(0, task, nxt), (1, task, twin)]


def build(seed: int = 15) -> list[list]:
    rng = random.Random(seed)
    rows = []
    groups = [topic_pairs(t, TOPICS, rng) for t in TOPICS]
    groups += [annual_pairs(t, rng) for t in ANNUAL]
    groups += [[(0, national, pilot)] for national, pilot in NATIONAL_AND_PILOT]
    for i, group in enumerate(groups):
        held_out = "h" if i % 3 == 2 else "d"
        for j, (label, a, b) in enumerate(group):
            first, second = (a, b) if rng.random() < 0.5 else (b, a)
            rows.append(_row(f"{held_out}{i:03d}-{j}", label, first, second))
    return rows


def main() -> None:
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(build())


if __name__ == "__main__":
    main()
