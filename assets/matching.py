"""Entity matching assets: mapping tables from source records to resolved entities, built in Python
(`warehouse.matching`) and joined by the core SQL models; and the candidate duplicate task pairs."""


import dagster as dg
import pyarrow as pa

from assets.resources import DuckDBWarehouse
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


def _write_mapping(con, table: str, id_column: str, ids: dict[tuple[str, str], str]) -> int:
    rows = sorted(ids.items())
    return _write(con, table, {"source_system": [k[0] for k, _ in rows], "source_id": [k[1] for k, _ in rows],
                               id_column: [v for _, v in rows]},
                  {"source_system": pa.string(), "source_id": pa.string(), id_column: pa.string()})


def _result(rows: int, ids: dict | None = None, **extra) -> dg.MaterializeResult:
    metadata = {"dagster/row_count": rows, **extra}
    if ids is not None:
        metadata["entities"] = len(set(ids.values()))
    return dg.MaterializeResult(metadata=metadata)


def _matching_asset(name: str, deps: list[str], description: str):
    return dg.asset(key=dg.AssetKey(["staging", name]), deps=[dg.AssetKey(d.split("/")) for d in deps],
                    group_name="staging", kinds={"duckdb", "python"}, pool="duckdb", description=description)


@_matching_asset("organization_matches", ["staging/ministry_organizations"],
                 "Which organisation (org_id) each source's organisation record is: names compared in "
                 "Vietnamese normal form with abbreviations expanded, ROR ids, typo-level differences.")
def organization_matches(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse) -> dg.MaterializeResult:
    with duckdb.connect() as con:
        ids = match_organizations(_records(con, "SELECT source_system, source_id, name, org_type, established_year, "
                                                "ror FROM staging.ministry_organizations"))
        rows = _write_mapping(con, "staging.organization_matches", "org_id", ids)
    return _result(rows, ids)


@_matching_asset("researcher_matches", ["staging/ministry_researchers", "staging/organization_matches"],
                 "Which researcher (researcher_id) each source's researcher record is: name in any word order "
                 "and with or without diacritics, birth year, sex and organisation; or ORCID iD.")
def researcher_matches(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse) -> dg.MaterializeResult:
    with duckdb.connect() as con:
        org_ids = _mapping(con, "SELECT source_system, source_id, org_id FROM staging.organization_matches")
        ids = match_researchers(_records(con, "SELECT source_system, source_id, full_name, birth_year, sex, "
                                              "org_source_id, orcid FROM staging.ministry_researchers"), org_ids)
        rows = _write_mapping(con, "staging.researcher_matches", "researcher_id", ids)
    return _result(rows, ids)


@_matching_asset("publication_matches", ["staging/academy_publications"],
                 "Which publication (publication_id) each repository record is: DOI, title, authors, venue "
                 "and year compared by a model tuned on the DBLP-ACM benchmark.")
def publication_matches(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse) -> dg.MaterializeResult:
    with duckdb.connect() as con:
        ids = match_publications(_records(con, "SELECT source_system, source_id, title, creators, venue, year, doi "
                                               "FROM staging.academy_publications WHERE NOT deleted"))
        rows = _write_mapping(con, "staging.publication_matches", "publication_id", ids)
    return _result(rows, ids)


@_matching_asset("task_duplicate_pairs",
                 ["staging/ministry_tasks", "staging/organization_matches", "staging/researcher_matches"],
                 "Pairs of S&T task registrations that look like the same work, with score and reasons.")
def task_duplicate_pairs(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse) -> dg.MaterializeResult:
    with duckdb.connect() as con:
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
    return _result(rows, clusters=len(set(clusters.values())))


MATCHING_ASSETS = [organization_matches, researcher_matches, publication_matches, task_duplicate_pairs]


def _coverage_check(asset: dg.AssetsDefinition, source_table: str, where: str = "") -> dg.AssetChecksDefinition:
    """Every source record resolves to exactly one entity: none left out, none resolved twice."""
    table = ".".join(asset.key.path)

    @dg.asset_check(asset=asset.key, name="every_record_resolved_once", blocking=True, pool="duckdb",
                    description=f"Every record of {source_table} has exactly one row in {table}.")
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBWarehouse) -> dg.AssetCheckResult:
        with duckdb.connect() as con:
            missing, repeated = con.execute(f"""
                SELECT (SELECT count(*) FROM {source_table} AS s WHERE ({where or 'true'})
                        AND NOT EXISTS (SELECT 1 FROM {table} AS m
                                        WHERE m.source_system = s.source_system AND m.source_id = s.source_id)),
                       (SELECT count(*) FROM (SELECT source_system, source_id FROM {table}
                                              GROUP BY ALL HAVING count(*) > 1))""").fetchall()[0]
        passed = missing == 0 and repeated == 0
        return dg.AssetCheckResult(
            passed=passed, severity=dg.AssetCheckSeverity.ERROR,
            metadata={"unresolved_records": missing, "records_resolved_twice": repeated},
            description=None if passed else f"{missing} records of {source_table} unresolved, {repeated} resolved twice")

    return _check


MATCHING_CHECKS = [
    _coverage_check(organization_matches, "staging.ministry_organizations"),
    _coverage_check(researcher_matches, "staging.ministry_researchers"),
    _coverage_check(publication_matches, "staging.academy_publications", "NOT s.deleted"),
]
