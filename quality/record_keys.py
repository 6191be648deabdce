"""Failure samples that name their record: `source_id=BKHCN-2024-0007: -1500000` rather than `-1500000`.

An operator who reads that a budget is negative must find the record to fix it; the value alone names
nobody. A table's key is its `(source_system, source_id)`, the key the sender knows, else the column(s) of its
suite's first uniqueness expectation.
"""

from __future__ import annotations

from dataclasses import replace

SAMPLE = 5  # failing records named per expectation


def table_key(con, table: str, expectations: list) -> list[str]:
    schema, name = table.split(".")
    columns = {
        c
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()
    }
    if {"source_system", "source_id"} <= columns:  # the key the sender knows its record by
        return ["source_system", "source_id"]
    for name, kwargs, *_ in expectations:
        if name == "ExpectColumnValuesToBeUnique":
            return [kwargs["column"]]
        if name == "ExpectCompoundColumnsToBeUnique":
            return list(kwargs["column_list"])
    return []


def name_records(con, table: str, key: list[str], row_hashes, outcomes: list) -> list:
    """`outcomes` with each failure's sample values prefixed by the key of the row they come from;
    `row_hashes` maps the validated frame's index labels to the rows' `hash(t)`."""
    labels = {label for o in outcomes if not o.success for label in o.unexpected_rows[:SAMPLE]}
    if not key or not labels:
        return outcomes
    wanted = [int(row_hashes[label]) for label in labels]
    columns = ", ".join(f't."{c}"' for c in key)
    keys = {
        row[0]: ", ".join(f"{c}={v}" for c, v in zip(key, row[1:], strict=True))
        for row in con.execute(
            f"SELECT hash(t), {columns} FROM {table} AS t WHERE hash(t) IN (SELECT unnest(?::UBIGINT[]))", [wanted]
        ).fetchall()
    }
    named = []
    for o in outcomes:
        if o.success or not o.unexpected_rows or o.error:
            named.append(o)
            continue
        rows = o.unexpected_rows[:SAMPLE]
        values = o.sample[: len(rows)]
        named.append(
            replace(
                o,
                sample=[
                    f"{keys.get(int(row_hashes[label]), '?')}: {value}"
                    for label, value in zip(rows, values, strict=False)
                ],
            )
        )
    return named
