"""Fewer, larger Arrow tables for dlt: each yielded table becomes a Parquet part and load job of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

BATCH_ROWS = 50_000


def batched(tables: Iterator[pa.Table], rows: int = BATCH_ROWS) -> Iterator[pa.Table]:
    """Concatenates consecutive tables of one schema until `rows` rows are waiting, then yields them."""
    waiting: list[pa.Table] = []
    count = 0
    for table in tables:
        if waiting and not table.schema.equals(waiting[0].schema):
            yield pa.concat_tables(waiting)
            waiting, count = [], 0
        waiting.append(table)
        count += table.num_rows
        if count >= rows:
            yield pa.concat_tables(waiting)
            waiting, count = [], 0
    if waiting:
        yield pa.concat_tables(waiting)
