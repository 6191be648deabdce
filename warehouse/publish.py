"""Publishing the analysts' snapshot under `published/`: `csdl.duckdb`, `parquet/`, `provinces/<code>/` and
`data_dictionary.html` (what each holds: warehouse/snapshot.py and warehouse/dictionary.py).

Layout (every analyst path is a fixed symlink through `current`):

    published/versions/<stamp>-<id>/{csdl.duckdb, parquet/, provinces/, data_dictionary.html}   one whole snapshot
    published/current  -> versions/<stamp>-<id>        switched in one os.replace: all parts change together
    published/previous -> the version current replaced   kept one publish longer for readers who just opened it
    published/csdl.duckdb -> current/csdl.duckdb, and so parquet, provinces and data_dictionary.html

A snapshot is written into `versions/.publishing-<id>`, made read-only (files 0444, folders 0555, so an
analyst who opens it without `read_only=True` gets an error instead of a lock on everyone), renamed to
its version name and only then made `current`. A publish killed at any point leaves `current` on the last
whole snapshot; its leftovers are removed at the next publish.

Personal identifiers never leave the working warehouse: columns named like one stop publishing, and
e-mail addresses, phone numbers and citizen ID numbers typed into text are masked in every published
copy (warehouse/personal_data.py); how many, per table and column, is in `main.personal_data_masked`.
"""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse import snapshot
from warehouse.database import _per_distinct_value
from warehouse.dictionary import DICTIONARY, write_dictionary
from warehouse.dictionary import lineage as _lineage
from warehouse.modelling import Model
from warehouse.permissions import PUBLISHED_FOLDER_MODE
from warehouse.personal_data import mask

PUBLISHED_SCHEMAS = ("core", "marts")
PERSONAL_COLUMNS = {"national_id", "email", "phone", "birth_date", "cccd", "so_dien_thoai"}
# What each province's Department of S&T gets back: its own rows of these tables. Each query gives the
# rows and `_province`, the current province they go to.
PROVINCE_SLICES = {
    "fct_task": "SELECT *, current_province_code AS _province FROM core.fct_task",
    "dim_organization": "SELECT *, province_code AS _province FROM core.dim_organization",
    "fct_statistic": "SELECT *, current_province_code AS _province FROM core.fct_statistic",
    "indicators_by_province_year": """
        SELECT i.*, CASE i.unit_set WHEN '34' THEN i.province_code WHEN '63' THEN p.successor_code END AS _province
        FROM marts.indicators_by_province_year i
        LEFT JOIN core.dim_province p ON p.province_code = i.province_code AND NOT p.is_current""",
    "reporting_completeness": "SELECT *, successor_code AS _province FROM marts.reporting_completeness",
}
PARTS = ("csdl.duckdb", "parquet", "provinces", DICTIONARY)
VERSIONS, CURRENT, PREVIOUS, WORK_PREFIX = "versions", "current", "previous", ".publishing-"


class PublishError(RuntimeError):
    pass


