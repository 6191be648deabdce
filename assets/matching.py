"""Entity matching assets: mapping tables from source records to resolved entities, built in Python
(`warehouse.matching`) and joined by the core SQL models; and the candidate duplicate task pairs."""


import dagster as dg

from assets.resources import DuckDBWarehouse
from warehouse.matching.tables import (build_organization_matches, build_publication_matches,
                                       build_researcher_matches, build_task_duplicate_pairs)


def _matching_asset(name: str, deps: list[str], description: str, build, counted: str = "entities"):
    """An asset that writes `staging.<name>` with `build(con) -> (rows, entities or clusters)`."""

    @dg.asset(key=dg.AssetKey(["staging", name]), deps=[dg.AssetKey(d.split("/")) for d in deps],
              group_name="staging", kinds={"duckdb", "python"}, pool="duckdb", description=description)
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse) -> dg.MaterializeResult:
        with duckdb.connect() as con:
            rows, found = build(con)
        return dg.MaterializeResult(metadata={"dagster/row_count": rows, counted: found})

    return _asset


organization_matches = _matching_asset(
    "organization_matches", ["staging/ministry_organizations"],
    "Which organisation (org_id) each source's organisation record is: names compared in "
    "Vietnamese normal form with abbreviations expanded, ROR ids, typo-level differences.",
    build_organization_matches)
researcher_matches = _matching_asset(
    "researcher_matches", ["staging/ministry_researchers", "staging/organization_matches"],
    "Which researcher (researcher_id) each source's researcher record is: name in any word order "
    "and with or without diacritics, birth year, sex and organisation; or ORCID iD.",
    build_researcher_matches)
publication_matches = _matching_asset(
    "publication_matches", ["staging/academy_publications"],
    "Which publication (publication_id) each repository record is: DOI, title, authors, venue "
    "and year compared by a model tuned on the DBLP-ACM benchmark.",
    build_publication_matches)
task_duplicate_pairs = _matching_asset(
    "task_duplicate_pairs", ["staging/ministry_tasks", "staging/organization_matches", "staging/researcher_matches"],
    "Pairs of S&T task registrations that look like the same work, with score and reasons.",
    build_task_duplicate_pairs, counted="clusters")

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
