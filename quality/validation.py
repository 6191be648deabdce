"""Validating a table against its suite, reading again only the rows that may have changed.

Row-level expectations (not null, in a set, between, regex, column pairs) judge each row on its own,
so a row that met all of them once meets them again while it is unchanged. After each validation
the hashes of the rows that met every expectation are kept in `quality.validated_rows`, under the
suite's version; the next validation reads only the rows without a kept hash (new, changed, or
failing last time) and, for each uniqueness expectation, every row of a key that occurs more than
once (a duplicate may be an exact copy of a kept row). The counts are therefore the whole table's,
from one Great Expectations validation.
Any other expectation (a row count, a mean) judges the table, not its rows: a table's yml must mark it
`table_level: true`, and then every row is read each time. One neither row-wise nor marked is refused,
as judging it on the changed rows only would be wrong without a word.
`incremental=False` forgets the kept hashes and reads everything.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import pyarrow as pa

from quality.great_expectations import ExpectationOutcome, column_of, validate
from quality.record_keys import name_records, table_key
from quality.suites import TABLE_LEVEL

# Expectations that judge each row on its own: a row that met them once meets them while unchanged.
ROW_WISE = {
    "ExpectColumnValuesToNotBeNull",
    "ExpectColumnValuesToBeNull",
    "ExpectColumnValuesToBeInSet",
    "ExpectColumnValuesToNotBeInSet",
    "ExpectColumnValuesToBeBetween",
    "ExpectColumnValuesToMatchRegex",
    "ExpectColumnValuesToNotMatchRegex",
    "ExpectColumnPairValuesAToBeGreaterThanB",
    "ExpectColumnPairValuesToBeEqual",
    "ExpectColumnValueLengthsToBeBetween",
}
# Judged on every row of a key that occurs more than once, besides the rows read anyway.
UNIQUENESS = {"ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique"}


@dataclass(frozen=True)
class TableValidation:
    rows: int  # in the table
    rows_read: int  # read again: new, changed or failing rows, and every row of a duplicated key
    outcomes: list[ExpectationOutcome]  # one per expectation, in the suite's order


def _suite_version(con, table: str, expectations: list) -> str:
    """Changes when the suite or the table's columns change: then every row is read again."""
    schema, name = table.split(".")
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
        "AND table_name = ? ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    text = json.dumps([columns, expectations], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _columns_read(expectations: list) -> list[str]:
    """The columns the expectations look at: the frame GX gets holds only these (a row's hash covers all)."""
    columns = []
    for _, kwargs, *_ in expectations:
        condition = kwargs.get("row_condition")
        columns += [
            kwargs.get("column"),
            kwargs.get("column_A"),
            kwargs.get("column_B"),
            *(kwargs.get("column_list") or []),
            condition[1] if isinstance(condition, tuple) else None,
        ]
    return list(dict.fromkeys(c for c in columns if c))


def _duplicated(table: str, key: list[str]) -> str:
    """A condition on row `t`: its `key` occurs more than once in `table` (nulls alike: reading more is harmless)."""
    columns = ", ".join(f'"{c}"' for c in key)
    same = " AND ".join(f'd."{c}" IS NOT DISTINCT FROM t."{c}"' for c in key)
    return f"EXISTS (SELECT 1 FROM (SELECT {columns} FROM {table} GROUP BY ALL HAVING count(*) > 1) AS d WHERE {same})"


def _reads_every_row(table: str, expectations: list) -> bool:
    """Whether a table-level expectation is among them; refuses one that is neither row-wise nor marked."""
    every_row = False
    for name, kwargs, _, *mark in expectations:
        if mark == [TABLE_LEVEL]:
            every_row = True
        elif name not in ROW_WISE | UNIQUENESS:
            raise ValueError(
                f"{table}: {name}({column_of(kwargs)}) does not judge each row on its own, so "
                "validating only the changed rows would misjudge it: mark it `table_level: true` in "
                f"{table.split('.')[-1]}.yml (every row is then read each time)"
            )
    return every_row


def _snake(class_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def validate_table(con, table: str, expectations: list, incremental: bool = True) -> TableValidation:
    """Runs `expectations` ((class name, kwargs, severity) each) on `table` through Great Expectations."""
    version = _suite_version(con, table, expectations)
    if not incremental or _reads_every_row(table, expectations):
        con.execute("DELETE FROM quality.validated_rows WHERE table_name = ?", [table])
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]

    keys = [kwargs.get("column_list") or [kwargs["column"]] for name, kwargs, *_ in expectations if name in UNIQUENESS]
    duplicated = "".join(f" OR {_duplicated(table, key)}" for key in keys)
    columns = [f't."{c}"' for c in _columns_read(expectations)]
    frame = con.execute(
        f"""
        SELECT {", ".join([*columns, "hash(t) AS _row_hash"])} FROM {table} AS t
        WHERE hash(t) NOT IN (SELECT row_hash FROM quality.validated_rows WHERE table_name = ? AND suite_version = ?)
        {duplicated}""",
        [table, version],
    ).df()
    hashes, frame = frame["_row_hash"], frame.drop(columns="_row_hash")
    if len(frame):
        outcomes = validate(table.replace(".", "__"), frame, expectations)
        outcomes = name_records(con, table, table_key(con, table, expectations), hashes, outcomes)
        failed = {row for outcome in outcomes for row in outcome.unexpected_rows}
        # a failure that names no rows (the expectation could not be evaluated) vouches for none
        unsure = any(not o.success and not o.unexpected_rows for o in outcomes)
        passed = hashes[:0] if unsure else hashes[~frame.index.isin(failed)]
    else:  # nothing changed since every row met every expectation
        passed = hashes
        outcomes = [
            ExpectationOutcome(_snake(name), column_of(kwargs), True, 0, [], severity)
            for name, kwargs, severity, *_ in expectations
        ]

    # keep the hashes of the rows that met every expectation: the rows read now are judged again
    read = pa.table({"row_hash": pa.array(hashes.to_numpy(), pa.uint64())})  # noqa: F841  (read by name below)
    kept = pa.table({"row_hash": pa.array(passed.to_numpy(), pa.uint64())})  # noqa: F841
    con.execute(
        f"""DELETE FROM quality.validated_rows WHERE table_name = ? AND (suite_version <> ?
                    OR row_hash IN (SELECT row_hash FROM read) OR row_hash NOT IN (SELECT hash(t) FROM {table} AS t))""",
        [table, version],
    )
    con.execute("INSERT INTO quality.validated_rows SELECT DISTINCT ?, ?, row_hash FROM kept", [table, version])
    return TableValidation(rows=rows, rows_read=len(frame), outcomes=outcomes)
