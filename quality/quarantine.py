"""The quarantine workflow: list what was rejected, export it for fixing, apply the fixes, replay.

How an operator supplies a fix: `csdl quarantine export fixes.jsonl` writes one JSON object per
quarantined record (`model`, `source_key`, `reason`, `raw_record`). The operator edits the fields of
`raw_record` that are wrong (and may delete the lines they do not fix), then runs
`csdl quarantine replay fixes.jsonl`, which

1. finds each record's row in the raw table its staging model reads (the row whose JSON is exactly the
   quarantined `raw_record`), and writes the edited fields into that row;
2. keeps an audit row in `quality.corrections` (original, corrected, fields changed, who, when);
3. runs `rebuild_from_raw`: the normal path (staging, checks, core, marts, publishing), so a fixed record
   reaches core only if it now passes, and `rows_reconcile` still proves received = kept + quarantined.

The fix lives in the raw row until the source sends that record again: a later load of the same key
replaces it (the source should be fixed too; the quarantine note says what was wrong).
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from pathlib import Path

from warehouse.modelling import Model, discover
from warehouse.permissions import create_private_file


class CorrectionError(ValueError):
    pass


@dataclass(frozen=True)
class Correction:
    model: str
    source_key: str
    raw_table: str
    changed: dict


def records(con, model: str | None = None) -> list[dict]:
    rows = con.execute(
        """
        SELECT model, source_system, source_key, reason, raw_record::VARCHAR, load_id, quarantined_at
        FROM quality.quarantine WHERE ? IS NULL OR model = ? ORDER BY model, source_system, source_key""",
        [model, model],
    ).fetchall()
    return [
        {
            "model": m,
            "source_system": s,
            "source_key": k,
            "reason": r,
            "raw_record": json.loads(raw),
            "load_id": load,
            "quarantined_at": when,
        }
        for m, s, k, r, raw, load, when in rows
    ]


def export(con, path: Path, model: str | None = None) -> int:
    found = records(con, model)
    with create_private_file(path) as f:  # the raw records hold personal data as received
        for r in found:
            line = {k: r[k] for k in ("model", "source_system", "source_key", "reason", "raw_record")}
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(found)


def _raw_table(model_name: str, models: dict[str, Model]) -> str:
    model = models.get(model_name)
    if model is None or not model.quarantines:
        raise CorrectionError(f"{model_name} is not a staging model that quarantines records")
    return next(d for d in model.dependencies if d.startswith("raw_"))


def apply(con, path: Path, applied_by: str | None = None) -> list[Correction]:
    """Writes the edited fields of each line of `path` into the raw rows; all lines or none."""
    models = {m.table: m for m in discover()}
    applied_by = applied_by or getpass.getuser()
    lines = [(n, line) for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1) if line.strip()]
    if not lines:
        raise CorrectionError(f"{path} holds no fixes; export with `csdl quarantine export` and edit it")
    corrections: list[Correction] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for number, line in lines:
            where = f"{path} line {number}"
            try:
                fix = json.loads(line)
                model_name, key, corrected = fix["model"], fix["source_key"], fix["raw_record"]
                system = fix["source_system"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise CorrectionError(
                    f"{where}: expected a JSON object with model, source_system, source_key and raw_record ({error})"
                ) from None
            raw_table = _raw_table(model_name, models)
            found = con.execute(
                "SELECT reason, raw_record::VARCHAR FROM quality.quarantine "
                "WHERE model = ? AND source_system = ? AND source_key = ?",
                [model_name, system, key],
            ).fetchall()
            if not found:
                raise CorrectionError(
                    f"{where}: {key} is not in quality.quarantine for {model_name} "
                    "(already replayed, or the key was edited?)"
                )
            reason, original_text = found[0]
            original = json.loads(original_text)
            unknown = sorted(set(corrected) - set(original))
            if unknown:
                raise CorrectionError(f"{where}: {key}: field(s) {', '.join(unknown)} are not columns of {raw_table}")
            changed = {k: v for k, v in corrected.items() if v != original.get(k)}
            if not changed:
                raise CorrectionError(
                    f"{where}: {key}: raw_record is unchanged; edit the wrong fields "
                    f"(reason: {reason}) or delete the line"
                )
            rows = con.execute(
                f"SELECT rowid FROM {raw_table} AS t WHERE to_json(t)::VARCHAR = ?", [original_text]
            ).fetchall()
            if len(rows) != 1:
                raise CorrectionError(
                    f"{where}: {key}: found {len(rows)} rows of {raw_table} equal to the "
                    "quarantined record; was the source reloaded since? Export again."
                )
            for column, value in changed.items():
                con.execute(f'UPDATE {raw_table} SET "{column}" = ? WHERE rowid = ?', [value, rows[0][0]])
            con.execute(
                "INSERT INTO quality.corrections VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
                [
                    model_name,
                    key,
                    raw_table,
                    reason,
                    original_text,
                    json.dumps(corrected, ensure_ascii=False),
                    sorted(changed),
                    applied_by,
                ],
            )
            corrections.append(Correction(model_name, key, raw_table, changed))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return corrections


def outcome(con, corrections: list[Correction]) -> list[dict]:
    """Where each corrected record is after the replay: kept in its staging table, or quarantined again."""
    result = []
    for c in corrections:
        kept = con.execute(f"SELECT count(*) FROM {c.model} WHERE source_id = ?", [c.source_key]).fetchall()[0][0]
        again = con.execute(
            "SELECT reason FROM quality.quarantine WHERE model = ? AND source_key = ?", [c.model, c.source_key]
        ).fetchall()
        result.append(
            {"model": c.model, "source_key": c.source_key, "kept": kept > 0, "reason": again[0][0] if again else None}
        )
    return result
