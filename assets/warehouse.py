"""One Dagster asset per SQL model in `warehouse/models/`; dependencies come from the SQL."""


import dagster as dg

from assets.ingest import PROVINCE_YEAR_KEY
from assets.resources import DuckDBWarehouse
from warehouse.models import Model, discover, run_model

MODELS = discover()
# Writers of a raw table besides its dlt asset: a model reading the table runs after them too.
OTHER_RAW_WRITERS = {"raw_provinces.report_rows": [PROVINCE_YEAR_KEY]}


def table_asset_key(table: str) -> dg.AssetKey:
    """`raw_ministries.tasks` -> raw/ministries/tasks; `core.fct_task` -> core/fct_task."""
    schema, name = table.split(".")
    if schema.startswith("raw_"):
        return dg.AssetKey(["raw", schema.removeprefix("raw_"), name])
    return dg.AssetKey([schema, name])


def _schemas(con, tables: list[str]) -> dict:
    """Column types of the tables a model reads, for sqlglot's lineage."""
    schemas: dict = {}
    for table in tables:
        schema, name = table.split(".")
        rows = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                           "WHERE table_schema = ? AND table_name = ?", [schema, name]).fetchall()
        schemas.setdefault(schema, {})[name] = dict(rows)
    return schemas


def _column_lineage(model: Model, con) -> dg.TableColumnLineage:
    lineage = model.column_lineage(_schemas(con, model.dependencies))
    return dg.TableColumnLineage({
        column: [dg.TableColumnDep(asset_key=table_asset_key(table), column_name=source) for table, source in deps]
        for column, deps in lineage.items()
    })


def model_asset(model: Model) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(model.asset_path),
        deps=[table_asset_key(dep) for dep in model.dependencies]
        + [key for dep in model.dependencies for key in OTHER_RAW_WRITERS.get(dep, [])],
        group_name=model.layer,
        kinds={"duckdb", "sql"},
        pool="duckdb",
        description=model.description,
        metadata={"sql": dg.MetadataValue.md(f"```sql\n{model.sql}\n```"), "table": model.table},
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse) -> dg.MaterializeResult:
        with duckdb.connect() as con:
            counts = run_model(con, model)
            columns = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                  "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                                  [model.layer, model.name]).fetchall()
            lineage = _column_lineage(model, con)
        if counts["quarantined"]:
            context.log.warning(f"{model.table}: {counts['quarantined']} of {counts['received']} rows quarantined; "
                                "see quality.quarantine for the reasons")
        return dg.MaterializeResult(metadata={
            "dagster/row_count": counts["kept"],
            "rows_received": counts["received"],
            "rows_quarantined": counts["quarantined"],
            "dagster/column_schema": dg.TableSchema([dg.TableColumn(n, t) for n, t in columns]),
            "dagster/column_lineage": lineage,
        })

    return _asset


MODEL_ASSETS = [model_asset(m) for m in MODELS]
