"""Each table's `<table>.yml` describes the table the demo builds: every column, its keys, its checks."""

import duckdb
import pytest

from quality.suites import TABLE_LEVEL, SuiteError, table_suite
from warehouse.matching.tables import MATCHERS
from warehouse.modelling import discover
from warehouse.modelling.schema import MODELS_DIR, SchemaError, all_schemas, read_schema

SCHEMAS = all_schemas()


@pytest.fixture(scope="module")
def built(refreshed):
    """The demo warehouse after one national_refresh, opened read-only."""
    con = duckdb.connect(str(refreshed[0] / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def _columns(con, table: str) -> list[str]:
    schema, name = table.split(".")
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
            "AND table_name = ? ORDER BY ordinal_position",
            [schema, name],
        ).fetchall()
    ]


def test_every_model_and_matcher_has_a_yml_and_every_yml_a_table():
    tables = {m.table for m in discover()} | {m.table for m in MATCHERS}
    assert set(SCHEMAS) == tables, "a yml without its model or matcher, or the other way round"


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_every_column_built_has_an_entry_and_every_entry_a_column(built, table):
    built_columns = _columns(built, table)
    described = list(SCHEMAS[table].columns)
    where = SCHEMAS[table].path.relative_to(MODELS_DIR.parent.parent)
    assert [c for c in built_columns if c not in described] == [], f"columns of {table} with no entry in {where}"
    assert [c for c in described if c not in built_columns] == [], f"entries in {where} naming no column of {table}"
    undescribed = [c.name for c in SCHEMAS[table].columns.values() if not (c.description_en and c.description_vi)]
    assert undescribed == [], f"{where}: columns without a description in English and Vietnamese"


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_keys_hold_in_the_demo(built, table):
    schema = SCHEMAS[table]
    key = ", ".join(schema.primary_key)
    assert schema.primary_key, f"{table} declares no primary_key"
    repeated = built.execute(f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1)")
    assert repeated.fetchall() == [(0,)], f"{table}: primary key ({key}) repeated"
    for column, target in schema.foreign_keys.items():
        target_table, target_column = target.rsplit(".", 1)
        orphans = built.execute(
            f"SELECT count(*) FROM {table} AS x ANTI JOIN {target_table} AS t "
            f"ON t.{target_column} = x.{column} WHERE x.{column} IS NOT NULL"
        ).fetchall()
        assert orphans == [(0,)], f"{table}.{column}: values not in {target}"


def test_a_yml_naming_an_unknown_key_or_check_is_refused_with_its_file(tmp_path):
    path = tmp_path / "t.yml"
    path.write_text("descripton: {en: typo}\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"t\.yml: the table has unknown keys descripton"):
        read_schema("core.t", path)
    path.write_text("columns:\n  x:\n    checks: {error: [not_nul]}\n", encoding="utf-8")
    with pytest.raises(SuiteError, match=r"t\.yml: column x: unknown check not_nul"):
        table_suite(read_schema("core.t", path))
    path.write_text("columns:\n  x:\n    checks: {error: [accepted_values]}\n", encoding="utf-8")
    with pytest.raises(SuiteError, match="accepted_values needs the column's `codes` or `lookup`"):
        table_suite(read_schema("core.t", path))


def test_a_check_in_the_yml_is_an_expectation_of_the_suite(tmp_path):
    path = tmp_path / "t.yml"
    path.write_text(
        """primary_key: [a, b]
checks: {error: [unique_key], warn: [{expectation: ExpectTableRowCountToBeBetween, min_value: 1, table_level: true}]}
columns:
  a: {codes: SEXES, checks: {warn: [accepted_values, {between: [0, null]}]}}
  b: {lookup: task_levels.level_code, checks: {error: [accepted_values, {not_before: a}]}}
""",
        encoding="utf-8",
    )
    suite = table_suite(read_schema("core.t", path))
    assert suite[:2] == [
        ("ExpectCompoundColumnsToBeUnique", {"column_list": ["a", "b"]}, "ERROR"),
        ("ExpectTableRowCountToBeBetween", {"min_value": 1}, "WARN", TABLE_LEVEL),
    ]
    assert suite[2:4] == [
        ("ExpectColumnValuesToBeInSet", {"column": "a", "value_set": ["nam", "nu"]}, "WARN"),
        ("ExpectColumnValuesToBeBetween", {"column": "a", "min_value": 0, "max_value": None}, "WARN"),
    ]
    assert suite[4][2] == "ERROR" and {"BO", "QG"} <= set(suite[4][1]["value_set"])
    assert suite[5] == (
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": "b", "column_B": "a", "or_equal": True, "ignore_row_if": "either_value_is_missing"},
        "ERROR",
    )


def test_incremental_validation_refuses_an_expectation_it_would_judge_on_changed_rows_only(tmp_path):
    from quality.validation import validate_table
    from warehouse.database import connect

    mean = ("ExpectColumnMeanToBeBetween", {"column": "budget", "min_value": 0, "max_value": 100}, "ERROR")
    with connect(tmp_path / "w.duckdb") as con:
        con.execute("CREATE SCHEMA core")
        con.execute("CREATE TABLE core.t AS SELECT i * 10 AS budget FROM range(20) AS r(i)")  # mean 95
        with pytest.raises(ValueError, match=r"core\.t: ExpectColumnMeanToBeBetween\(budget\) does not judge each row"):
            validate_table(con, "core.t", [mean])
        first = validate_table(con, "core.t", [(*mean, TABLE_LEVEL)])
        con.execute("INSERT INTO core.t VALUES (1000)")  # one new row moves the mean of them all to 138
        again = validate_table(con, "core.t", [(*mean, TABLE_LEVEL)])
    assert (first.rows_read, first.outcomes[0].success) == (20, True)
    assert (again.rows_read, again.outcomes[0].success) == (21, False)  # every row read: the new one alone passes
