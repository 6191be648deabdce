"""The HTML quality report an operator opens in a browser: `<data>/reports/quality.html`.

One self-contained page (no scripts, no external files): open alerts; per table its checks with the
pass/fail history of the last runs, its quarantined rows with the top reasons; source freshness; and
provincial reporting completeness. Written by every quality review, atomically (temporary file, rename).
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from quality.freshness import Freshness

HISTORY = 10  # results shown per check

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1f24}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccd}
h3{font-size:1rem;margin:1.2rem 0 .3rem}
table{border-collapse:collapse;margin:.3rem 0}td,th{border:1px solid #ccd;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#eef}.pass{color:#176f2c}.fail{color:#b3261e;font-weight:bold}.warn{color:#9a6700;font-weight:bold}
.dot{display:inline-block;width:.9rem;height:.9rem;margin-right:2px;border-radius:2px}
.dot.pass{background:#2da44e}.dot.fail{background:#cf222e}.dot.warn{background:#d4a72c}
.summary span{margin-right:1.5rem}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _status_class(passed: bool, severity: str) -> str:
    return "pass" if passed else ("fail" if severity == "ERROR" else "warn")


def render(con, freshness: list[Freshness], completeness: list[dict], now: datetime,
           files: list[dict] | None = None) -> str:
    results = con.execute("""
        SELECT asset_key, check_name, severity, passed, failed_expectations, details::VARCHAR, run_id, checked_at
        FROM quality.check_results
        QUALIFY row_number() OVER (PARTITION BY asset_key, check_name ORDER BY checked_at DESC) <= ?
        ORDER BY asset_key, check_name, checked_at DESC""", [HISTORY]).fetchall()
    quarantine = con.execute("""
        SELECT model, reason, count(*) FROM quality.quarantine GROUP BY ALL ORDER BY model, 3 DESC, reason""").fetchall()
    alerts = con.execute("""
        SELECT alert_id, severity, subject, message, opened_at FROM quality.alerts
        WHERE closed_at IS NULL ORDER BY severity, opened_at""").fetchall()

    checks: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for table, check, severity, passed, failed, details, run_id, checked_at in results:
        checks[table][check].append((severity, passed, failed, json.loads(details or "{}"), run_id, checked_at))
    reasons: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for model, reason, count in quarantine:
        reasons[model].append((reason, count))

    latest_failed = sum(1 for t in checks.values() for c in t.values() if not c[0][1])
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>CSDL KH&amp;CN quality report</title>"
           f"<style>{_STYLE}</style></head><body>",
           "<h1>CSDL KH&amp;CN quality report</h1>",
           f"<p class='summary' id='summary'><span>written {now:%Y-%m-%d %H:%M %Z}</span>"
           f"<span id='open-alerts'>open alerts: {len(alerts)}</span>"
           f"<span id='failing-checks'>failing checks: {latest_failed}</span>"
           f"<span id='quarantined'>rows quarantined: {sum(c for _, _, c in quarantine)}</span></p>"]

    out.append("<h2>Open alerts</h2>")
    if alerts:
        out.append("<table id='alerts'><tr><th>severity</th><th>problem</th><th>what to do</th><th>open since</th></tr>")
        for alert_id, severity, subject, message, opened_at in alerts:
            cls = "fail" if severity == "ERROR" else "warn"
            out.append(f"<tr data-alert='{_e(alert_id)}'><td class='{cls}'>{_e(severity)}</td><td>{_e(subject)}</td>"
                       f"<td>{_e(message).replace(chr(10), '<br>')}</td><td>{opened_at:%Y-%m-%d %H:%M}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>None.</p>")

    out.append("<h2>Tables</h2>")
    for table in sorted(set(checks) | set(reasons)):
        out.append(f"<section class='table' data-table='{_e(table)}'><h3>{_e(table)}</h3>")
        if checks.get(table):
            out.append("<table class='checks'><tr><th>check</th><th>severity</th><th>latest</th>"
                       f"<th>history (newest first, last {HISTORY})</th><th>failures</th></tr>")
            for check, history in sorted(checks[table].items()):
                severity, passed, _, details, _, _ = history[0]
                cls = _status_class(passed, severity)
                dots = "".join(
                    f"<span class='dot {_status_class(p, s)}' title='{_e(r)} {t:%Y-%m-%d %H:%M}'></span>"
                    for s, p, _, _, r, t in history)
                failures = "" if passed else "<br>".join(
                    f"{_e(k)}: {_e(v.get('unexpected') if isinstance(v, dict) else v)}" for k, v in details.items())
                marks = "".join("P" if p else "F" for _, p, *_ in history)
                out.append(f"<tr data-check='{_e(check)}' data-history='{marks}'><td>{_e(check)}</td>"
                           f"<td>{'blocking' if severity == 'ERROR' else 'warning'}</td>"
                           f"<td class='{cls}'>{'pass' if passed else 'FAIL'}</td><td>{dots} {marks}</td>"
                           f"<td>{failures}</td></tr>")
            out.append("</table>")
        if reasons.get(table):
            total = sum(c for _, c in reasons[table])
            out.append(f"<p class='quarantine' data-quarantined='{total}'>{total} rows quarantined; top reasons:</p>"
                       "<table class='reasons'><tr><th>reason</th><th>rows</th></tr>")
            out += [f"<tr><td>{_e(r)}</td><td>{c}</td></tr>" for r, c in reasons[table][:5]]
            out.append("</table>")
        out.append("</section>")

    out.append("<h2>Freshness</h2><table id='freshness'><tr><th>source</th><th>last successful load</th>"
               "<th>age (h)</th><th>expected every (h)</th><th>status</th></tr>")
    for f in freshness:
        out.append(f"<tr data-source='{_e(f.source)}'><td>{_e(f.source)}</td>"
                   f"<td>{f.last_load:%Y-%m-%d %H:%M %Z}</td>" if f.last_load else
                   f"<tr data-source='{_e(f.source)}'><td>{_e(f.source)}</td><td>never</td>")
        out.append(f"<td>{'' if f.age_hours is None else f'{f.age_hours:.1f}'}</td><td>{f.cadence_hours:.0f}</td>"
                   f"<td class='{'warn' if f.stale else 'pass'}'>{'stale' if f.stale else 'fresh'}</td></tr>")
    out.append("</table>")

    out.append("<h2>Provincial reports</h2>")
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in completeness:
        by_year[row["year"]][row["status"]] += 1
    out.append("<table id='completeness'><tr><th>year</th><th>deadline</th><th>on time</th><th>late</th>"
               "<th>held</th><th>missing</th></tr>")
    deadlines = {r["year"]: r["deadline"] for r in completeness}
    for year, counts in sorted(by_year.items()):
        out.append(f"<tr data-year='{year}'><td>{year}</td><td>{deadlines[year]:%d/%m/%Y}</td>"
                   f"<td>{counts['on_time']}</td><td>{counts['late']}</td><td>{counts['held']}</td>"
                   f"<td>{counts['missing']}</td></tr>")
    out.append("</table>")
    missing = [r for r in completeness if r["status"] == "missing"]
    if missing:
        out.append("<table id='missing-reports'><tr><th>year</th><th>province</th><th>form</th></tr>")
        out += [f"<tr><td>{r['year']}</td><td>{_e(r['province_name'])} ({_e(r['province_code'])})</td>"
                f"<td>{_e(r['form_code'])}</td></tr>" for r in missing]
        out.append("</table>")
    out += _files_received(files or [])
    out.append("</body></html>")
    return "\n".join(out)


def _files_received(files: list[dict]) -> list[str]:
    """Report files that need someone (held, or with held rows) one per line, held first; the files loaded
    whole only counted (each has its receipt)."""
    if not files:
        return []
    action = sorted((f for f in files if f["outcome"] != "loaded"),
                    key=lambda f: (f["outcome"] != "held", f["superseded_by"] is not None, f["file_name"]))
    whole = len(files) - len(action)
    out = [f"<h3>Tệp báo cáo đã nhận / report files received</h3><p id='files-loaded'>{whole} of {len(files)} "
           "files loaded whole; receipts for every file are in <code>data/receipts/</code>.</p>"]
    if not action:
        return out
    out.append("<table id='report-files'><tr><th>file</th><th>province</th><th>year</th><th>form</th><th>outcome</th>"
               "<th>rows kept / held</th><th>reason</th></tr>")
    for f in action:
        reason = f["reason_vi"] and f"{f['reason_vi']} / {f['reason_en']}" or "; ".join(f["quarantined_rows"][:3])
        css = "fail" if f["outcome"] == "held" else "warn"
        replaced = f" (replaced by {_e(f['superseded_by'])})" if f["superseded_by"] else ""
        out.append(f"<tr data-file='{_e(f['file_name'])}' data-outcome='{f['outcome']}'><td>{_e(f['file_name'])}</td>"
                   f"<td>{_e(f['province_name'])} ({_e(f['province_code'])})</td><td>{_e(f['reference_year'])}</td>"
                   f"<td>{_e(f['form_code'])}</td><td class='{css}'>{f['outcome']}{replaced}</td>"
                   f"<td>{f['kept']} / {len(f['quarantined_rows'])}</td><td>{_e(reason)}</td></tr>")
    out.append("</table>")
    return out


def write(path: Path, page: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path
