"""Great Expectations suites, one per table, read from the checks in each table's `<table>.yml`.

A yml groups its checks by severity: `error` ones stop publishing when they fail (the last good
snapshot stays in place), `warn` ones are reported and alerted on but let the run publish. Staging
tables hold what the sources sent, typed: staging already quarantines the records it cannot use, so
most staging checks warn; core and marts are what analysts get, so theirs block.

The checks a column may name (`CHECKS`), and the code lists and patterns they name (`VOCABULARIES`),
are written here once; each expectation is (class name, keyword arguments, severity[, TABLE_LEVEL]).
"""

from __future__ import annotations

from functools import cache

from sources.provinces.template import FORMS
from sources.reference import read_reference
from warehouse.modelling.schema import Column, TableSchema, all_schemas

BLOCKING, WARNING = "ERROR", "WARN"  # the Dagster AssetCheckSeverity names, as kept in quality.check_results
SEVERITIES = {"error": BLOCKING, "warn": WARNING}  # as the yml writes them
# An expectation judged on the whole table, not row by row: incremental validation reads every row for it.
TABLE_LEVEL = "table_level"

# the codes of form 01/KHCN-TC's breakdowns are the organisation types and ownerships every source uses
ORG_TYPES = FORMS["01/KHCN-TC"]["indicators"][0]["breakdowns"]["loai_hinh"]
OWNERSHIP = FORMS["01/KHCN-TC"]["indicators"][0]["breakdowns"]["so_huu"]
FORM_CODES = list(FORMS)
TASK_FORMS = ["chuong_trinh", "de_tai", "du_an", "khac"]
TASK_STATUSES = ["dang_thuc_hien", "da_nghiem_thu", "dinh_chi", "da_rut"]
PUBLICATION_TYPES = ["journal_article", "conference_paper", "book_chapter", "book", "thesis", "report"]
RESULT_TYPES = ["bao_cao", "quy_trinh", "san_pham", "sang_che"]
SEXES = ["nam", "nu"]

# NFC Vietnamese has no combining marks: every Vietnamese letter has a precomposed form.
NOT_NFC = r"[\u0300-\u036f]"
# UTF-8 read as Windows-1252 ("Nghiá»‡m", "Ä‘") and TCVN3/VNI bytes read as Latin-1 ("NghiÖm", "®"):
# characters Vietnamese text never contains, or UTF-8 lead bytes followed by a continuation byte.
MOJIBAKE = r"[\u0080-\u009f¤¦§¨«¬®¯°±²³´µ¶·¸¹º»¼½¾¿ÆÇËÎÏÑÖ×ØÛÜÞßåæçëîïñö÷øûüþÿ]|[ÃÄÆ][\u0080-\u00bf]|á[º»]"
ORCID = r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$"
DOI = r"^10\.\d{4,9}/\S+$"

# What a yml may name: `codes: TASK_STATUSES`, `matches: ORCID`.
VOCABULARIES = {
    name: value
    for name, value in globals().items()
    if name.isupper() and isinstance(value, (list, str)) and name not in ("BLOCKING", "WARNING", "TABLE_LEVEL")
}

Expectation = tuple  # (class name, keyword arguments, severity) and, for a table-level one, TABLE_LEVEL


class SuiteError(ValueError):
    pass


@cache
def _lookup(reference_column: str) -> tuple[str, ...]:
    """`fields.field_code`: the codes in that column of the reference list sources/reference/fields.csv."""
    table, column = reference_column.split(".")
    return tuple(sorted({row[column] for row in read_reference(table) if row[column]}))


def codes(column: Column) -> list:
    """The codes a column may hold: its `codes` (a list, or a code list named here) or its `lookup`."""
    if column.lookup:
        return list(_lookup(column.lookup))
    if isinstance(column.codes, str):
        return list(VOCABULARIES[column.codes])
    return list(column.codes or [])


