"""Quarantine reasons grouped by kind: "start_date … is not a date (YYYY-MM-DD)", not one line per bad date.

A reason quotes the values that were wrong; the kind is the reason with those values taken out: every
value of the record's own fields that the reason quotes, then what still looks like a value (dates,
times, numbers, codes with digits).
"""

from __future__ import annotations

import re

GAP = "…"
_VALUE_LIKE = re.compile(r"\d[\w./+-]*(?::\d[\w./+-]*)*|'[^']*'|\"[^\"]*\"")
_GAPS = re.compile(GAP + r"(?:[\s,;]*" + GAP + r")+")


def reason_kind(reason: str, raw_record: dict | None = None) -> str:
    """The reason with the values it quotes replaced by `…`."""
    # a quoted value is short; a field holding the whole reason (a parse error) is not a value in it
    values = {
        str(v)
        for v in (raw_record or {}).values()
        if isinstance(v, (str, int, float)) and 2 <= len(str(v)) <= 40 and str(v) != reason
    }
    for value in sorted((v for v in values if v in reason), key=len, reverse=True):
        reason = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", GAP, reason)
    return _GAPS.sub(GAP, _VALUE_LIKE.sub(GAP, reason))


def grouped_reasons(rows, examples: int = 3) -> dict[str, list[dict]]:
    """(model, source_key, reason, raw_record) rows -> per model, its kinds of reason, most rows first, each
    with its row count and a few records (key and reason as written) as examples."""
    kinds: dict[str, dict[str, dict]] = {}
    for model, key, reason, raw in rows:
        kind = reason_kind(reason or "", raw)
        entry = kinds.setdefault(model, {}).setdefault(kind, {"kind": kind, "rows": 0, "examples": []})
        entry["rows"] += 1
        if len(entry["examples"]) < examples:
            entry["examples"].append({"key": key, "reason": reason})
    return {
        model: sorted(found.values(), key=lambda k: (-k["rows"], k["kind"])) for model, found in sorted(kinds.items())
    }
