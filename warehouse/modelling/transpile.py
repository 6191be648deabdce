"""A model's SQL in another dialect: the models are written for DuckDB and kept portable."""

from __future__ import annotations

import sqlglot
from sqlglot.errors import ErrorLevel


def transpile(sql: str, dialect: str) -> str:
    """`sql` (DuckDB) in `dialect`; raises where that dialect cannot express it."""
    return sqlglot.transpile(sql, read="duckdb", write=dialect, unsupported_level=ErrorLevel.RAISE)[0]
