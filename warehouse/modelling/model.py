"""A SQL model: `warehouse/models/<layer>/<table>.sql` (one SELECT) and `<table>.yml` beside it."""

from __future__ import annotations

import hashlib
import inspect
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import sqlglot
from sqlglot import exp

from warehouse.database import TEXT_FUNCTIONS
from warehouse.modelling import lineage, row_wise, transpile
from warehouse.modelling.lineage import REJECT_COLUMNS
from warehouse.modelling.schema import LAYERS, MODELS_DIR, TableSchema, load_schema


class ModelError(ValueError):
    pass


@dataclass(frozen=True)
class Model:
    layer: str
    name: str
    path: Path
    sql: str = field(repr=False)
    schema: TableSchema | None = field(default=None, repr=False, compare=False)  # None: a bare SELECT (tests)

    @property
    def table(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def asset_path(self) -> list[str]:
        return [self.layer, self.name]

    @property
    def description(self) -> str | None:
        return self.schema and self.schema.description_en

    @property
    def description_vi(self) -> str | None:
        return self.schema and self.schema.description_vi

    @property
    def incremental_key(self) -> tuple[str, ...] | None:
        """The output columns naming the raw row each output row comes from, if the yml declares them."""
        return self.schema and self.schema.incremental_key

    @cached_property
    def tree(self) -> exp.Expression:
        return sqlglot.parse_one(self.sql, read="duckdb")

    @cached_property
    def dependencies(self) -> list[str]:
        """Schema-qualified tables read by the SELECT, in first-seen order: never a hand-kept list."""
        return lineage.dependencies(self.tree)

    @cached_property
    def output_columns(self) -> list[str]:
        return lineage.output_columns(self.tree)

    @property
    def quarantines(self) -> bool:
        """A staging model with `reject_reason` and `raw_record` sends the rows with a reason to quality.quarantine."""
        return all(col in self.output_columns for col in REJECT_COLUMNS)

    @cached_property
    def driving_table(self) -> str | None:
        """The raw table an incremental model computes row by row (its one raw dependency)."""
        raw = [d for d in self.dependencies if d.startswith("raw_")]
        return raw[0] if len(raw) == 1 else None

    @cached_property
    def definition_hash(self) -> str:
        """Changes when the SQL, the incremental key or the source of a Python text function it calls changes."""
        called = {f.name.lower() for f in self.tree.find_all(exp.Anonymous)}
        modules = sorted({TEXT_FUNCTIONS[name].__module__ for name in called if name in TEXT_FUNCTIONS})
        code = [inspect.getsource(sys.modules[module]) for module in modules]
        return hashlib.sha256("\n".join([self.sql, repr(self.incremental_key), *code]).encode()).hexdigest()

    @cached_property
    def row_wise_problems(self) -> list[str]:
        return row_wise.row_wise_problems(self)

    def sql_for_loads(self, load_ids: list[str]) -> str:
        return row_wise.sql_for_loads(self, load_ids)

    def column_lineage(self, schemas: dict[str, dict[str, str]] | None = None) -> dict[str, list[tuple[str, str]]]:
        return lineage.column_lineage(self.sql, schemas)

    def transpile(self, dialect: str) -> str:
        return transpile.transpile(self.sql, dialect)


def discover() -> list[Model]:
    """Every `<layer>/<table>.sql` with its `<table>.yml`; a model without its yml is refused."""
    models = []
    for layer in LAYERS:
        for path in sorted((MODELS_DIR / layer).glob("*.sql")):
            schema = load_schema(f"{layer}.{path.stem}")
            models.append(Model(layer, path.stem, path, path.read_text(encoding="utf-8"), schema))
    return models
