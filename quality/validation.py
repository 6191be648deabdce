"""Validating a table against its suite, reading again only the rows that may have changed.

Row-level expectations (not null, in a set, between, regex, column pairs) judge each row on its own,
so a row that met all of them once meets them again while it is unchanged. After each validation
the hashes of those rows are kept in `quality.validated_rows`, under the suite's version; the next
validation reads only the rows without a kept hash: new, changed, or failing last time. Its counts
are therefore the whole table's. Table-level expectations (uniqueness) need every row and read
their columns whole. `incremental=False` forgets the kept hashes and reads everything.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import pyarrow as pa

from quality.great_expectations import ExpectationOutcome, column_of, validate

TABLE_LEVEL = {"ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique"}


@dataclass(frozen=True)
class TableValidation:
    rows: int  # in the table
    rows_read: int  # read again for the row-level expectations
    outcomes: list[ExpectationOutcome]  # one per expectation, in the suite's order


def _suite_version(con, table: str, expectations: list) -> str:
    """Changes when the suite or the table's columns change: then every row is read again."""
    schema, name = table.split(".")
    columns = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
                          "AND table_name = ? ORDER BY ordinal_position", [schema, name]).fetchall()
    text = json.dumps([columns, expectations], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _snake(class_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def validate_table(con, table: str, expectations: list, incremental: bool = True) -> TableValidation:
    """Runs `expectations` ((class name, kwargs, severity) each) on `table` through Great Expectations."""
    version = _suite_version(con, table, expectations)
    if not incremental:
        con.execute("DELETE FROM quality.validated_rows WHERE table_name = ?", [table])
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    by_position: dict[int, ExpectationOutcome] = {}

    row_level = [(i, e) for i, e in enumerate(expectations) if e[0] not in TABLE_LEVEL]
    frame = con.execute(f"""
        SELECT t.*, hash(t) AS _row_hash FROM {table} AS t
        WHERE hash(t) NOT IN (SELECT row_hash FROM quality.validated_rows WHERE table_name = ? AND suite_version = ?)
    """, [table, version]).df()
    hashes, frame = frame["_row_hash"], frame.drop(columns="_row_hash")
    if row_level and len(frame):
        outcomes = validate(table.replace(".", "__"), frame, [e for _, e in row_level])
        failed = {row for outcome in outcomes for row in outcome.unexpected_rows}
        # a failure that names no rows (the expectation could not be evaluated) vouches for none
        unsure = any(not o.success and not o.unexpected_rows for o in outcomes)
        passed = hashes[:0] if unsure else hashes[~frame.index.isin(failed)]
        by_position.update(zip((i for i, _ in row_level), outcomes))
    else:  # nothing changed since every row met every row-level expectation
        passed = hashes
        by_position.update((i, ExpectationOutcome(_snake(name), column_of(kwargs), True, 0, [], severity))
                           for i, (name, kwargs, severity) in row_level)

    table_level = [(i, e) for i, e in enumerate(expectations) if e[0] in TABLE_LEVEL]
    if table_level:
        columns = sorted({c for _, (_, kwargs, _) in table_level for c in kwargs.get("column_list") or [kwargs["column"]]})
        whole = con.execute(f"SELECT {', '.join(columns)} FROM {table}").df()
        by_position.update(zip((i for i, _ in table_level),
                               validate(f"{table.replace('.', '__')}__keys", whole, [e for _, e in table_level])))

    # keep the hashes of the rows that met every row-level expectation and are still in the table
    kept = pa.table({"row_hash": pa.array(passed.to_numpy(), pa.uint64())})  # noqa: F841  (read by name below)
    con.execute(f"""DELETE FROM quality.validated_rows WHERE table_name = ?
                    AND (suite_version <> ? OR row_hash NOT IN (SELECT hash(t) FROM {table} AS t))""", [table, version])
    con.execute("INSERT INTO quality.validated_rows SELECT ?, ?, row_hash FROM kept", [table, version])
    return TableValidation(rows=rows, rows_read=len(frame), outcomes=[by_position[i] for i in range(len(expectations))])
