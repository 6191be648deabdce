"""The demo written to disk: the feeds, the report files (some revised), the ground truth and the counts."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

from demo.workbook import ReportQuirks, write_report_workbook
from demo.world import MERGER_DATE


class DemoFiles:
    """Writes `_World` out as the files `generate` documents."""

    # -- writing -------------------------------------------------------------------------------
    def write(self, out: Path) -> dict:
        for (ministry, resource), records in self.feeds.items():
            folder = out / "ministries" / ministry
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / f"{resource}.jsonl", "w", encoding="utf-8") as f:
                for rec in records.values():
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        (out / "academies").mkdir(parents=True, exist_ok=True)
        for repo, records in self.repos.items():
            with open(out / "academies" / f"{repo}.jsonl", "w", encoding="utf-8") as f:
                for rec in records:
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        reports = out / "reports"
        submitted = self._write_reports(reports)
        truth_dir = out / "ground_truth"
        truth_dir.mkdir(parents=True, exist_ok=True)
        _write_csv(truth_dir / "organizations.csv", ["source_system", "source_id", "entity_id"], self.truth_org)
        _write_csv(truth_dir / "researchers.csv", ["source_system", "source_id", "entity_id"], self.truth_researcher)
        _write_csv(truth_dir / "publications.csv", ["source_system", "source_id", "entity_id"], self.truth_pub)
        _write_csv(
            truth_dir / "publication_authors.csv",
            ["source_system", "source_id", "position", "entity_id"],
            self.truth_pub_authors,
        )
        _write_csv(
            truth_dir / "defects.csv", ["source_system", "source_id", "resource", "field", "defect"], self.truth_defects
        )
        _write_csv(
            truth_dir / "task_duplicates.csv",
            ["source_system_a", "source_id_a", "source_system_b", "source_id_b"],
            self.truth_task_pairs,
        )
        _write_csv(
            truth_dir / "statistics.csv",
            [
                "province_code",
                "reference_year",
                "form_code",
                "indicator_code",
                "breakdown",
                "value",
                "unit",
                "report_date",
                "first_report_date",
            ],
            [(c, y, f, i, b, v, u, d, d1) for c, y, f, d, d1, rows in submitted for i, b, v, u in rows],
        )
        counts = {
            "organizations": sum(len(r) for (m, k), r in self.feeds.items() if k == "organizations"),
            "researchers": sum(len(r) for (m, k), r in self.feeds.items() if k == "researchers"),
            "tasks": sum(len(r) for (m, k), r in self.feeds.items() if k == "tasks"),
            "task_results": sum(len(r) for (m, k), r in self.feeds.items() if k == "task_results"),
            "publications": sum(len(r) for r in self.repos.values()),
            "report_files": len(list(reports.glob("*"))),
            "organization_entities": len(self.orgs),
            "researcher_entities": len(self.people),
            "publication_entities": self.s.publications,
            "task_duplicate_pairs": len(self.truth_task_pairs),
            "broken_records": len(self.truth_defects),
        }
        return counts

    def _write_reports(self, reports: Path) -> list[tuple]:
        """The report files each province sends (some late, some revised, a few never); what was submitted."""
        rng = self.rng
        reports.mkdir(parents=True, exist_ok=True)
        names = {p["province_code"]: p["name"] for p in self.old_provinces}
        names_new = {p["province_code"]: p["name"] for p in self.new_provinces}
        submitted = []
        for (code, year, form), rows in sorted(self.statistics.items()):
            if rng.random() < 0.03:
                continue  # this report never arrives
            late = rng.random() < 0.1
            when = date(year + 1, 2, 1) + timedelta(days=rng.randint(15, 75) if late else rng.randint(0, 13))
            name = (names_new if year >= MERGER_DATE.year else names)[code]
            first = when
            quirks = ReportQuirks.draw(self.quirks_rng)
            if rng.random() < 0.04:  # a first submission with errors, superseded by a revision
                first = when - timedelta(days=5)
                draws = [rng.uniform(0.8, 1.2) for _, b, _, _ in rows if b == "tong"]  # as many draws as ever
                draft = _draft(rows, 1 + abs(draws[0] - 1))
                write_report_workbook(reports, code, name, year, form, first, draft, revision=1, quirks=quirks)
                write_report_workbook(reports, code, name, year, form, when, rows, revision=2, quirks=quirks)
            else:
                write_report_workbook(reports, code, name, year, form, when, rows, revision=1, quirks=quirks)
            submitted.append((code, year, form, when.isoformat(), first.isoformat(), rows))
        return submitted


def _write_csv(path: Path, header: list[str], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _draft(rows, factor: float):
    """A first submission with wrong figures that still add up: each total raised by `factor`, and the first
    member of each of its breakdowns by as much."""
    totals = {i: v for i, b, v, _ in rows if b == "tong"}
    delta = {
        i: float(round(t * (factor - 1))) if t == int(t) else round(t * (factor - 1), 1) for i, t in totals.items()
    }
    raised, out = set(), []
    for i, b, v, u in rows:
        dimension = (i, b.split(":")[0])
        if dimension not in raised:
            raised.add(dimension)
            v = round(v + delta[i], 1)
        out.append((i, b, v, u))
    return out
