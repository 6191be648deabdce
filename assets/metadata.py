"""What the Dagster UI shows about an asset besides its data: who owns it, its tags, its description in
English and Vietnamese, where its code is, and its columns with what they mean.

Tags: `layer` (raw, staging, core, marts, published), one `source/<family>` per source family the
table is built from (ministries, academies, provinces, reference), and `pii` on tables holding personal
data (names, birth dates, contact details, ID numbers): filter the asset catalog on them.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import dagster as dg

from warehouse.catalog import describe
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
    """(name, type) of each column of `schema.table`, each with its English and Vietnamese description."""
    name = table.split(".")[-1]
    described_columns = []
    for column, data_type in columns:
        english, vietnamese = describe(name, column)
        text = " / ".join(t for t in (english, vietnamese) if t) or None
        described_columns.append(dg.TableColumn(column, data_type, description=text))
    return dg.TableSchema(described_columns)


def code_reference(path: Path, label: str) -> dg.CodeReferencesMetadataValue:
    """A link to the file that defines the asset (the SQL of a model), beside the Python Dagster adds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # code references are beta in Dagster 1.13: chosen
        return dg.CodeReferencesMetadataValue(
            code_references=[dg.LocalFileCodeReference(file_path=str(path.resolve()), line_number=1, label=label)])


def with_code_references(assets: list) -> list:
    """Every asset linked to the Python function that builds it (and keeps the references it already has)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return list(dg.with_source_code_references(assets))
