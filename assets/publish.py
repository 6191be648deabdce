"""The analysts' snapshot, written only when every blocking check upstream passed."""


import dagster as dg

from assets.resources import DuckDBWarehouse
from assets.warehouse import MODELS
from warehouse.publish import publish

PUBLISHED_MODELS = [m for m in MODELS if m.layer in ("core", "marts")]


@dg.asset(
    key=dg.AssetKey(["published", "csdl"]),
    deps=[dg.AssetKey(m.asset_path) for m in PUBLISHED_MODELS],
    group_name="publish",
    kinds={"duckdb", "parquet"},
    pool="duckdb",
    description="data/published/csdl.duckdb and data/published/parquet/: core and marts without personal "
                "identifiers, with a Vietnamese/English catalog; each part renamed into place whole.",
)
def published_snapshot(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse) -> dg.MaterializeResult:
    with duckdb.connect() as con:
        counts = publish(con, duckdb.published_dir, context.run.run_id, MODELS)
    path = duckdb.published_dir / "csdl.duckdb"
    context.log.info(f"published {len(counts)} tables to {path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path)),
        "tables": dg.MetadataValue.json(counts),
        "dagster/row_count": sum(counts.values()),
    })