def _pattern(name: str) -> str:
    if not isinstance(VOCABULARIES.get(name), str):
        raise SuiteError(f"no pattern named {name} in quality/suites.py")
    return VOCABULARIES[name]


def _accepted_values(column: Column, _) -> tuple[str, dict]:
    if not (column.codes or column.lookup):
        raise SuiteError(f"column {column.name}: accepted_values needs the column's `codes` or `lookup`")
    return "ExpectColumnValuesToBeInSet", {"column": column.name, "value_set": codes(column)}


# check name -> (column, argument) -> (GX class, keyword arguments); the argument is None for a bare name
CHECKS = {
    "unique": lambda c, _: ("ExpectColumnValuesToBeUnique", {"column": c.name}),
    "not_null": lambda c, _: ("ExpectColumnValuesToNotBeNull", {"column": c.name}),
    "is_null": lambda c, _: ("ExpectColumnValuesToBeNull", {"column": c.name}),
    # the row condition is written (method, column); GX's `Column(...)` condition is made when validated
    "not_null_where_present": lambda c, other: (
        "ExpectColumnValuesToNotBeNull",
        {"column": c.name, "row_condition": ("is_not_null", other)},
    ),
    "accepted_values": _accepted_values,
    "between": lambda c, bounds: (
        "ExpectColumnValuesToBeBetween",
        {"column": c.name, "min_value": bounds[0], "max_value": bounds[1]},
    ),
    "matches": lambda c, name: ("ExpectColumnValuesToMatchRegex", {"column": c.name, "regex": _pattern(name)}),
    "not_matches": lambda c, name: ("ExpectColumnValuesToNotMatchRegex", {"column": c.name, "regex": _pattern(name)}),
    "not_before": lambda c, earlier: (
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": c.name, "column_B": earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
    ),
}


def _expectation(schema: TableSchema, column: Column | None, item, severity: str) -> Expectation:
    """One yml check item as an expectation: a check name, `{name: argument}`, or, for any other Great
    Expectations expectation, `{expectation: ClassName, <its arguments>, table_level: true|false}`."""
    name, argument = (item, None) if isinstance(item, str) else next(iter(item.items()))
    if name == "expectation":
        kwargs = {k: v for k, v in item.items() if k not in ("expectation", TABLE_LEVEL)}
        kwargs = {"column": column.name, **kwargs} if column else kwargs
        return (argument, kwargs, severity, *([TABLE_LEVEL] if item.get(TABLE_LEVEL) else []))
    if column is None and name == "unique_key":
        if not schema.primary_key:
            raise SuiteError(f"{schema.path}: unique_key needs the table's primary_key")
        key = list(schema.primary_key)
        if len(key) == 1:
            return "ExpectColumnValuesToBeUnique", {"column": key[0]}, severity
        return "ExpectCompoundColumnsToBeUnique", {"column_list": key}, severity
    if column is None or name not in CHECKS:
        where = f"column {column.name}" if column else "the table"
        known = ["expectation", *CHECKS] if column else ["unique_key", "expectation"]
        raise SuiteError(f"{schema.path}: {where}: unknown check {name} (known: {', '.join(known)})")
    try:
        return (*CHECKS[name](column, argument), severity)
    except (SuiteError, KeyError, TypeError, IndexError) as exc:
        raise SuiteError(f"{schema.path}: column {column.name}: check {item!r}: {exc}") from exc


def table_suite(schema: TableSchema) -> list[Expectation]:
    """The table's expectations: its own checks, then each column's, in the yml's order."""
    owners = [(None, schema.checks), *((c, c.checks) for c in schema.columns.values())]
    return [
        _expectation(schema, column, item, SEVERITIES[severity])
        for column, checks in owners
        for severity, items in checks.items()
        for item in items
    ]


def suites() -> dict[str, list[Expectation]]:
    """Every table's suite, by <layer>.<name>."""
    return {table: table_suite(schema) for table, schema in all_schemas().items()}
