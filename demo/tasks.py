"""The demo's S&T tasks and their results, registered by managing bodies, some twice, some broken."""

from __future__ import annotations

import zlib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from demo import vocabulary as V
from demo.world import AS_OF, MINISTRY_MERGER_DATE, iso, weighted
from sources.vietnamese import strip_diacritics


class Tasks:
    """The tasks of `_World`, duplicates and broken records with their ground truth."""

    def task_title(self, field1: str, place: str) -> str:
        rng = self.rng
        purpose = rng.choice(V.TASK_PURPOSES)
        title = f"{rng.choice(V.TASK_VERBS)} {rng.choice(V.TASK_OBJECTS[field1])}"
        title += f" {purpose}" if purpose else ""
        return f"{title} tại {place}"

    def reword(self, title: str) -> str:
        rng = self.rng
        swaps = [pair for pair in V.TASK_SYNONYMS if pair[0] in title]
        for long, short in rng.sample(swaps, k=min(len(swaps), rng.randint(1, 2))):
            title = title.replace(long, short, 1)
        if rng.random() < 0.2:
            title = strip_diacritics(title)
        return title

    def build_tasks(self):
        rng, s = self.rng, self.s
        counters = defaultdict(int)
        self.tasks = []
        for _i in range(s.tasks):
            org = rng.choice(self.orgs)
            level = weighted(rng, [("QG", 0.12), ("BO", 0.43), ("CS", 0.45)])
            managing = "BKHCN" if level == "QG" else org["ministry"]
            year = rng.randint(s.first_year, s.last_year)
            start = date(year, rng.randint(1, 12), 1)
            people = self.people_by_org.get(org["entity"]) or [rng.choice(self.people)]
            pi = rng.choice(people)
            place = self.province_name[org["province"]].replace("Thành phố ", "").replace("Tỉnh ", "")
            task = {
                "org": org,
                "pi": pi,
                "level": level,
                "start": start,
                "field": org["field"],
                "title": self.task_title(org["field"][0], place),
                "months": rng.choice([12, 18, 24, 24, 36]),
            }
            self.tasks.append(task)
            self.task_record(task, managing, counters)
            if rng.random() < 0.03:  # the same work registered again by another body, often at another level
                other = rng.choice([m for m in self.ministries if m != managing])
                twin = dict(
                    task,
                    level=weighted(rng, [("BO", 0.6), ("CS", 0.3), ("QG", 0.1)]),
                    title=self.reword(task["title"]),
                    start=date(start.year + rng.choice([0, 0, 1]), rng.randint(1, 12), 1),
                )
                if rng.random() < 0.3:
                    twin["pi"] = rng.choice(people)  # a colleague at the same host registers it
                self.task_record(twin, other, counters)
                self.truth_task_pairs.append((managing, task["source_id"], other, twin["source_id"]))

    def body_at(self, ministry: str, start: date, task: dict) -> str:
        """The body a task starting on `start` was registered under: before 1 March 2025, one of the
        bodies the ministry took over (or itself, if it existed then), always the same one for an
        organisation; national tasks stay with BKHCN. The merged ministry's feed serves its
        predecessors' records."""
        if start >= MINISTRY_MERGER_DATE or task["level"] == "QG":
            return ministry
        candidates = self.bodies_before_merger.get(ministry) or [ministry]
        return candidates[zlib.crc32(task["org"]["entity"].encode()) % len(candidates)]

    def task_record(self, task: dict, managing: str, counters) -> None:
        rng = self.rng
        feed = self.feeds[(managing, "tasks")]
        source_id = f"{managing}-NV-{len(feed) + 1:06d}"
        task["source_id"] = source_id
        start, level = task["start"], task["level"]
        end = (start.replace(day=1) + timedelta(days=31 * task["months"])).replace(day=1) - timedelta(days=1)
        counters[(managing, start.year)] += 1
        n = counters[(managing, start.year)]
        code = {
            "QG": f"ĐTĐL.CN-{n:02d}/{start.year % 100:02d}",
            "BO": f"B{start.year}-{managing}-{n:03d}",
            "CS": f"CS.{start.year}.{managing}.{n:04d}",
        }[level]
        budget = {"QG": (3_000, 15_000), "BO": (500, 3_000), "CS": (50, 300)}[level]
        state_budget = rng.randint(*budget) * 1_000_000
        registered = datetime.combine(start, datetime.min.time(), tzinfo=UTC) - timedelta(days=30)
        if end < AS_OF.date():
            status = weighted(rng, [("da_nghiem_thu", 0.85), ("dang_thuc_hien", 0.1), ("dinh_chi", 0.05)])
        else:
            status = "dang_thuc_hien"
        pi_id = self.researcher_record(task["pi"], managing)
        feed[source_id] = {
            "source_id": source_id,
            "code": code,
            "title": task["title"],
            "level": level,
            "form": weighted(rng, [("de_tai", 0.7), ("du_an", 0.2), ("chuong_trinh", 0.05), ("khac", 0.05)]),
            "managing_body": self.body_at(managing, start, task),
            "host_org_id": self.org_record(task["org"], managing),
            "host_org_name": task["org"]["name"] if rng.random() < 0.7 else self.name_variant(task["org"]["name"]),
            "pi_id": pi_id,
            "pi_name": task["pi"]["name"],
            "field_code": task["field"] if rng.random() < 0.95 else None,
            "budget_state_vnd": state_budget,
            "budget_other_vnd": rng.choice([0, 0, rng.randint(10, 500) * 1_000_000]),
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "status": status,
            "province_code": self.code_at(task["org"]["province"], start),
            "updated_at": iso(max(self.updated_at(), registered)),
        }
        if status == "da_nghiem_thu":
            accepted = end + timedelta(days=rng.randint(0, 90))
            results = self.feeds[(managing, "task_results")]
            result_id = f"{managing}-KQ-{len(results) + 1:06d}"
            results[result_id] = {
                "source_id": result_id,
                "task_source_id": source_id,
                "acceptance_date": accepted.isoformat(),
                "registration_number": f"{accepted.year}-{rng.randint(1, 99):02d}-{rng.randint(1, 999):03d}/KQNC",
                "registration_date": (accepted + timedelta(days=rng.randint(1, 45))).isoformat(),
                "result_type": weighted(
                    rng, [("bao_cao", 0.6), ("quy_trinh", 0.2), ("san_pham", 0.15), ("sang_che", 0.05)]
                ),
                "updated_at": iso(self.updated_at()),
            }

    def spoil_records(self):
        """A few records arrive broken, as real ones do; the pipeline must quarantine them, not drop them."""
        rng = self.rng
        spoilers = [
            ("tasks", "start_date", lambda r: "30/02/" + r["start_date"][:4], "start_date is not a date"),
            ("tasks", "level", lambda r: "cấp tỉnh", "task level is not a known code"),
            (
                "tasks",
                "province_code",
                lambda r: "93" if r["start_date"] >= "2025-07-01" else "99",
                "province code not valid at the start date",
            ),
            ("researchers", "birth_date", lambda r: "1980-13-45", "birth_date is not a date"),
        ]
        for resource, field, spoil, defect in spoilers:
            feeds = [(m, recs) for (m, res), recs in self.feeds.items() if res == resource and recs]
            for _ in range(max(1, self.s.tasks // 400)):
                ministry, records = rng.choice(feeds)
                record = records[rng.choice(sorted(records))]
                if any(d[1] == record["source_id"] for d in self.truth_defects):
                    continue
                record[field] = spoil(record)
                self.truth_defects.append((ministry, record["source_id"], resource, field, defect))
