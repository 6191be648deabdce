"""Source records of a generated demo dataset, shaped like the staging rows the matchers read,
with the generator's ground truth; for `csdl match-eval` and the benchmarks."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterator


def _jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def ministry_records(demo_dir: Path, resource: str) -> list[dict]:
    records = []
    for path in sorted((Path(demo_dir) / "ministries").glob(f"*/{resource}.jsonl")):
        for rec in _jsonl(path):
            records.append({**rec, "source_system": path.parent.name})
    return records


def organizations(demo_dir: Path) -> list[dict]:
    return ministry_records(demo_dir, "organizations")


def researchers(demo_dir: Path) -> list[dict]:
    return [{**r, "org_source_id": r.get("org_id")} for r in ministry_records(demo_dir, "researchers")]


def tasks(demo_dir: Path) -> list[dict]:
    out = []
    for r in ministry_records(demo_dir, "tasks"):
        start, end = str(r.get("start_date") or ""), str(r.get("end_date") or "")
        out.append({**r, "host_org_source_id": r.get("host_org_id"), "pi_source_id": r.get("pi_id"),
                    "start_year": int(start[:4]) if start[:4].isdigit() else None,
                    "end_year": int(end[:4]) if end[:4].isdigit() else None})
    return out


def publications(demo_dir: Path) -> list[dict]:
    records = []
    for path in sorted((Path(demo_dir) / "academies").glob("*.jsonl")):
        for rec in _jsonl(path):
            year = str(rec.get("date") or "")[:4]
            records.append({"source_system": path.stem, "source_id": rec["identifier"], "title": rec.get("title"),
                            "creators": rec.get("creators") or [], "venue": rec.get("source"),
                            "year": int(year) if year.isdigit() else None,
                            "doi": (rec.get("doi") or "").lower() or None})
    return records


def truth(demo_dir: Path, name: str) -> dict[tuple[str, str], str]:
    with open(Path(demo_dir) / "ground_truth" / f"{name}.csv", encoding="utf-8") as f:
        return {(row["source_system"], row["source_id"]): row["entity_id"] for row in csv.DictReader(f)}


def task_duplicate_truth(demo_dir: Path) -> set[frozenset]:
    with open(Path(demo_dir) / "ground_truth" / "task_duplicates.csv", encoding="utf-8") as f:
        return {frozenset({(r["source_system_a"], r["source_id_a"]), (r["source_system_b"], r["source_id_b"])})
                for r in csv.DictReader(f)}
