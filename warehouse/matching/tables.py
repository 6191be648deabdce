"""The mapping tables the core models join, built from the staging tables: what each matcher decided.

Plain functions over a DuckDB connection, so the Dagster assets, the benchmarks and the evaluation
all run the same code. Each returns (rows written, entities or clusters found).
"""

from __future__ import annotations

import pyarrow as pa

from warehouse.matching.organizations import match_organizations
from warehouse.matching.publications import match_publications
from warehouse.matching.researchers import match_researchers
from warehouse.matching.tasks import find_task_duplicates, with_resolved_ids


def _records(con, sql: str) -> list[dict]:
    result = con.execute(sql)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def _mapping(con, sql: str) -> dict[tuple[str, str], str]:
    return {(s, i): e for s, i, e in con.execute(sql).fetchall()}


def _write(con, table: str, columns: dict[str, list], types: dict[str, pa.DataType]) -> int:
    frame = pa.table({name: pa.array(values, type=types[name]) for name, values in columns.items()})
    con.register("_matches", frame)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _matches")
    finally:
        con.unregister("_matches")
    return frame.num_rows


def _write_mapping(con, table: str, id_column: str, ids: dict[tuple[str, str], str]) -> tuple[int, int]:
    rows = sorted(ids.items())
    written = _write(con, table, {"source_system": [k[0] for k, _ in rows], "source_id": [k[1] for k, _ in rows],
                                  id_column: [v for _, v in rows]},
                     {"source_system": pa.string(), "source_id": pa.string(), id_column: pa.string()})
    return written, len(set(ids.values()))


def build_organization_matches(con) -> tuple[int, int]:
    ids = match_organizations(_records(con, "SELECT source_system, source_id, name, org_type, established_year, "
                                            "ror FROM staging.ministry_organizations"))
    return _write_mapping(con, "staging.organization_matches", "org_id", ids)


def build_researcher_matches(con) -> tuple[int, int]:
    org_ids = _mapping(con, "SELECT source_system, source_id, org_id FROM staging.organization_matches")
    ids = match_researchers(_records(con, "SELECT source_system, source_id, full_name, birth_year, sex, "
                                          "org_source_id, orcid FROM staging.ministry_researchers"), org_ids)
    return _write_mapping(con, "staging.researcher_matches", "researcher_id", ids)


def build_publication_matches(con) -> tuple[int, int]:
    ids = match_publications(_records(con, "SELECT source_system, source_id, title, creators, venue, year, doi "
                                           "FROM staging.academy_publications WHERE NOT deleted"))
    return _write_mapping(con, "staging.publication_matches", "publication_id", ids)


def build_task_duplicate_pairs(con) -> tuple[int, int]:
    org_ids = _mapping(con, "SELECT source_system, source_id, org_id FROM staging.organization_matches")
    researcher_ids = _mapping(con, "SELECT source_system, source_id, researcher_id FROM staging.researcher_matches")
    tasks = _records(con, "SELECT source_system, source_id, title, level, managing_body, host_org_source_id, "
                          "pi_source_id, year(start_date) AS start_year, year(end_date) AS end_year "
                          "FROM staging.ministry_tasks")
    pairs, clusters = find_task_duplicates(with_resolved_ids(tasks, org_ids, researcher_ids))
    text, number = pa.string(), pa.float64()
    rows = _write(con, "staging.task_duplicate_pairs", {
        "source_system_a": [p.a[0] for p in pairs], "source_id_a": [p.a[1] for p in pairs],
        "source_system_b": [p.b[0] for p in pairs], "source_id_b": [p.b[1] for p in pairs],
        "cluster_id": [clusters[p.a] for p in pairs], "score": [p.score for p in pairs],
        "title_similarity": [p.title_similarity for p in pairs], "same_pi": [p.same_pi for p in pairs],
        "reasons_vi": [p.reasons_vi for p in pairs], "reasons_en": [p.reasons_en for p in pairs],
    }, {"source_system_a": text, "source_id_a": text, "source_system_b": text, "source_id_b": text,
        "cluster_id": text, "score": number, "title_similarity": number, "same_pi": pa.bool_(),
        "reasons_vi": text, "reasons_en": text})
    return rows, len(set(clusters.values()))


# In the order they must be built: each reads the ones before it.
BUILDERS = {
    "organization_matches": build_organization_matches,
    "researcher_matches": build_researcher_matches,
    "publication_matches": build_publication_matches,
    "task_duplicate_pairs": build_task_duplicate_pairs,
}
