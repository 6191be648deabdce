"""A table's `<table>.yml` beside its SQL (`warehouse/models/<layer>/<table>.yml`), in dbt's schema.yml spirit.

    description: {en: ..., vi: ...}
    grain: one row per ...
    primary_key: [task_id]
    foreign_keys: {host_org_id: core.dim_organization.org_id}
    incremental_key: [source_system, source_id]      # staging models computed row by row only
    checks: {error: [unique_key]}                     # about the whole table
    columns:
      title:
        description: {en: ..., vi: ...}
        codes: TASK_STATUSES                          # or a list; or `lookup: <reference list>.<column>`
        tags: [pii]
        checks: {error: [not_null], warn: [{not_matches: MOJIBAKE}]}

Which checks exist and what they mean is `quality/suites.py`'s business; this module reads the file and
refuses keys it does not know, naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

MODELS_DIR = Path(__file__).parent.parent / "models"
LAYERS = ("staging", "core", "marts")
SEVERITIES = ("error", "warn")
_TABLE_KEYS = {"description", "grain", "primary_key", "foreign_keys", "incremental_key", "checks", "columns"}
_COLUMN_KEYS = {"description", "codes", "lookup", "tags", "checks"}


class SchemaError(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    name: str
    description_en: str | None = None
    description_vi: str | None = None
    codes: str | list | None = None  # a code list named in quality/suites.py, or the codes themselves
    lookup: str | None = None  # "<reference list>.<column>": the codes are that column of sources/reference
    tags: tuple[str, ...] = ()
    checks: dict[str, list] = field(default_factory=dict)  # severity -> check items


@dataclass(frozen=True)
class TableSchema:
    table: str  # <layer>.<name>
    path: Path | None = None
    description_en: str | None = None
    description_vi: str | None = None
    grain: str | None = None
    primary_key: tuple[str, ...] = ()
    foreign_keys: dict[str, str] = field(default_factory=dict)  # column -> <layer>.<table>.<column>
    incremental_key: tuple[str, ...] | None = None
    checks: dict[str, list] = field(default_factory=dict)  # severity -> check items about the whole table
    columns: dict[str, Column] = field(default_factory=dict)


def schema_path(table: str, models_dir: Path = MODELS_DIR) -> Path:
    layer, name = table.split(".")
    return models_dir / layer / f"{name}.yml"


def _refuse_unknown(path: Path, where: str, given: dict, known: set[str]) -> None:
    unknown = sorted(set(given) - known)
    if unknown:
        raise SchemaError(f"{path}: {where} has unknown keys {', '.join(unknown)} (known: {', '.join(sorted(known))})")


def _checks(path: Path, where: str, given) -> dict[str, list]:
    if given is None:
        return {}
    if not isinstance(given, dict) or set(given) - set(SEVERITIES):
        raise SchemaError(f"{path}: {where} checks must be grouped by severity ({', '.join(SEVERITIES)})")
    return {severity: list(items or []) for severity, items in given.items()}


def _description(path: Path, where: str, given) -> tuple[str | None, str | None]:
    if given is None:
        return None, None
    if not isinstance(given, dict) or set(given) - {"en", "vi"}:
        raise SchemaError(f"{path}: {where} description must be {{en: ..., vi: ...}}")
    return given.get("en"), given.get("vi")


def _column(path: Path, name: str, given: dict | None) -> Column:
    given = given or {}
    _refuse_unknown(path, f"column {name}", given, _COLUMN_KEYS)
    en, vi = _description(path, f"column {name}", given.get("description"))
    return Column(
        name,
        en,
        vi,
        given.get("codes"),
        given.get("lookup"),
        tuple(given.get("tags") or ()),
        _checks(path, f"column {name}", given.get("checks")),
    )


def read_schema(table: str, path: Path) -> TableSchema:
    """The schema in `path`, for `table` (<layer>.<name>)."""
    given = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    _refuse_unknown(path, "the table", given, _TABLE_KEYS)
    en, vi = _description(path, "the table", given.get("description"))
    columns = {name: _column(path, name, spec) for name, spec in (given.get("columns") or {}).items()}
    key = given.get("incremental_key")
    return TableSchema(
        table,
        path,
        en,
        vi,
        given.get("grain"),
        tuple(given.get("primary_key") or ()),
        dict(given.get("foreign_keys") or {}),
        tuple(key) if key else None,
        _checks(path, "the table", given.get("checks")),
        columns,
    )


@cache
def load_schema(table: str) -> TableSchema:
    """The schema of `table` (<layer>.<name>) from warehouse/models; a table without one is an error."""
    path = schema_path(table)
    if not path.exists():
        raise SchemaError(
            f"{table} has no {path.relative_to(MODELS_DIR.parent.parent)}: every table of the "
            "warehouse is described there (see the README's section on models)"
        )
    return read_schema(table, path)


@cache
def all_schemas() -> dict[str, TableSchema]:
    """Every table's schema in warehouse/models, by <layer>.<name>."""
    found = {}
    for layer in LAYERS:
        for path in sorted((MODELS_DIR / layer).glob("*.yml")):
            found[f"{layer}.{path.stem}"] = load_schema(f"{layer}.{path.stem}")
    return found
