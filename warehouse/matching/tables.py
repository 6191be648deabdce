"""The matchers, each declared once, and the tables they write: the mapping tables the core models join
(what each matcher decided) and the candidate duplicate task pairs.

`build_table` is a plain function over a DuckDB connection, so the warehouse build, the benchmarks and
the evaluation all run the same code. With `incremental=True` it compares only the records changed
since the matcher's last build (`warehouse.matching.incremental`); the table it writes is the one a
full build writes. Each table is described and checked by `warehouse/models/staging/<name>.yml`.
"""

from __future__ import annotations

import pyarrow as pa

from warehouse.database import table_exists
from warehouse.matching import organizations, publications, researchers, tasks
from warehouse.matching.incremental import build
from warehouse.matching.matcher import Matcher

ORGANIZATIONS = Matcher(
    "organization_matches",
    organizations.VERSION,
    "SELECT source_system, source_id, name, org_type, established_year, ror FROM staging.ministry_organizations",
    organizations.block_keys,
    organizations.block_edges,
    "ORG",
    id_column="org_id",
)
# Records carry their resolved organisation: a record whose organisation's org_id changes is a changed record.
RESEARCHERS = Matcher(
    "researcher_matches",
    researchers.VERSION,
    """SELECT r.source_system, r.source_id, r.full_name, r.birth_year, r.sex, r.orcid, o.org_id AS resolved_org_id
       FROM staging.ministry_researchers AS r LEFT JOIN staging.organization_matches AS o
         ON o.source_system = r.source_system AND o.source_id = r.org_source_id""",
    researchers.block_keys,
    researchers.block_edges,
    "NCV",
    id_column="researcher_id",
)
PUBLICATIONS = Matcher(
    "publication_matches",
    publications.VERSION,
    "SELECT source_system, source_id, title, creators, venue, year, doi FROM staging.academy_publications "
    "WHERE NOT deleted",
    publications.block_keys,
    publications.block_edges,
    "PUB",
    id_column="publication_id",
)
_DETAIL_TYPES = {
    "score": pa.float64(),
    "title_similarity": pa.float64(),
    "same_pi": pa.bool_(),
    "reasons_vi": pa.string(),
    "reasons_en": pa.string(),
}
TASKS = Matcher(
    "task_duplicate_pairs",
    tasks.VERSION,
    """SELECT t.source_system, t.source_id, t.title, t.level, t.managing_body, o.org_id AS host,
              r.researcher_id AS pi, year(t.start_date) AS start_year, year(t.end_date) AS end_year
       FROM staging.ministry_tasks AS t
       LEFT JOIN staging.organization_matches AS o
         ON o.source_system = t.source_system AND o.source_id = t.host_org_source_id
       LEFT JOIN staging.researcher_matches AS r
         ON r.source_system = t.source_system AND r.source_id = t.pi_source_id""",
    tasks.block_keys,
    tasks.block_edges,
    "TRUNG",
    edge_details=tuple((name, _DETAIL_TYPES[name]) for name in tasks.DETAILS),
)


def _in_one_transaction(con, work):
    """The state tables and the table built from them change together or not at all."""
    con.begin()
    try:
        result = work()
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return result


def _build_mapping(con, matcher: Matcher, incremental: bool) -> tuple[int, int]:
    id_column = matcher.id_column

    def work():
        full = build(con, matcher, incremental).full
        assigned = f"SELECT source_system, source_id, entity_id AS {id_column} FROM {matcher.state_table('records')}"
        if full or not table_exists(con, "staging", matcher.name):
            con.execute(
                f"CREATE OR REPLACE TABLE staging.{matcher.name} AS {assigned} ORDER BY source_system, source_id"
            )
        else:  # only the rows that changed: rewriting them all would cost more than the matching did
            con.execute(f"""DELETE FROM staging.{matcher.name} AS m WHERE NOT EXISTS (
                SELECT 1 FROM ({assigned}) AS a WHERE a.source_system = m.source_system
                  AND a.source_id = m.source_id AND a.{id_column} = m.{id_column})""")
            con.execute(f"""INSERT INTO staging.{matcher.name} SELECT * FROM ({assigned}) AS a WHERE NOT EXISTS (
                SELECT 1 FROM staging.{matcher.name} AS m WHERE a.source_system = m.source_system
                  AND a.source_id = m.source_id)""")
        return tuple(
            con.execute(f"SELECT count(*), count(DISTINCT {id_column}) FROM staging.{matcher.name}").fetchall()[0]
        )

    return _in_one_transaction(con, work)


def _build_pairs(con, matcher: Matcher, incremental: bool) -> tuple[int, int]:
    def work():
        build(con, matcher, incremental)
        details = ", ".join(f"e.{name}" for name, _ in matcher.edge_details)
        # A pair two blocks found (same host and same investigator) is listed once.
        con.execute(f"""CREATE OR REPLACE TABLE {matcher.table} AS
            SELECT DISTINCT e.source_system_a, e.source_id_a, e.source_system_b, e.source_id_b,
                   r.entity_id AS cluster_id, {details}
            FROM {matcher.state_table("edges")} AS e JOIN {matcher.state_table("records")} AS r
              ON r.source_system = e.source_system_a AND r.source_id = e.source_id_a
            ORDER BY score DESC, source_system_a, source_id_a, source_system_b, source_id_b""")
        return tuple(con.execute(f"SELECT count(*), count(DISTINCT cluster_id) FROM {matcher.table}").fetchall()[0])

    return _in_one_transaction(con, work)


# Each reads the tables of the ones before it (the warehouse build orders them from their SQL anyway).
MATCHERS = (ORGANIZATIONS, RESEARCHERS, PUBLICATIONS, TASKS)


def build_table(con, matcher: Matcher, incremental: bool = False) -> tuple[int, int]:
    """Writes the matcher's table; returns (rows written, entities or clusters found)."""
    if matcher.id_column:
        return _build_mapping(con, matcher, incremental)
    return _build_pairs(con, matcher, incremental)
