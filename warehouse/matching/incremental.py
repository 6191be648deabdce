"""Matching state kept in the warehouse (schema `matching`), so a refresh compares only what changed.

For each matcher, from its last build:
  matching.<name>_records  every record's content hash (DuckDB's 64-bit hash of exactly the fields
                           the matcher reads) and entity id;
  matching.<name>_blocks   every record's block keys;
  matching.<name>_edges    the pairs each block joined, under that block's key;
  matching.builds          the matcher version the state was built with, and what the last build did.

A block's edges depend on nothing but its members (`warehouse.matching.blocking`), so an incremental
build redoes only the blocks that hold, or held, a new, changed or deleted record, and re-clusters
only the entities those records and redone edges touch; every other edge and entity id stands.
Entity ids come from cluster membership alone (`cluster_ids`), so they are the ids a full build gives.
A missing state or another matcher version makes the build a full one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pyarrow as pa

from warehouse.database import table_exists
from warehouse.matching.blocking import Edge, Ident, group_blocks, ident, shared
from warehouse.matching.clusters import cluster_ids, clusters
from warehouse.matching.matcher import SCHEMA, Matcher

_KEY = ("source_system", "source_id")
_TEXT = pa.string()
# Temporary tables of one build, dropped at its end.
_SCRATCH_TABLES = ("_matching_current", "_matching_stale", "_matching_redo", "_matching_touched")


@dataclass(frozen=True)
class Build:
    full: bool
    changed_records: int  # new or changed since the last build (every record in a full build)
    deleted_records: int
    blocks_redone: int


def build(con, matcher: Matcher, incremental: bool = False) -> Build:
    """Brings `matcher`'s state tables up to date with its records: incrementally when asked and the
    last build's state is there, from scratch otherwise. Run inside a transaction (the caller's)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.builds (
        matcher VARCHAR, version VARCHAR, full_build BOOLEAN, changed_records BIGINT, deleted_records BIGINT,
        blocks_redone BIGINT, built_at TIMESTAMP WITH TIME ZONE)""")
    # The records read once, with their hashes: what is compared, fetched and matched is one snapshot.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _matching_current AS
        SELECT *, hash(r) AS content_hash FROM ({matcher.records_sql}) AS r""")
    result = _incremental(con, matcher) if incremental and _state_is_current(con, matcher) else _full(con, matcher)
    for scratch in _SCRATCH_TABLES:
        con.execute(f"DROP TABLE IF EXISTS temp.main.{scratch}")
    con.execute(f"DELETE FROM {SCHEMA}.builds WHERE matcher = ?", [matcher.name])
    con.execute(
        f"INSERT INTO {SCHEMA}.builds VALUES (?, ?, ?, ?, ?, ?, now())",
        [
            matcher.name,
            matcher.state_version,
            result.full,
            result.changed_records,
            result.deleted_records,
            result.blocks_redone,
        ],
    )
    return result


def _state_is_current(con, m: Matcher) -> bool:
    """The last build left its state, with the matcher as it is now."""
    built = con.execute(f"SELECT version FROM {SCHEMA}.builds WHERE matcher = ?", [m.name]).fetchall()
    return built == [(m.state_version,)] and all(
        table_exists(con, SCHEMA, f"{m.name}_{part}") for part in ("records", "blocks", "edges")
    )


def _full(con, m: Matcher) -> Build:
    records = _records(con, None)
    blocks = group_blocks(records, m.block_keys)
    _create(con, m.state_table("blocks"), _block_rows(blocks))
    edges = list(m.block_edges(shared(blocks)))
    _create(con, m.state_table("edges"), _edge_rows(m, edges))
    _assign_entities(con, m, [ident(r) for r in records], [(a, b) for _, a, b, _ in edges], replace=True)
    return Build(True, len(records), 0, len(blocks))


