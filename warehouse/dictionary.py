"""The data dictionary published with each snapshot: `published/data_dictionary.html`, one page a person can
browse (Jinja2 template `templates/data_dictionary.html`).

It lists every table and view of the snapshot with its description, row count and keys; every column with its
type, descriptions in English and Vietnamese, code list and column-level lineage (what sqlglot computed from
the model's SQL: Dagster's open-source UI does not show it); and every code list with its codes. It is read
from the masked snapshot and shows no rows of data, only codes and their labels.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import duckdb
import jinja2

from warehouse.codes import code_list
from warehouse.kept_lineage import model_lineage
from warehouse.modelling import Model
from warehouse.snapshot import QUESTIONS_SCHEMA, question_views
from warehouse.snapshot_tables import LOOKUP_SCHEMA, lookup_table

DICTIONARY = "data_dictionary.html"
TEMPLATES = Path(__file__).parent / "templates"


def lineage(con: duckdb.DuckDBPyConnection, models_by_table: dict[str, Model]) -> dict[str, dict[str, list]]:
    """Per published model, each output column's (table, column) sources."""
    return {
        table: model_lineage(con, model) for table, model in models_by_table.items() if model.layer in ("core", "marts")
    }


def _constraints(con: duckdb.DuckDBPyConnection) -> tuple[dict, dict]:
    keys, references = {}, defaultdict(dict)
    for schema, table, kind, names, referenced, referenced_names in con.execute(
        "SELECT schema_name, table_name, constraint_type, constraint_column_names, referenced_table, "
        "referenced_column_names FROM duckdb_constraints() WHERE database_name = current_database() "
        "AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')"
    ).fetchall():
        if kind == "PRIMARY KEY":
            keys[f"{schema}.{table}"] = list(names)
        else:
            references[f"{schema}.{table}"][names[0]] = f"{schema}.{referenced}.{referenced_names[0]}"
    return keys, references


def _catalog(con: duckdb.DuckDBPyConnection) -> dict:
    return {
        (s, t, c): (en, vi)
        for s, t, c, en, vi in con.execute(
            "SELECT table_schema, table_name, column_name, description_en, description_vi FROM main.catalog"
        ).fetchall()
    }


def _code_lists(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    tables = [
        t
        for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? "
            "AND starts_with(table_name, 'code_') ORDER BY 1",
            [LOOKUP_SCHEMA],
        ).fetchall()
    ]
    return {
        f"{LOOKUP_SCHEMA}.{t}": con.execute(
            f"SELECT code, label_en, label_vi FROM {LOOKUP_SCHEMA}.{t} ORDER BY code"
        ).fetchall()
        for t in tables
    }


GROUPS = (
    ("core", "Bảng chính / core tables"),
    ("codes", "Danh mục mã / code lists"),
    ("marts", "Bảng tổng hợp / marts"),
    (QUESTIONS_SCHEMA, "Câu hỏi phân tích / analyst questions (views)"),
    ("main", "Về bản dữ liệu này / about this snapshot"),
)


def _group(schema: str, table: str) -> str:
    return "codes" if schema == LOOKUP_SCHEMA and table.startswith("code_") else schema


def _columns(
    con, schema: str, table: str, catalog: dict, references: dict, lineage: dict, published: set
) -> list[dict]:
    columns = []
    for column, data_type in con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall():
        en, vi = catalog.get((schema, table, column), (None, None))
        codes = None if table.startswith("code_") else code_list(table, column)
        columns.append(
            {
                "name": column,
                "type": data_type,
                "en": en,
                "vi": vi,
                "codes": f"{LOOKUP_SCHEMA}.{lookup_table(codes)}" if codes else None,
                "references": references.get(column),
                "lineage": [
                    {"name": f"{t}.{c}", "anchor": t if t in published else None} for t, c in lineage.get(column, [])
                ],
            }
        )
    return columns


def contents(con: duckdb.DuckDBPyConnection, lineages: dict[str, dict[str, list]]) -> dict:
    """What the page shows, read from the snapshot `con` (opened read-only): groups of tables and views."""
    keys, references = _constraints(con)
    catalog = _catalog(con)
    view_sql = {f"{QUESTIONS_SCHEMA}.{name}": sql for name, _, _, sql in question_views()}
    relations = con.execute(
        "SELECT schema_name, table_name, 'table' FROM duckdb_tables() WHERE database_name = current_database() "
        "UNION ALL SELECT schema_name, view_name, 'view' FROM duckdb_views() WHERE database_name = current_database() "
        "AND NOT internal ORDER BY 1, 2"
    ).fetchall()
    published = {f"{s}.{t}" for s, t, _ in relations}
    order = {name: i for i, (name, _) in enumerate(GROUPS)}
    view_order = list(view_sql)
    relations.sort(
        key=lambda r: (
            order.get(_group(r[0], r[1]), len(order)),
            view_order.index(f"{r[0]}.{r[1]}") if f"{r[0]}.{r[1]}" in view_sql else 0,
        )
    )
    tables = []
    for schema, table, kind in relations:
        name = f"{schema}.{table}"
        en, vi = catalog.get((schema, table, None), (None, None))
        tables.append(
            {
                "name": name,
                "kind": kind,
                "group": _group(schema, table),
                "en": en,
                "vi": vi,
                "rows": con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchall()[0][0],
                "key": keys.get(name),
                "sql": view_sql.get(name),
                "columns": _columns(
                    con, schema, table, catalog, references.get(name, {}), lineages.get(name, {}), published
                ),
            }
        )
    refresh = con.execute("SELECT run_id, refreshed_at FROM main.refresh").fetchall()[0]
    return {
        "groups": [g for g in GROUPS if any(t["group"] == g[0] for t in tables)],
        "tables": tables,
        "code_lists": _code_lists(con),
        "run_id": refresh[0],
        "refreshed_at": refresh[1],
    }


def render(page: dict) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(DICTIONARY).render(**page)


def write_dictionary(con: duckdb.DuckDBPyConnection, path: Path, lineages: dict[str, dict[str, list]]) -> None:
    path.write_text(render(contents(con, lineages)), encoding="utf-8")
