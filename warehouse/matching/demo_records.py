"""Source records of a generated demo dataset, shaped like the staging rows the matchers read,
with the generator's ground truth; for `csdl match-eval` and the benchmarks."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa


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
        out.append(
            {
                **r,
                "host_org_source_id": r.get("host_org_id"),
                "pi_source_id": r.get("pi_id"),
                "start_year": int(start[:4]) if start[:4].isdigit() else None,
                "end_year": int(end[:4]) if end[:4].isdigit() else None,
            }
        )
    return out


def publications(demo_dir: Path) -> list[dict]:
    records = []
    for path in sorted((Path(demo_dir) / "academies").glob("*.jsonl")):
        for rec in _jsonl(path):
            year = str(rec.get("date") or "")[:4]
            records.append(
                {
                    "source_system": path.stem,
                    "source_id": rec["identifier"],
                    "title": rec.get("title"),
                    "creators": rec.get("creators") or [],
                    "venue": rec.get("source"),
                    "year": int(year) if year.isdigit() else None,
                    "doi": (rec.get("doi") or "").lower() or None,
                }
            )
    return records


def truth(demo_dir: Path, name: str) -> dict[tuple[str, str], str]:
    with open(Path(demo_dir) / "ground_truth" / f"{name}.csv", encoding="utf-8") as f:
        return {(row["source_system"], row["source_id"]): row["entity_id"] for row in csv.DictReader(f)}


def task_duplicate_truth(demo_dir: Path) -> set[frozenset]:
    with open(Path(demo_dir) / "ground_truth" / "task_duplicates.csv", encoding="utf-8") as f:
        return {
            frozenset({(r["source_system_a"], r["source_id_a"]), (r["source_system_b"], r["source_id_b"])})
            for r in csv.DictReader(f)
        }


# The staging tables the matchers read, with the columns they read, as `load_staging` builds them.
STAGING_COLUMNS = {
    "ministry_organizations": (
        organizations,
        {
            "source_system": pa.string(),
            "source_id": pa.string(),
            "name": pa.string(),
            "org_type": pa.string(),
            "established_year": pa.int32(),
            "ror": pa.string(),
        },
    ),
    "ministry_researchers": (
        researchers,
        {
            "source_system": pa.string(),
            "source_id": pa.string(),
            "full_name": pa.string(),
            "birth_year": pa.int32(),
            "sex": pa.string(),
            "org_source_id": pa.string(),
            "orcid": pa.string(),
        },
    ),
    "ministry_tasks": (
        tasks,
        {
            "source_system": pa.string(),
            "source_id": pa.string(),
            "title": pa.string(),
            "level": pa.string(),
            "managing_body": pa.string(),
            "host_org_source_id": pa.string(),
            "pi_source_id": pa.string(),
            "start_date": pa.string(),
            "end_date": pa.string(),
        },
    ),
    "academy_publications": (
        publications,
        {
            "source_system": pa.string(),
            "source_id": pa.string(),
            "title": pa.string(),
            "creators": pa.list_(pa.string()),
            "venue": pa.string(),
            "year": pa.int32(),
            "doi": pa.string(),
        },
    ),
}
# The text each table's records are edited in by `change_staging`.
_EDITED = {
    "ministry_organizations": "name",
    "ministry_researchers": "full_name",
    "ministry_tasks": "title",
    "academy_publications": "title",
}


def load_staging(con, demo_dir: Path) -> None:
    """staging.ministry_organizations, _researchers, _tasks and academy_publications from the demo
    files, with the columns the matchers read: for matching benchmarks and tests without a refresh."""
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    for table, (read, schema) in STAGING_COLUMNS.items():
        rows = pa.Table.from_pylist([{c: r.get(c) for c in schema} for r in read(demo_dir)], pa.schema(schema))
        con.register("_demo_rows", rows)
        try:
            con.execute(f"CREATE OR REPLACE TABLE staging.{table} AS SELECT * FROM _demo_rows")
        finally:
            con.unregister("_demo_rows")
    con.execute("""CREATE OR REPLACE TABLE staging.ministry_tasks AS SELECT * REPLACE (
        TRY_CAST(start_date AS DATE) AS start_date, TRY_CAST(end_date AS DATE) AS end_date) FROM staging.ministry_tasks""")
    con.execute("ALTER TABLE staging.academy_publications ADD COLUMN deleted BOOLEAN DEFAULT false")


def change_staging(con, share: float, seed: int = 0) -> None:
    """What a refresh sees after `share` of each table's records changed: of the records picked (by a
    hash of their id and `seed`), 60% get an edited name or title, 20% are copied under a new id (a
    duplicate of an existing record) and 20% are deleted (publications: withdrawn, deleted = true)."""
    picked = 10_000 * share
    for table, column in _EDITED.items():
        bucket = f"hash(source_system, source_id, {seed}) % 10000"
        con.execute(
            f"INSERT INTO staging.{table} SELECT * REPLACE (source_id || '-copy{seed}' AS source_id) "
            f"FROM staging.{table} WHERE {bucket} BETWEEN {0.6 * picked} AND {0.8 * picked} - 1"
        )
        con.execute(
            f"UPDATE staging.{table} SET {column} = {column} || ' (bản sửa {seed})' WHERE {bucket} < {0.6 * picked}"
        )
        gone = f"{bucket} BETWEEN {0.8 * picked} AND {picked} - 1"
        con.execute(
            f"UPDATE staging.{table} SET deleted = true WHERE {gone}"
            if table == "academy_publications"
            else f"DELETE FROM staging.{table} WHERE {gone}"
        )