def _incremental(con, m: Matcher) -> Build:
    blocks_table, edges_table, records_table = m.state_table("blocks"), m.state_table("edges"), m.state_table("records")
    # Records new, changed (another hash) or deleted since the last build.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _matching_stale AS
        SELECT source_system, source_id, c.content_hash IS NOT NULL AS present
        FROM _matching_current AS c FULL JOIN {records_table} AS s USING (source_system, source_id)
        WHERE c.content_hash IS DISTINCT FROM s.content_hash""")
    changed = _records(con, "SELECT source_system, source_id FROM _matching_stale WHERE present")
    deleted = con.execute("SELECT count(*) FROM _matching_stale WHERE NOT present").fetchall()[0][0]

    # The blocks they were in before or are in now (listed twice if both): those blocks' edges are redone.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _matching_redo AS
        SELECT DISTINCT block_key FROM {blocks_table} SEMI JOIN _matching_stale USING (source_system, source_id)""")
    con.execute(
        f"DELETE FROM {blocks_table} AS b USING _matching_stale AS s "
        f"WHERE b.source_system = s.source_system AND b.source_id = s.source_id"
    )
    new_blocks = group_blocks(changed, m.block_keys)
    _insert(con, blocks_table, _block_rows(new_blocks))
    _insert(con, "_matching_redo", _columns(("block_key",), [(key,) for key in new_blocks]))

    # Records whose entity may change: the stale ones and both ends of every edge dropped or added.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _matching_touched AS
        SELECT source_system, source_id FROM _matching_stale
        UNION SELECT source_system_a, source_id_a FROM {edges_table} SEMI JOIN _matching_redo USING (block_key)
        UNION SELECT source_system_b, source_id_b FROM {edges_table} SEMI JOIN _matching_redo USING (block_key)""")
    con.execute(f"DELETE FROM {edges_table} WHERE block_key IN (SELECT block_key FROM _matching_redo)")
    membership = con.execute(f"""
        SELECT block_key, source_system, source_id FROM {blocks_table} SEMI JOIN _matching_redo USING (block_key)
        QUALIFY count(*) OVER (PARTITION BY block_key) > 1
        ORDER BY block_key, source_system, source_id""").fetchall()
    with _registered(con, "_matching_members", _columns(_KEY, [(s, i) for _, s, i in membership])):
        by_ident = {ident(r): r for r in _records(con, "SELECT DISTINCT * FROM _matching_members")}
    redo = {}
    for key, system, source_id in membership:
        redo.setdefault(key, []).append(by_ident[(system, source_id)])
    edges = list(m.block_edges(redo))
    _insert(con, edges_table, _edge_rows(m, edges))
    _insert(con, "_matching_touched", _columns(_KEY, [end for _, a, b, _ in edges for end in (a, b)]))

    # Every record of an entity a touched record was in: their entity is worked out again from all
    # their edges (an edge kept joins two records of one old entity, so none leads outside them).
    regroup = con.execute(f"""
        SELECT source_system, source_id FROM (
            SELECT source_system, source_id FROM _matching_touched
            UNION SELECT source_system, source_id FROM {records_table} WHERE entity_id IN (
                SELECT entity_id FROM {records_table} SEMI JOIN _matching_touched USING (source_system, source_id)))
        SEMI JOIN _matching_current USING (source_system, source_id)""").fetchall()
    with _registered(con, "_matching_regroup", _columns(_KEY, regroup)):
        joined = con.execute(f"""SELECT source_system_a, source_id_a, source_system_b, source_id_b FROM {edges_table} AS e
            SEMI JOIN _matching_regroup AS g ON e.source_system_a = g.source_system AND e.source_id_a = g.source_id
            """).fetchall()
    con.execute(
        f"DELETE FROM {records_table} AS s USING _matching_stale AS t "
        f"WHERE s.source_system = t.source_system AND s.source_id = t.source_id AND NOT t.present"
    )
    _assign_entities(con, m, [tuple(r) for r in regroup], [((a, b), (c, d)) for a, b, c, d in joined], replace=False)
    return Build(False, len(changed), deleted, len(redo))


def _assign_entities(con, m: Matcher, idents: list[Ident], pairs: list[tuple[Ident, Ident]], replace: bool) -> None:
    """Entity ids of `idents` from the pairs joining them (none leads outside them) into matching.<name>_records."""
    groups = clusters(idents if m.every_record_an_entity else (), pairs)
    entity = cluster_ids(groups, m.id_prefix)
    rows = _columns((*_KEY, "entity_id"), [(*i, entity.get(i)) for i in idents])
    with _registered(con, "_matching_entities", rows):
        assigned = """SELECT c.source_system, c.source_id, c.content_hash, e.entity_id
            FROM _matching_current AS c JOIN _matching_entities AS e USING (source_system, source_id)"""
        if replace:
            con.execute(f"CREATE OR REPLACE TABLE {m.state_table('records')} AS {assigned}")
        else:
            con.execute(
                f"DELETE FROM {m.state_table('records')} AS s USING _matching_entities AS e "
                f"WHERE s.source_system = e.source_system AND s.source_id = e.source_id"
            )
            con.execute(f"INSERT INTO {m.state_table('records')} {assigned}")


def _records(con, only: str | None) -> list[dict]:
    """The matcher's records in (source_system, source_id) order, the order its blocks list them in;
    `only`: a query for the (source_system, source_id) to fetch."""
    where = f" SEMI JOIN ({only}) USING (source_system, source_id)" if only else ""
    result = con.execute(
        f"SELECT * EXCLUDE (content_hash) FROM _matching_current{where} ORDER BY source_system, source_id"
    )
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=False)) for row in result.fetchall()]


def _block_rows(blocks: dict[str, list[dict]]) -> pa.Table:
    return _columns(("block_key", *_KEY), [(key, *ident(r)) for key, members in blocks.items() for r in members])


def _edge_rows(m: Matcher, edges: list[Edge]) -> pa.Table:
    rows = _columns(
        ("block_key", "source_system_a", "source_id_a", "source_system_b", "source_id_b"),
        [(key, *a, *b) for key, a, b, _ in edges],
    )
    for n, (name, kind) in enumerate(m.edge_details):
        rows = rows.append_column(name, pa.array([details[n] for *_, details in edges], kind))
    return rows


def _columns(names: tuple[str, ...], rows: list[tuple]) -> pa.Table:
    return pa.table({name: pa.array([r[n] for r in rows], _TEXT) for n, name in enumerate(names)})


@contextmanager
def _registered(con, name: str, rows: pa.Table) -> Iterator[None]:
    """`rows` readable as the view `name` while the block runs."""
    con.register(name, rows)
    try:
        yield
    finally:
        con.unregister(name)


def _create(con, table: str, rows: pa.Table) -> None:
    with _registered(con, "_matching_rows", rows):
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _matching_rows")


def _insert(con, table: str, rows: pa.Table) -> None:
    with _registered(con, "_matching_rows", rows):
        con.execute(f"INSERT INTO {table} SELECT * FROM _matching_rows")
