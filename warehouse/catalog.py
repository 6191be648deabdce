"""What every column means, in English and Vietnamese (the snapshot's `catalog` table): read from each
table's `<table>.yml` beside its SQL in warehouse/models."""

from __future__ import annotations

from warehouse.modelling.schema import all_schemas


def describe(table: str, column: str) -> tuple[str, str] | tuple[None, None]:
    """(English, Vietnamese) for a column of `table` (a bare table name), or (None, None) if undocumented."""
    for name, schema in all_schemas().items():
        if name.split(".")[1] == table and column in schema.columns:
            entry = schema.columns[column]
            if entry.description_en or entry.description_vi:
                return entry.description_en, entry.description_vi
    return None, None
