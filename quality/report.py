"""The HTML quality report an operator opens in a browser: `<data>/reports/quality.html`.

One self-contained page (no scripts, no external files; charts are inline SVG), in Vietnamese with
English, what needs someone first: open alerts, failing checks and files held; then charts of the rows
kept and quarantined over the last runs and of the provincial reports per year; the quarantine's
reasons grouped by kind; every table's checks with their history; source freshness; reporting
completeness. Each run, table and check links to the Dagster UI. Rendered from the Jinja2 templates in
`quality/templates/`; written by every quality review, atomically (temporary file, rename).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from functools import cache
from pathlib import Path

from quality.alerts import failure_lines
from quality.freshness import Freshness
from quality.reasons import grouped_reasons

HISTORY = 10  # results shown per check, and runs per chart
STATUSES = ("on_time", "late", "held", "missing")  # a province's form for a year (quality/freshness.py)


@cache
def _templates():
    import jinja2  # noqa: PLC0415

    return jinja2.Environment(
        loader=jinja2.PackageLoader("quality", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _checks(con) -> dict[str, list[dict]]:
    """Per table, its checks with their last results, newest first."""
    results = con.execute(
        """
        SELECT asset_key, check_name, severity, passed, details::VARCHAR, run_id, checked_at
        FROM quality.check_results
        QUALIFY row_number() OVER (PARTITION BY asset_key, check_name ORDER BY checked_at DESC) <= ?
        ORDER BY asset_key, check_name, checked_at DESC""",
        [HISTORY],
    ).fetchall()
    checks: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for table, check, severity, passed, details, run_id, checked_at in results:
        status = "pass" if passed else ("fail" if severity == "ERROR" else "warn")
        checks[table][check].append(
            {
                "severity": severity,
                "passed": passed,
                "status": status,
                "run_id": run_id,
                "at": checked_at,
                "details": json.loads(details or "{}"),
            }
        )
    return {
        table: [
            {
                "table": table,
                "name": name,
                "history": history,
                "latest": history[0],
                "marks": "".join("P" if h["passed"] else "F" for h in history),
            }
            for name, history in sorted(by_check.items())
        ]
        for table, by_check in checks.items()
    }


def _row_history(con) -> list[dict]:
    """Per model that quarantines: rows kept and quarantined in each of its last runs, oldest first
    (from `rows_reconcile`, which counts them in every run)."""
    rows = con.execute(
        """
        SELECT asset_key, run_id, checked_at, (details->>'kept')::BIGINT, (details->>'quarantined')::BIGINT
        FROM quality.check_results WHERE check_name = 'rows_reconcile'
        QUALIFY row_number() OVER (PARTITION BY asset_key ORDER BY checked_at DESC) <= ?
        ORDER BY asset_key, checked_at""",
        [HISTORY],
    ).fetchall()
    by_model: dict[str, list[tuple]] = defaultdict(list)
    for model, run_id, at, kept, quarantined in rows:
        by_model[model].append((f"{at:%d/%m %H:%M}", run_id, kept or 0, quarantined or 0))

    def bars(runs, series, position):  # one series per chart: 9 quarantined rows beside 5,000 kept stay visible
        return [
            {"label": run[0], "run_id": run[1], "total": run[position], "values": {series: run[position]}}
            for run in runs
        ]

    return [
        {"model": model, "kept": bars(runs, "kept", 2), "quarantined": bars(runs, "quarantined", 3)}
        for model, runs in sorted(by_model.items())
    ]


def _reports_by_year(completeness: list[dict]) -> list[dict]:
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    deadlines = {}
    for row in completeness:
        by_year[row["year"]][row["status"]] += 1
        deadlines[row["year"]] = row["deadline"]
    return [
        {"label": str(year), "year": year, "deadline": deadlines[year], "values": counts, "total": sum(counts.values())}
        for year, counts in sorted(by_year.items())
    ]


def _files_needing_someone(files: list[dict]) -> list[dict]:
    """Report files held or with held rows, held first; those loaded whole are only counted."""
    action = sorted(
        (f for f in files if f["outcome"] != "loaded"),
        key=lambda f: (f["outcome"] != "held", f["superseded_by"] is not None, f["file_name"]),
    )
    return [
        f
        | {"reason": f["reason_vi"] and f"{f['reason_vi']} / {f['reason_en']}" or "; ".join(f["quarantined_rows"][:3])}
        for f in action
    ]


def render(
    con, freshness: list[Freshness], completeness: list[dict], now: datetime, files: list[dict] | None = None, ui=None
) -> str:
    """The page; `ui` (assets/resources.py's DagsterUI) is where runs, tables and checks link to."""
    if ui is None:
        from assets.resources import DagsterUI  # noqa: PLC0415

        ui = DagsterUI()
    checks = _checks(con)
    alerts = con.execute("""
        SELECT alert_id, severity, subject, message, details->>'run_url', opened_at FROM quality.alerts
        WHERE closed_at IS NULL ORDER BY severity, opened_at""").fetchall()
    reasons = grouped_reasons(
        (m, k, r, json.loads(raw or "{}"))
        for m, k, r, raw in con.execute(
            "SELECT model, source_key, reason, raw_record::VARCHAR FROM quality.quarantine ORDER BY model, source_key"
        ).fetchall()
    )
    failing = [c for table in checks.values() for c in table if not c["latest"]["passed"]]
    failing.sort(key=lambda c: (c["latest"]["severity"] != "ERROR", c["table"], c["name"]))
    tables = sorted(
        set(checks) | set(reasons), key=lambda t: (all(c["latest"]["passed"] for c in checks.get(t, [])), t)
    )
    files = files or []
    return (
        _templates()
        .get_template("report.html.j2")
        .render(
            now=now,
            ui=ui,
            history=HISTORY,
            checks=checks,
            failing=failing,
            tables=tables,
            reasons=reasons,
            alerts=[
                dict(zip(("id", "severity", "subject", "message", "run_url", "opened_at"), a, strict=True))
                for a in alerts
            ],
            quarantined=sum(k["rows"] for kinds in reasons.values() for k in kinds),
            failure_lines=failure_lines,
            row_history=_row_history(con),
            years=_reports_by_year(completeness),
            freshness=freshness,
            missing=[r for r in completeness if r["status"] == "missing"],
            files=files,
            files_action=_files_needing_someone(files),
        )
    )


def write(path: Path, page: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path
