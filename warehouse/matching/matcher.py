"""A matcher, declared once (warehouse/matching/tables.py): the records it reads (its SQL), how it blocks and
compares them, and the table of the warehouse it writes, `staging.<name>`, described by
`warehouse/models/staging/<name>.yml` as a model's table is. The tables it reads are parsed from its
records SQL, as a model's are; the warehouse build orders, builds and checks it with the models."""

from __future__ import annotations

import hashlib
import inspect
import sys
from dataclasses import dataclass
from functools import cached_property

import pyarrow as pa
import sqlglot
from sqlglot import exp

from warehouse.matching.blocking import BlockEdges, BlockKeys
from warehouse.modelling.lineage import dependencies
from warehouse.modelling.schema import TableSchema, load_schema

SCHEMA = "matching"
# Code every matcher's blocks and pairs depend on, besides its own module.
_SHARED_CODE = (
    "warehouse.matching.blocking",
    "warehouse.matching.clusters",
    "warehouse.matching.trees",
    "warehouse.names",
    "sources.vietnamese",
    "warehouse.matching.task_titles",
    "warehouse.matching.task_places",
    "warehouse.matching.managing_bodies",
)


@dataclass(frozen=True)
class Matcher:
    name: str  # it writes staging.<name>; its state tables are matching.<name>_*
    version: str
    # source_system, source_id and exactly the fields the matcher reads: the content hash covers them all
    records_sql: str
    block_keys: BlockKeys
    block_edges: BlockEdges
    id_prefix: str
    # the entity id column of the mapping table it writes (every record gets one); None: it writes the pairs
    # it found, and only records in a pair get an entity (duplicate task clusters)
    id_column: str | None = None
    edge_details: tuple[tuple[str, pa.DataType], ...] = ()

    @property
    def table(self) -> str:
        return f"staging.{self.name}"

    def state_table(self, part: str) -> str:
        return f"{SCHEMA}.{self.name}_{part}"

    @property
    def every_record_an_entity(self) -> bool:
        return self.id_column is not None

    @property
    def counted(self) -> str:
        """What the second number a build returns counts."""
        return "entities" if self.id_column else "clusters"

    @cached_property
    def _tree(self) -> exp.Select:
        return sqlglot.parse_one(self.records_sql, read="duckdb")

    @cached_property
    def dependencies(self) -> list[str]:
        """The tables its records SQL reads."""
        return dependencies(self._tree)

    @property
    def resolves(self) -> str | None:
        """The table each of whose records (those its records SQL keeps) a mapping table maps once."""
        source = self._tree.args["from_"].this
        return f"{source.db}.{source.name}" if self.id_column else None

    @property
    def resolves_where(self) -> str:
        """The records SQL's condition on that table's rows, written over the alias `s`."""
        where = self._tree.args.get("where")
        if where is None:
            return ""
        alias = self._tree.args["from_"].this.alias_or_name
        condition = where.this.copy()
        for column in condition.find_all(exp.Column):
            column.set("table", exp.to_identifier("s") if column.table in ("", alias) else column.args.get("table"))
        return condition.sql(dialect="duckdb")

    @property
    def schema(self) -> TableSchema:
        return load_schema(self.table)

    @property
    def description(self) -> str | None:
        return self.schema.description_en

    @property
    def state_version(self) -> str:
        """Another matcher version, records query or matching code (the matcher's module, the shared
        blocking and clustering, the name and text keys): the state no longer describes the records."""
        modules = sorted({self.block_keys.__module__, self.block_edges.__module__, *_SHARED_CODE})
        code = hashlib.sha256("".join(inspect.getsource(sys.modules[m]) for m in modules).encode()).hexdigest()[:16]
        return f"{self.version} | code {code} | {' '.join(self.records_sql.split())}"
