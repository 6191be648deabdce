"""What the Dagster UI shows about an asset besides its data: who owns it, its tags, its description in
English and Vietnamese, where its code is, and its columns with what they mean.

Tags: `layer` (raw, staging, core, marts, published), one `source/<family>` per source family the
table is built from (ministries, academies, provinces, reference), and `pii` on tables holding personal
data (names, birth dates, contact details, ID numbers: the columns tagged `pii` in the table's yml, where
the column schema shows the tag too): filter the asset catalog on them.
"""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path

import dagster as dg

from warehouse.modelling.schema import TableSchema

# Who answers for an asset, by layer: ingestion (the source connections), the warehouse models and
# checks, the analysts' snapshot.
OWNERS = {
    "raw": ["team:csdl-ingest"],
    "staging": ["team:csdl-warehouse"],
    "core": ["team:csdl-warehouse"],
    "marts": ["team:csdl-warehouse"],
    "published": ["team:csdl-publishing"],
}
PII_TAG = "pii"  # on a column in its table's yml; on the asset of every table with such a column


def tags(layer: str, sources: set[str], personal_data: bool) -> dict[str, str]:
    found = {"layer": layer, **{f"source/{source}": "" for source in sorted(sources)}}
    return {**found, PII_TAG: ""} if personal_data else found


def holds_personal_data(schema: TableSchema | None) -> bool:
    return bool(schema) and any(PII_TAG in column.tags for column in schema.columns.values())


def described(english: str, vietnamese: str | None) -> str:
    """The asset's description: English, then Vietnamese (the UI shows both, as Markdown)."""
    return f"{english}\n\n{vietnamese}" if vietnamese else english


def column_schema(schema: TableSchema, columns: list[tuple[str, str]]) -> dg.TableSchema:
    """(name, type) of each column, with its English and Vietnamese description and its tags from the yml."""
    described_columns = []
    for name, data_type in columns:
        entry = schema.columns.get(name)
        text = " / ".join(t for t in (entry.description_en, entry.description_vi) if t) if entry else ""
        described_columns.append(
            dg.TableColumn(
                name, data_type, description=text or None, tags={tag: "" for tag in (entry.tags if entry else ())}
            )
        )
    return dg.TableSchema(described_columns)


def code_references(files: list[tuple[Path, str, int]]) -> dg.CodeReferencesMetadataValue:
    """Links to the files that define the asset (a model's SQL and yml, a matcher's Python), beside the
    Python function of the step that Dagster adds: (path, label, line) each."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # code references are beta in Dagster 1.13: chosen
        return dg.CodeReferencesMetadataValue(
            code_references=[
                dg.LocalFileCodeReference(file_path=str(Path(path).resolve()), line_number=line, label=label)
                for path, label, line in files
                if path
            ]
        )


def with_code_references(assets: list) -> list:
    """Every asset linked to the Python function that builds it (and keeps the references it already has)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return list(dg.with_source_code_references(assets))


def model_spec(model, key: dg.AssetKey, deps: list[dg.AssetKey], sources: set[str]) -> dg.AssetSpec:
    """A SQL model's asset: its description in English and Vietnamese, owners, tags, its SQL (shown, and
    linked as code with its yml), and its columns with what each means (their types come with each build)."""
    schema = model.schema
    return dg.AssetSpec(
        key,
        deps=deps,
        group_name=model.layer,
        kinds={"duckdb", "sql", "table"},
        skippable=True,
        description=described(model.description, model.description_vi),
        owners=OWNERS[model.layer],
        tags=tags(model.layer, sources, holds_personal_data(schema)),
        metadata={
            "sql": dg.MetadataValue.md(f"```sql\n{model.sql}\n```"),
            "table": model.table,
            "dagster/table_name": model.table,
            "description_vi": model.description_vi or "",
            "dagster/column_schema": column_schema(schema, [(c, "") for c in schema.columns]),
            "dagster/code_references": code_references(
                [(model.path, "SQL", 1), (schema.path, "columns and checks", 1)]
            ),
        },
    )


def matcher_spec(matcher, key: dg.AssetKey, deps: list[dg.AssetKey], sources: set[str]) -> dg.AssetSpec:
    """A matcher's table, described by its yml as a model's is, linked to the Python that compares records."""
    schema = matcher.schema
    compare = matcher.block_edges
    return dg.AssetSpec(
        key,
        deps=deps,
        group_name="staging",
        kinds={"duckdb", "python", "table"},
        skippable=True,
        description=described(schema.description_en, schema.description_vi),
        owners=OWNERS["staging"],
        tags=tags("staging", sources, holds_personal_data(schema)),
        metadata={
            "table": matcher.table,
            "dagster/table_name": matcher.table,
            "description_vi": schema.description_vi or "",
            "dagster/column_schema": column_schema(schema, [(c, "") for c in schema.columns]),
            "dagster/code_references": code_references(
                [
                    (inspect.getsourcefile(compare), "matcher", inspect.getsourcelines(compare)[1]),
                    (schema.path, "columns and checks", 1),
                ]
            ),
        },
    )
