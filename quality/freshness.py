"""Freshness of each source, and provincial reports missing after the reporting deadline.

Freshness is Dagster's: each raw asset carries the `FreshnessPolicy` of its source family
(assets/cadences.py), which the UI shows and Dagster's daemon evaluates. The review judges each family
by the same policy, so it alerts without a daemon too: its latest successful load (the latest
materialisation of any of its `raw/<source>/*` assets, read from the Dagster instance) fails once it
is as old as the policy's failure window, as Dagster's evaluator decides.

The reporting deadline is ours (`quality.settings.ReportingRules`): after it, every province valid at
the end of the year must have sent every form the template supports. This completeness query lives here
(not in marts) so the alert does not depend on a mart being built in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from quality.suites import FORM_CODES
from warehouse.database import table_exists


@dataclass(frozen=True)
class Freshness:
    source: str
    last_load: datetime | None
    warn_hours: float  # the policy's windows: WARN from the first, FAIL from the second
    fail_hours: float
    now: datetime

    @property
    def age_hours(self) -> float | None:
        return None if self.last_load is None else (self.now - self.last_load).total_seconds() / 3600

    @property
    def cadence_hours(self) -> float:
        return self.warn_hours

    @property
    def stale(self) -> bool:
        """FAIL by the source's freshness policy (never loaded counts too: nothing has arrived)."""
        return self.last_load is None or self.age_hours >= self.fail_hours


def policies() -> dict[str, tuple[float, float]]:
    """(warn, fail) hours of each source family's freshness policy."""
    from assets.cadences import CADENCES  # noqa: PLC0415  (quality/ stays importable without Dagster)

    def hours(window) -> float:
        return window.to_timedelta().total_seconds() / 3600

    return {
        source: (hours(c.freshness_policy.warn_window), hours(c.freshness_policy.fail_window))
        for source, c in CADENCES.items()
    }


def last_loads(instance) -> dict[str, datetime]:
    """Latest successful materialisation of each source family's raw assets, from the Dagster instance."""
    keys = [k for k in instance.get_asset_keys(prefix=["raw"]) if len(k.path) >= 3]
    latest: dict[str, datetime] = {}
    for key, event in instance.get_latest_materialization_events(keys).items():
        if event is None:
            continue
        when = datetime.fromtimestamp(event.timestamp).astimezone()
        source = key.path[1]
        if source not in latest or when > latest[source]:
            latest[source] = when
    return latest


def freshness(
    loads: dict[str, datetime], now: datetime, windows: dict[str, tuple[float, float]] | None = None
) -> list[Freshness]:
    windows = policies() if windows is None else windows
    return [Freshness(source, loads.get(source), warn, fail, now) for source, (warn, fail) in sorted(windows.items())]


def tables_exist(con, *tables: str) -> bool:
    """Every `schema.table` named is in the warehouse (nothing is before the first load)."""
    return all(table_exists(con, *t.split(".")) for t in tables)


def reporting_completeness(con, today: date, rules) -> list[dict]:
    """For each province valid at the end of a year, each year from the first reported to the last due,
    and each form: when it arrived (first submission; the day received when the signing date is unreadable)
    and whether on time, late, held (a file came but was refused whole) or missing. Nothing before the
    first report file arrives."""
    if not tables_exist(con, "staging.province_report_rows", "staging.province_report_files", "staging.provinces"):
        return []
    first = con.execute(
        "SELECT min(reference_year) FROM staging.province_report_files WHERE reference_year >= 2000"
    ).fetchall()[0][0]
    if first is None:
        return []
    years = list(range(int(first), rules.last_due_year(today) + 1))
    if not years:
        return []
    rows = con.execute(
        """
        WITH years AS (SELECT unnest(?::INTEGER[]) AS year),
             forms AS (SELECT unnest(?::VARCHAR[]) AS form_code),
             expected AS (
                 SELECT p.province_code, p.name AS province_name, y.year, f.form_code
                 FROM years y CROSS JOIN forms f
                 JOIN staging.provinces p ON make_date(y.year, 12, 31) BETWEEN p.valid_from
                                             AND coalesce(p.valid_to, DATE '9999-12-31')),
             received AS (
                 SELECT province_code, reference_year AS year, form_code,
                        min(coalesce(report_date, CAST(received_at AS DATE))) AS report_date
                 FROM staging.province_report_rows GROUP BY ALL),
             held AS (
                 SELECT DISTINCT province_code, reference_year AS year, form_code FROM staging.province_report_files
                 WHERE status = 'held')
        SELECT e.province_code, e.province_name, e.year, e.form_code, r.report_date, h.year IS NOT NULL
        FROM expected e LEFT JOIN received r USING (province_code, year, form_code)
        LEFT JOIN held h USING (province_code, year, form_code)
        ORDER BY e.year, e.province_code, e.form_code""",
        [years, FORM_CODES],
    ).fetchall()
    result = []
    for code, name, year, form, arrived, held in rows:
        due = rules.due(year)
        status = ("held" if held else "missing") if arrived is None else ("late" if arrived > due else "on_time")
        result.append(
            {
                "province_code": code,
                "province_name": name,
                "year": year,
                "form_code": form,
                "report_date": arrived,
                "deadline": due,
                "status": status,
            }
        )
    return result


def days_overdue(due: date, today: date) -> int:
    return max(0, (today - due) // timedelta(days=1))
