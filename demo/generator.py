"""Seeded generator of realistic national S&T data, with the ground truth beside it.

Writes under `<out>/`:
- `ministries/<CODE>/<resource>.jsonl`: what each ministry's API serves (tasks, task_results,
  organizations, researchers), with `updated_at`;
- `academies/<repo>.jsonl`: Dublin Core records each academy repository serves over OAI-PMH;
- `reports/*.xlsx|csv`: provincial statistical report files (forms 01-04), one per province, year
  and form, in the template the README documents (a fraction with the quirks of `demo.workbook.ReportQuirks`);
- `ground_truth/*.csv`: which source records are the same organisation, researcher, publication or
  task, and the statistics each province really reported;
- `manifest.json`: scale, seed and counts.

The feeds carry the imperfections of real ones: diacritic and spelling variants, abbreviations,
name-order changes, missing fields, the same task registered by two managing bodies, the same
publication in two repositories, the same organisation under several names, late and missing
reports, revised submissions, odd spreadsheets (CSV, legacy TCVN3/VNI text, re-spelled headers),
one unreadable OAI-PMH record per repository. Province codes are those valid at the date the record refers to;
tasks started before 1 March 2025 carry the managing body of their time (Bộ NN&PTNT, Bộ GTVT ...), served by
the feed of the ministry that took it over.
"""

from __future__ import annotations

import json
import random
import shutil
import unicodedata
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from demo import vocabulary as V
from demo.demo_files import DemoFiles
from demo.people import People
from demo.provincial_statistics import ProvincialStatistics
from demo.publications import Publications
from demo.tasks import Tasks
from demo.world import AS_OF, MERGER_DATE, SCALES, Scale, iso
from sources.ministries.registry import load_registry
from sources.reference import load_provinces, read_reference
from sources.vietnamese import strip_diacritics


class _World(People, Tasks, Publications, ProvincialStatistics, DemoFiles):
    def __init__(self, scale: Scale, seed: int):
        self.s = scale
        self.rng = random.Random(seed)
        # Imperfections draw from their own stream, so adding one leaves every value and ground truth unchanged.
        self.quirks_rng = random.Random(seed * 7919 + 1)
        provinces = load_provinces()
        self.old_provinces = [p for p in provinces if p["valid_to"]]
        self.new_provinces = [p for p in provinces if not p["valid_to"]]
        self.successor = {p["province_code"]: p["successor_code"] for p in self.old_provinces}
        self.province_name = {p["province_code"]: p["name"] for p in self.old_provinces}
        self.ministries = [m["code"] for m in load_registry()]
        bodies = read_reference("managing_bodies")
        self.bodies_before_merger = {
            b["body_code"]: [b["body_code"]] * (b["valid_from"] is None)
            + [p["body_code"] for p in bodies if p["successor_code"] == b["body_code"]]
            for b in bodies
        }
        # Hà Nội and TP HCM hold most S&T organisations; the rest share the remainder.
        self.province_weight = {p["province_code"]: 1.0 for p in self.old_provinces}
        self.province_weight.update(
            {
                "01": 30.0,
                "79": 20.0,
                "48": 4.0,
                "31": 3.0,
                "92": 3.0,
                "46": 2.5,
                "40": 2.0,
                "56": 1.8,
                "75": 1.8,
                "74": 1.6,
                "19": 1.6,
            }
        )
        self.feeds: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)  # (ministry, resource) -> id -> rec
        self.truth_org, self.truth_researcher, self.truth_pub, self.truth_task_pairs = [], [], [], []
        self.truth_pub_authors = []
        self.truth_defects = []

    # -- helpers -------------------------------------------------------------------------------
    def updated_at(self, not_before: datetime | None = None) -> datetime:
        start = not_before or datetime(2024, 1, 1, tzinfo=UTC)
        span = max(int((AS_OF - start).total_seconds()), 1)
        return start + timedelta(seconds=self.rng.randrange(span))

    def code_at(self, old_code: str, when: date) -> str:
        """The province code a record dated `when` carries."""
        return self.successor[old_code] if when >= MERGER_DATE else old_code

    def name_variant(self, name: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            return strip_diacritics(name)
        if roll < 0.55:
            return name.upper()
        if roll < 0.75:
            for long, short in V.ABBREVIATIONS:
                if long in name:
                    return name.replace(long, short)
            return strip_diacritics(name)
        if roll < 0.9:  # decomposed Unicode and the other tone placement, as old office software sends
            return unicodedata.normalize("NFD", name.replace("òa", "oà").replace("ủy", "uỷ"))
        return "  " + name.replace(" ", "  ", 1) + " "

    def person_variant(self, full: str) -> str:
        parts = full.split()
        roll = self.rng.random()
        if roll < 0.4:
            return strip_diacritics(full)
        if roll < 0.65:  # given name first, as in international repositories
            return " ".join(parts[1:] + parts[:1])
        if roll < 0.85:
            return strip_diacritics(" ".join(parts[1:] + parts[:1]))
        return full.upper()


def generate(out: Path, scale: str = "small", seed: int = 2025, progress=None) -> dict:
    """Generate a complete demo dataset into `out` (replacing what is there); returns the manifest."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    world = _World(SCALES[scale], seed)
    steps = [
        ("organisations", world.build_organizations),
        ("researchers", world.build_researchers),
        ("S&T tasks", world.build_tasks),
        ("broken records", world.spoil_records),
        ("publications", world.build_publications),
        ("unreadable records", world.malformed_records),
        ("provincial statistics", world.build_statistics),
    ]
    for label, step in steps:
        if progress:
            progress(label)
        step()
    if progress:
        progress("writing files")
    counts = world.write(out)
    manifest = {
        "scale": scale,
        "seed": seed,
        "as_of": iso(AS_OF),
        "counts": counts,
        "generated_at": iso(datetime.now(UTC)),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest
