"""Incremental model builds equal full ones; what forces a full build; the fast text functions agree
with their definitions."""

import random
import shutil
from dataclasses import replace

import pytest

from sources.vietnamese import _TONES, _normalize_decomposing, normalize
from warehouse.database import connect
from warehouse.modelling import Model, ModelError, TableSchema, discover, in_dependency_order, run_model
from warehouse.names import person_key

MODELS = in_dependency_order(discover())
STAGING = [m for m in MODELS if m.layer == "staging"]
BY_TABLE = {m.table: m for m in MODELS}
NEW_LOAD = "9999999999.0000001"  # later than any load dlt wrote


@pytest.fixture
def warehouse(refreshed, tmp_path):
    """A copy of the refreshed warehouse with every staging model built whole."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(refreshed[0] / "warehouse.duckdb", path)
    with connect(path) as con:
        for model in STAGING:
            run_model(con, model)
        yield con


def _rows(con, model: Model) -> tuple[list, list]:
    """The model's table and its quarantine rows (without when they were quarantined), sorted."""
    table = con.execute(f"SELECT * FROM {model.table} ORDER BY ALL").fetchall()
    quarantine = con.execute(
        """SELECT source_system, source_key, reason, raw_record::VARCHAR, load_id
                                FROM quality.quarantine WHERE model = ? ORDER BY ALL""",
        [model.table],
    ).fetchall()
    return table, quarantine


def _redeliver(con, table: str, where: str, changes: dict[str, str] | None = None) -> int:
    """The rows matching `where` come again in a new load, with `changes` (column -> SQL expression),
    as a dlt merge writes them: old rows deleted, new ones appended."""
    replaced = ", ".join(
        f"{expr} AS {column}" for column, expr in {**(changes or {}), "_dlt_load_id": f"'{NEW_LOAD}'"}.items()
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _redelivered AS SELECT * REPLACE ({replaced}) FROM {table} WHERE {where}"
    )
    con.execute(f"DELETE FROM {table} WHERE {where}")
    con.execute(f"INSERT INTO {table} SELECT * FROM _redelivered")
    return con.execute("SELECT count(*) FROM _redelivered").fetchall()[0][0]


def test_an_incremental_build_equals_a_full_rebuild(warehouse):
    con = warehouse
    tasks = BY_TABLE["staging.ministry_tasks"]
    valid = con.execute("SELECT source_system, source_id FROM staging.ministry_tasks ORDER BY ALL LIMIT 3").fetchall()
    quarantined = con.execute(
        "SELECT source_system, source_key FROM quality.quarantine WHERE model = ? ORDER BY ALL LIMIT 1", [tasks.table]
    ).fetchall()
    assert len(valid) == 3 and quarantined, "the demo data should have valid and quarantined tasks"
    (sys_a, id_a), (sys_b, id_b), (sys_c, id_c) = valid
    ((sys_q, id_q),) = quarantined
    # a new task (a copy of a valid one under a new id), a changed title, a valid task that breaks ...
    con.execute(f"""INSERT INTO raw_ministries.tasks SELECT * REPLACE ('{id_a}-NEW' AS source_id, '{NEW_LOAD}' AS _dlt_load_id)
                    FROM raw_ministries.tasks WHERE source_system = '{sys_a}' AND source_id = '{id_a}'""")
    _redeliver(
        con,
        "raw_ministries.tasks",
        f"source_system = '{sys_b}' AND source_id = '{id_b}'",
        {"title": "'Nghiên cứu  thuỷ sản hoà bình'"},
    )
    _redeliver(
        con,
        "raw_ministries.tasks",
        f"source_system = '{sys_c}' AND source_id = '{id_c}'",
        {"start_date": "'31/12/2024'"},
    )
    # ... and a quarantined task that comes again fixed (every field of a valid task but its key)
    con.execute(f"DELETE FROM raw_ministries.tasks WHERE source_system = '{sys_q}' AND source_id = '{id_q}'")
    con.execute(f"""INSERT INTO raw_ministries.tasks SELECT * REPLACE ('{sys_q}' AS source_system, '{id_q}' AS source_id,
                    '{NEW_LOAD}' AS _dlt_load_id) FROM raw_ministries.tasks WHERE source_system = '{sys_a}' AND source_id = '{id_a}'""")
    # Every other incremental model gets some of its rows again, unchanged, so each one's filtered SQL runs.
    redelivered = {
        m.table: _redeliver(con, m.driving_table, "rowid % 50 = 0")
        for m in STAGING
        if m.incremental_key and m.table != tasks.table
    }
    assert all(redelivered.values()), redelivered

    counts = {m.table: run_model(con, m, incremental=True) for m in STAGING}
    incremental = {m.table: _rows(con, m) for m in STAGING}

    assert counts["staging.ministry_tasks"]["processed"] == 4
    assert {table: counts[table]["processed"] for table in redelivered} == redelivered
    assert counts["staging.provinces"]["processed"] == 97  # not incremental: built whole
    task_rows, task_quarantine = incremental["staging.ministry_tasks"]
    assert id_c in {key for _, key, *_ in task_quarantine} and id_q not in {key for _, key, *_ in task_quarantine}
    assert {id_q, f"{id_a}-NEW"} <= {row[1] for row in task_rows}
    for model in STAGING:
        built = counts[model.table]
        if model.incremental_key:
            received = con.execute(f"SELECT count(*) FROM {model.driving_table}").fetchall()[0][0]
            assert built["received"] == received == built["kept"] + built["quarantined"], model.table
        assert run_model(con, model)["processed"] == built["received"]
        assert _rows(con, model) == incremental[model.table], f"{model.table}: incremental build != full rebuild"


def test_what_forces_a_full_build(warehouse):
    con = warehouse
    tasks = BY_TABLE["staging.ministry_tasks"]
    received = con.execute("SELECT count(*) FROM raw_ministries.tasks").fetchall()[0][0]
    assert run_model(con, tasks, incremental=True)["processed"] == 0  # nothing new: nothing computed

    # a reference table it reads changed (a province's validity), though no task was loaded again
    con.execute(
        "UPDATE raw_reference.provinces SET valid_to = '2000-01-01' WHERE valid_to IS NULL AND province_code = "
        "(SELECT min(province_code) FROM raw_reference.provinces WHERE valid_to IS NULL)"
    )
    run_model(con, BY_TABLE["staging.provinces"], incremental=True)
    assert run_model(con, tasks, incremental=True)["processed"] == received
    assert run_model(con, tasks, incremental=True)["processed"] == 0

    # its SQL changed
    assert run_model(con, replace(tasks, sql=tasks.sql + "\n"), incremental=True)["processed"] == received
    # a correction was applied to one of its raw rows in place (`csdl quarantine replay`: same load id)
    con.execute("INSERT INTO quality.corrections (model, source_key, applied_at) VALUES (?, 'x', now())", [tasks.table])
    assert run_model(con, tasks, incremental=True)["processed"] == received
    # its raw table lost rows outside a dlt load: received would not be kept + quarantined
    con.execute("DELETE FROM raw_ministries.tasks WHERE rowid % 10 = 0")
    _redeliver(con, "raw_ministries.tasks", "rowid % 10 = 1")
    counts = run_model(con, tasks, incremental=True)
    assert (
        counts["processed"]
        == counts["received"]
        == con.execute("SELECT count(*) FROM raw_ministries.tasks").fetchall()[0][0]
    )
    # its table is gone
    con.execute(f"DROP TABLE {tasks.table}")
    assert run_model(con, tasks, incremental=True)["processed"] == counts["received"]
    assert con.execute(
        "SELECT incremental, processed FROM quality.model_builds WHERE model = ?", [tasks.table]
    ).fetchall() == [(False, counts["received"])]


def test_declared_incremental_models_are_row_wise():
    declared = [m for m in MODELS if m.incremental_key]
    assert {m.table for m in declared} >= {"staging.ministry_tasks", "staging.academy_publications"}
    for model in declared:
        assert model.row_wise_problems == [], model.table


@pytest.mark.parametrize(
    "body, problem",
    [
        ("SELECT source_system, source_id, count(*) AS n FROM raw_ministries.tasks GROUP BY ALL", "aggregates"),
        ("SELECT source_system, source_id, row_number() OVER () AS n FROM raw_ministries.tasks", "window functions"),
        ("SELECT DISTINCT source_system, source_id FROM raw_ministries.tasks", "DISTINCT"),
        ("SELECT source_system, source_id FROM raw_ministries.tasks WHERE status = 'x'", "WHERE"),
        (
            "WITH t AS (SELECT * FROM raw_ministries.tasks) SELECT t.source_system, t.source_id, u.title AS pi_title "
            "FROM t LEFT JOIN t AS u ON u.source_id = t.pi_id",
            "reads t 2 times",
        ),
        (
            "SELECT t.source_system, t.source_id FROM raw_ministries.tasks AS t "
            "JOIN staging.provinces AS p ON p.province_code = t.province_code",
            "only a LEFT JOIN",
        ),
        (
            "SELECT t.source_system, t.source_id FROM raw_ministries.tasks AS t "
            "LEFT JOIN raw_ministries.tasks AS u ON u.source_id = t.pi_id",
            "reads raw_ministries.tasks 2 times",
        ),
        (
            "SELECT t.source_system, p.name AS source_id FROM raw_ministries.tasks AS t "
            "LEFT JOIN staging.provinces AS p ON p.province_code = t.province_code",
            "key column source_id comes from",
        ),
    ],
)
def test_a_model_that_is_not_row_wise_cannot_be_declared_incremental(body, problem, tmp_path):
    model = Model(
        "staging",
        "not_row_wise",
        tmp_path / "x.sql",
        body,
        TableSchema("staging.not_row_wise", incremental_key=("source_system", "source_id")),
    )
    problems = model.row_wise_problems
    assert any(problem in p for p in problems), problems
    with connect(tmp_path / "w.duckdb") as con, pytest.raises(ModelError, match="cannot be built row by row"):
        run_model(con, model, incremental=True)


def test_aggregates_over_small_tables_are_allowed():
    tasks = BY_TABLE["staging.ministry_tasks"]
    model = replace(
        tasks,
        sql=tasks.sql.replace(
            "(SELECT level_code FROM staging.task_levels)",
            "(SELECT DISTINCT level_code FROM staging.task_levels GROUP BY 1)",
        ),
    )
    assert model.sql != tasks.sql and model.row_wise_problems == []


# -- the text functions ------------------------------------------------------------------------------
def _samples() -> list[str]:
    letters = list("oOuUqQaAeEyYhtnàáảãạÀÁẢÃẠèéẻẽẹỳýỷỹỵậặệẬầâêôăơưđ \t\u00a0\u3000x1_-") + list(
        _TONES + "\u0302\u0306\u031b\u0328"
    )
    rng = random.Random(2025)
    fuzz = ["".join(rng.choice(letters) for _ in range(rng.randint(0, 8))) for _ in range(30000)]
    words = ["hoà", "hoàn", "hoặc", "hoạch", "khoẻ", "thuỷ", "quý", "Thuỵ Khuê", "toạ độ", "oà", "Hoà  Bình ", "uý"]
    return words + fuzz


def test_normalize_skips_decomposing_only_where_that_gives_the_same():
    for text in _samples():
        assert normalize(text) == _normalize_decomposing(text), repr(text)
    assert normalize("hoà thuỷ") == "hòa thủy"


def test_the_sql_text_functions_equal_the_python_ones(tmp_path):
    texts = _samples()[:5000] * 2 + [None]  # repeated values and a null
    with connect(tmp_path / "w.duckdb") as con:
        con.execute("CREATE TABLE t AS SELECT unnest(?) AS text, generate_subscripts(?, 1) AS i", [texts, texts])
        rows = con.execute("SELECT vi_normalize(text), person_key(text) FROM t ORDER BY i").fetchall()
    assert rows == [(normalize(t), person_key(t)) for t in texts]
