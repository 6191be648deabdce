"""How often each source family is loaded: its schedule, and from it the freshness policy of its raw assets.

The cron string is the one fact: the schedule in pipelines/jobs.py runs it, and the raw assets'
`FreshnessPolicy` (shown on each asset in the UI, evaluated by Dagster's daemon, read by the quality
review) allows one interval between two runs as the warning window and half an interval more as the
failure window. Reference data ships with the code and is loaded by every job; it warns after a week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import dagster as dg
from dagster._utils.schedules import cron_string_iterator

TIMEZONE = "Asia/Ho_Chi_Minh"
GRACE = 0.5  # a load may be half an interval late before its source fails its freshness policy


@dataclass(frozen=True)
class Cadence:
    source: str
    cron: str | None  # when the family's refresh job is scheduled (TIMEZONE); None: loaded by every job
    why: str
    interval_hours: float | None = None  # for a family without a schedule of its own

    @property
    def hours(self) -> float:
        """Hours between two scheduled loads."""
        if self.cron is None:
            return float(self.interval_hours)
        ticks = cron_string_iterator(datetime(2025, 1, 1).timestamp(), self.cron, TIMEZONE)
        first = next(ticks)
        return (next(ticks) - first).total_seconds() / 3600

    @property
    def freshness_policy(self) -> dg.FreshnessPolicy:
        return dg.FreshnessPolicy.time_window(
            fail_window=timedelta(hours=self.hours * (1 + GRACE)), warn_window=timedelta(hours=self.hours)
        )


CADENCES = {
    c.source: c
    for c in [
        Cadence("ministries", "0 2 * * *", "Daily: ministries update their registries during the working day."),
        Cadence("provinces", "0 4 * * *", "Daily: picks up report files dropped into the intake folder."),
        Cadence("academies", "0 3 * * 0", "Weekly on Sunday: repositories change slowly."),
        Cadence("reference", None, "Shipped with the code and loaded by every job.", interval_hours=168),
    ]
}