@dataclass
class Snapshot:
    """What one publish wrote: rows per table, and personal data masked as (schema, table, column, kind, count)."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    personal_data: list[tuple[str, str, str, str, int]] = field(default_factory=list)
    lookups: dict[str, int] = field(default_factory=dict)  # codes per lookup table
    views: list[str] = field(default_factory=list)
    views_left_out: list[str] = field(default_factory=list)  # a view whose tables this warehouse lacks, and why
    keys_left_out: list[str] = field(default_factory=list)  # declared keys the rows do not satisfy

    @property
    def personal_data_masked(self) -> int:
        return sum(count for *_, count in self.personal_data)


def _published_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    return con.execute(
        "SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
        f"WHERE c.table_catalog = current_database() AND c.table_schema IN {PUBLISHED_SCHEMAS} "
        "AND t.table_type = 'BASE TABLE' ORDER BY 1, 2, c.ordinal_position"
    ).fetchall()


def publish(con: duckdb.DuckDBPyConnection, published_dir: Path, run_id: str, models: list[Model]) -> Snapshot:
    """Copies core and marts, personal data masked, into a new read-only version with its catalog and
    province slices, and makes it current."""
    columns = _published_columns(con)
    leaked = sorted({f"{s}.{t}.{c}" for s, t, c, _ in columns if c.lower() in PERSONAL_COLUMNS})
    if leaked:
        raise PublishError(
            f"refusing to publish personal identifiers: {', '.join(leaked)}; "
            "drop these columns from the core/marts models"
        )
    models_by_table = {m.table: m for m in models}
    versions = published_dir / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    for folder in (published_dir, versions):  # analysts pass through these (the rest of the data folder is private)
        os.chmod(folder, PUBLISHED_FOLDER_MODE)
    remove_leftovers(published_dir)
    work = versions / f"{WORK_PREFIX}{uuid.uuid4().hex}"
    (work / "parquet").mkdir(parents=True)
    con.create_function(
        "mask_personal_data",
        _per_distinct_value(mask),
        [duckdb.sqltype("VARCHAR")],
        duckdb.sqltype("VARCHAR"),
        type="arrow",
        side_effects=False,
        null_handling="special",
    )
    result = Snapshot(published_dir / "csdl.duckdb")
    descriptions = {m.table: (m.description or None, m.description_vi) for m in models}
    try:
        snapshot.write(con, work, columns, descriptions, run_id, result)
        # the province slices are cut from the masked snapshot, like the Parquet copies
        with duckdb.connect(str(work / "csdl.duckdb"), read_only=True) as masked:
            _write_province_slices(masked, work / "provinces")
            write_dictionary(masked, work / DICTIONARY, _lineage(con, models_by_table))
        _make_read_only(work)
        version = versions / f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{work.name[len(WORK_PREFIX) :][:8]}"
        work.rename(version)
    except BaseException:
        _remove(work)
        raise
    finally:
        con.remove_function("mask_personal_data")
    _switch(published_dir, version)
    remove_leftovers(published_dir)
    return result


def _switch(published_dir: Path, version: Path) -> None:
    """Makes `version` current in one rename; the analyst paths point through `current` and never move."""
    current = published_dir / CURRENT
    for part in PARTS:  # the first publish: the analyst paths are there (dangling) before `current` appears
        if not (published_dir / part).exists() and not (published_dir / part).is_symlink():
            _symlink_replace(published_dir / part, f"{CURRENT}/{part}")
    replaced = os.readlink(current) if current.is_symlink() else None
    _symlink_replace(current, f"{VERSIONS}/{version.name}")
    if replaced and replaced != f"{VERSIONS}/{version.name}":
        _symlink_replace(published_dir / PREVIOUS, replaced)
    for part in PARTS:
        path, target = published_dir / part, f"{CURRENT}/{part}"
        if path.is_symlink() and os.readlink(path) == target:
            continue
        if path.exists() and not path.is_symlink():  # a part from before versions: moved aside, once
            retired = published_dir / f".retired-{uuid.uuid4().hex}"
            path.rename(retired)
        _symlink_replace(path, target)


def _symlink_replace(path: Path, target: str) -> None:
    staged = path.with_name(f".{path.name}-{uuid.uuid4().hex}")
    staged.symlink_to(target)
    os.replace(staged, path)  # atomic: a reader sees the old link or the new one


def remove_leftovers(published_dir: Path) -> None:
    """Removes what a killed or finished publish left: unfinished and replaced versions (all but `current` and
    `previous`), staged links, and the parts of the layout before versions."""
    kept = {
        os.path.basename(os.readlink(published_dir / link))
        for link in (CURRENT, PREVIOUS)
        if (published_dir / link).is_symlink()
    }
    versions = published_dir / VERSIONS
    for entry in versions.iterdir() if versions.is_dir() else []:
        if entry.name not in kept:
            _remove(entry)
    for entry in published_dir.iterdir():
        if entry.name.startswith((".publishing-", ".retired-")) or (
            entry.is_symlink() and entry.name.startswith(".") and entry.name != "."
        ):
            _remove(entry)


def _make_read_only(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            os.chmod(os.path.join(root, name), 0o444)
    for root, dirs, _ in os.walk(folder, topdown=False):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o555)
    os.chmod(folder, 0o555)


def _remove(path: Path) -> None:
    """Removes a file, link or folder, read-only ones included (a version's folders are 0555)."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
        return
    if not path.exists():
        return
    for root, dirs, _ in os.walk(path):
        os.chmod(root, stat.S_IRWXU)
        for name in dirs:
            os.chmod(os.path.join(root, name), stat.S_IRWXU)
    shutil.rmtree(path, ignore_errors=True)


def _write_province_slices(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """`<folder>/<code>/<table>.parquet` for every current province and slice, empty where it has no rows.
    One partitioned COPY per table (not one per province and table), its parts then renamed into place."""
    folder.mkdir()
    available = {
        t
        for (t,) in con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database()"
        ).fetchall()
    }
    if "core.dim_province" not in available:
        return
    codes = [
        c for (c,) in con.execute("SELECT province_code FROM core.dim_province WHERE is_current ORDER BY 1").fetchall()
    ]
    for code in codes:
        (folder / code).mkdir()
    parts = folder / ".parts"
    parts.mkdir()
    for name, query in PROVINCE_SLICES.items():
        if not any(t.endswith(f".{name}") for t in available):
            continue
        con.execute(
            f"""COPY (SELECT * FROM ({query}) WHERE _province IN (SELECT unnest(?)))
                        TO '{parts / name}' (FORMAT parquet, PARTITION_BY (_province))""",
            [codes],
        )
        empty = parts / f"{name}.parquet"
        con.execute(f"COPY (SELECT * EXCLUDE (_province) FROM ({query}) LIMIT 0) TO '{empty}' (FORMAT parquet)")
        for code in codes:
            target = folder / code / f"{name}.parquet"
            written = sorted((parts / name / f"_province={code}").glob("*.parquet"))
            if len(written) == 1:
                written[0].rename(target)
            elif written:  # DuckDB closed the partition's file early and went on in another: merged
                con.execute(
                    f"COPY (SELECT * FROM read_parquet(?, hive_partitioning = false)) TO '{target}' (FORMAT parquet)",
                    [[str(p) for p in written]],
                )
            else:
                shutil.copyfile(empty, target)
    shutil.rmtree(parts, ignore_errors=True)
