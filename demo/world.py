"""What every part of the demo generator shares: its fixed dates, the repositories, the scales, random draws."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime

MERGER_DATE = date(2025, 7, 1)
MINISTRY_MERGER_DATE = date(2025, 3, 1)  # Resolution 176/2025/QH15
AS_OF = datetime(2026, 10, 31, tzinfo=UTC)  # the feeds' "now"; fixed so a seed gives one dataset
REPOSITORIES = {
    "vast": "Viện Hàn lâm Khoa học và Công nghệ Việt Nam",
    "vass": "Viện Hàn lâm Khoa học xã hội Việt Nam",
    "vnu": "Đại học Quốc gia Hà Nội",
}


@dataclass(frozen=True)
class Scale:
    organizations: int
    researchers: int
    tasks: int
    publications: int
    first_year: int
    last_year: int


SCALES = {
    "small": Scale(organizations=150, researchers=1500, tasks=1200, publications=2000, first_year=2023, last_year=2025),
    "national": Scale(
        organizations=2300, researchers=70000, tasks=30000, publications=100000, first_year=2016, last_year=2025
    ),
}


def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=False)
    return rng.choices(values, weights=weights, k=1)[0]


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
