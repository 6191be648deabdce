"""What the Dagster UI shows about an asset besides its data: who owns it, its tags, its description in
English and Vietnamese, where its code is, and its columns with what they mean.

Tags: `layer` (raw, staging, core, marts, published), one `source/<family>` per source family the
table is built from (ministries, academies, provinces, reference), and `pii` on tables holding personal
data (names, birth dates, contact details, ID numbers): filter the asset catalog on them.
"""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path

import dagster as dg

from warehouse.catalog import describe
from warehouse.models import REJECT_COLUMNS
from warehouse.publish import PERSONAL_COLUMNS

# Who answers for an asset, by layer: ingestion (the source connections), the warehouse models and
# checks, the analysts' snapshot.
OWNERS = {"raw": ["team:csdl-ingest"], "staging": ["team:csdl-warehouse"], "core": ["team:csdl-warehouse"],
          "marts": ["team:csdl-warehouse"], "published": ["team:csdl-publishing"]}
# Personal data beyond the identifiers that stop publishing: a person's name and year of birth.
PERSONAL_DATA_COLUMNS = PERSONAL_COLUMNS | {"full_name", "full_name_received", "pi_name", "author_name",
                                            "authors", "birth_year"}
PII_TAG = "pii"


def tags(layer: str, sources: set[str], personal_data: bool) -> dict[str, str]:
    found = {"layer": layer, **{f"source/{source}": "" for source in sorted(sources)}}
    return {**found, PII_TAG: ""} if personal_data else found


def holds_personal_data(columns: list[str]) -> bool:
    return bool(PERSONAL_DATA_COLUMNS & set(columns))


def described(english: str, vietnamese: str | None) -> str:
    """The asset's description: English, then Vietnamese (the UI shows both, as Markdown)."""
    return f"{english}\n\n{vietnamese}" if vietnamese else english


def column_schema(table: str, columns: list[tuple[str, str]]) -> dg.TableSchema:
    """(name, type) of each column of `schema.table`, each with its English and Vietnamese description
    (`warehouse/catalog.py`, which describes the published columns; raw tables keep dlt's bare schema)."""
    name = table.split(".")[-1]
    described_columns = []
    for column, data_type in columns:
        text = " / ".join(t for t in describe(name, column) if t) or None
        described_columns.append(dg.TableColumn(column, data_type, description=text))
    return dg.TableSchema(described_columns)


def code_reference(path: Path, label: str, line: int = 1) -> dg.CodeReferencesMetadataValue:
    """A link to the file that defines the asset (a model's SQL, a matcher's Python), beside the Python
    function of the step that Dagster adds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # code references are beta in Dagster 1.13: chosen
        return dg.CodeReferencesMetadataValue(
            code_references=[dg.LocalFileCodeReference(file_path=str(Path(path).resolve()), line_number=line, label=label)])


def with_code_references(assets: list) -> list:
    """Every asset linked to the Python function that builds it (and keeps the references it already has)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return list(dg.with_source_code_references(assets))


def model_spec(model, key: dg.AssetKey, deps: list[dg.AssetKey], sources: set[str]) -> dg.AssetSpec:
    """A SQL model's asset: its description in English and Vietnamese, owners, tags, its SQL (shown, and
    linked as code), and its columns with what each means (their types come with each build)."""
    columns = [c for c in model.output_columns if c not in REJECT_COLUMNS]
    return dg.AssetSpec(
        key, deps=deps, group_name=model.layer, kinds={"duckdb", "sql", "table"}, skippable=True,
        description=described(model.description, model.description_vi), owners=OWNERS[model.layer],
        tags=tags(model.layer, sources, holds_personal_data(columns)),
        metadata={"sql": dg.MetadataValue.md(f"```sql\n{model.sql}\n```"), "table": model.table,
                  "dagster/table_name": model.table, "description_vi": model.description_vi or "",
                  "dagster/column_schema": column_schema(model.table, [(c, "") for c in columns]),
                  "dagster/code_references": code_reference(model.path, "SQL")})


def matcher_spec(matcher, key: dg.AssetKey, deps: list[dg.AssetKey], sources: set[str]) -> dg.AssetSpec:
    """A matcher's mapping table, linked to the Python that builds it."""
    build = matcher.build
    return dg.AssetSpec(
        key, deps=deps, group_name="staging", kinds={"duckdb", "python", "table"}, skippable=True,
        description=matcher.description, owners=OWNERS["staging"], tags=tags("staging", sources, False),
        metadata={"table": matcher.table, "dagster/table_name": matcher.table,
                  "dagster/code_references": code_reference(inspect.getsourcefile(build), "matcher",
                                                            inspect.getsourcelines(build)[1])})
