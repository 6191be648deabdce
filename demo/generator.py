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

import csv
import json
import random
import shutil
import unicodedata
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from demo import vocabulary as V
from demo.workbook import ReportQuirks, write_report_workbook
from sources.ministries import load_registry
from sources.provinces.template import FORMS
from sources.reference import load_provinces, read_reference
from sources.vietnamese import strip_diacritics

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


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=False)
    return rng.choices(values, weights=weights, k=1)[0]


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _World:
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

    # -- entities ------------------------------------------------------------------------------
    def build_organizations(self):
        rng, names = self.rng, set()
        provinces = list(self.province_weight)
        weights = [self.province_weight[c] for c in provinces]
        types = [(t, share) for t, (share, _) in V.ORG_TYPES.items()]
        self.orgs = []
        while len(self.orgs) < self.s.organizations:
            org_type = _weighted(rng, types)
            topic, field = rng.choice(V.ORG_TOPICS)
            province = rng.choices(provinces, weights=weights, k=1)[0]
            place = self.province_name[province].replace("Thành phố ", "").replace("Tỉnh ", "")
            name = rng.choice(V.ORG_TYPES[org_type][1]).format(
                topic=topic, place=place, region=rng.choice(V.REGION_WORDS), brand=rng.choice(V.BRANDS)
            )
            if name in names:
                name = f"{name} {place}" if place not in name else f"{name} {len(self.orgs)}"
                if name in names:
                    continue
            names.add(name)
            self.orgs.append(
                {
                    "entity": f"O{len(self.orgs):05d}",
                    "name": name,
                    "type": org_type,
                    "field": field,
                    "ownership": _weighted(rng, V.OWNERSHIP),
                    "province": province,
                    "ministry": rng.choice(self.ministries),
                    "founded": rng.randint(1960, 2022),
                    "ror": f"https://ror.org/0{rng.randrange(16**8):08x}" if rng.random() < 0.3 else None,
                }
            )

    def org_record(self, org: dict, ministry: str) -> str:
        """The id of `org` in `ministry`'s feed, adding a record (a name variant if not its own ministry)."""
        feed = self.feeds[(ministry, "organizations")]
        key = org.setdefault("ids", {})
        if ministry in key:
            return key[ministry]
        source_id = f"{ministry}-TC-{len(feed) + 1:05d}"
        key[ministry] = source_id
        ts = self.updated_at()
        own = ministry == org["ministry"]
        feed[source_id] = {
            "source_id": source_id,
            "name": org["name"] if own else self.name_variant(org["name"]),
            "abbreviation": "".join(w[0] for w in org["name"].split() if w[0].isupper())[:8],
            "org_type": org["type"],
            "ownership": org["ownership"],
            "founding_authority": org["ministry"],
            "field_code": org["field"] if own or self.rng.random() < 0.7 else None,
            "province_code": self.code_at(org["province"], ts.date()),
            "established_year": org["founded"],
            "ror": org["ror"],
            "updated_at": _iso(ts),
        }
        self.truth_org.append((ministry, source_id, org["entity"]))
        return source_id

    def build_researchers(self):
        rng = self.rng
        self.people, self.people_by_org = [], defaultdict(list)
        families = V.FAMILY_NAMES
        for i in range(self.s.researchers):
            sex = "nu" if rng.random() < 0.45 else "nam"
            middle = V.MIDDLE_NAMES_FEMALE if sex == "nu" else V.MIDDLE_NAMES_MALE
            given = V.GIVEN_NAMES_FEMALE if sex == "nu" else V.GIVEN_NAMES_MALE
            full = f"{_weighted(rng, families)} {rng.choice(middle)} {rng.choice(given)}"
            if rng.random() < 0.3:
                full = f"{full.split()[0]} {rng.choice(middle)} {' '.join(full.split()[1:])}"
            org = rng.choice(self.orgs)
            birth = date(rng.randint(1955, 1998), rng.randint(1, 12), rng.randint(1, 28))
            degree = _weighted(rng, [("tien_si", 0.35), ("thac_si", 0.4), ("dai_hoc", 0.2), ("khac", 0.05)])
            title = _weighted(rng, [("GS", 0.2), ("PGS", 0.8)]) if degree == "tien_si" and rng.random() < 0.3 else None
            person = {
                "entity": f"R{i:06d}",
                "name": full,
                "sex": sex,
                "birth": birth,
                "degree": degree,
                "title": title,
                "org": org,
                "field": org["field"],
                "orcid": (
                    f"0000-000{rng.randint(1, 3)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
                    if rng.random() < 0.4
                    else None
                ),
            }
            self.people.append(person)
            self.people_by_org[org["entity"]].append(person)
            self.researcher_record(person, org["ministry"])
            if rng.random() < 0.1:
                self.researcher_record(person, rng.choice(self.ministries))

    def researcher_record(self, person: dict, ministry: str) -> str:
        feed = self.feeds[(ministry, "researchers")]
        key = person.setdefault("ids", {})
        if ministry in key:
            return key[ministry]
        source_id = f"{ministry}-NL-{len(feed) + 1:06d}"
        key[ministry] = source_id
        own = ministry == person["org"]["ministry"]
        rng = self.rng
        feed[source_id] = {
            "source_id": source_id,
            "full_name": person["name"] if own else self.person_variant(person["name"]),
            "sex": person["sex"],
            "birth_date": person["birth"].isoformat() if own or rng.random() < 0.5 else None,
            "birth_year": person["birth"].year,
            "highest_degree": person["degree"],
            "academic_title": person["title"],
            "org_id": self.org_record(person["org"], ministry),
            "field_code": person["field"],
            "orcid": person["orcid"] if own or rng.random() < 0.5 else None,
            "national_id": f"0{rng.randint(10, 96):02d}{rng.randint(0, 999999999):09d}",
            "email": f"{strip_diacritics(person['name']).lower().replace(' ', '.')}{rng.randint(1, 99)}@example.edu.vn",
            "phone": f"09{rng.randint(10000000, 99999999)}",
            "updated_at": _iso(self.updated_at()),
        }
        self.truth_researcher.append((ministry, source_id, person["entity"]))
        return source_id

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
            level = _weighted(rng, [("QG", 0.12), ("BO", 0.43), ("CS", 0.45)])
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
                    level=_weighted(rng, [("BO", 0.6), ("CS", 0.3), ("QG", 0.1)]),
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
            status = _weighted(rng, [("da_nghiem_thu", 0.85), ("dang_thuc_hien", 0.1), ("dinh_chi", 0.05)])
        else:
            status = "dang_thuc_hien"
        pi_id = self.researcher_record(task["pi"], managing)
        feed[source_id] = {
            "source_id": source_id,
            "code": code,
            "title": task["title"],
            "level": level,
            "form": _weighted(rng, [("de_tai", 0.7), ("du_an", 0.2), ("chuong_trinh", 0.05), ("khac", 0.05)]),
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
            "updated_at": _iso(max(self.updated_at(), registered)),
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
                "result_type": _weighted(
                    rng, [("bao_cao", 0.6), ("quy_trinh", 0.2), ("san_pham", 0.15), ("sang_che", 0.05)]
                ),
                "updated_at": _iso(self.updated_at()),
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

    def build_publications(self):
        rng, s = self.rng, self.s
        self.repos = {repo: [] for repo in REPOSITORIES}
        for i in range(s.publications):
            lead = rng.choice(self.people)
            coauthors = self.people_by_org.get(lead["org"]["entity"], [lead])
            authors = [lead] + [rng.choice(coauthors) for _ in range(rng.randint(0, 4))]
            authors = list({id(a): a for a in authors}.values())
            field1 = lead["field"][0]
            if rng.random() < 0.5:
                topic = rng.choice(V.EN_TOPICS[field1])
                title = rng.choice(V.EN_PATTERNS).format(t=topic, T=topic[:1].upper() + topic[1:])
                language = "en"
            else:
                title = rng.choice(V.VI_PATTERNS).format(t=rng.choice(V.TASK_OBJECTS[field1]))
                language = "vi"
            title = f"{title} ({i})" if rng.random() < 0.5 else f"{title}, giai đoạn {rng.randint(1, 9)}.{i % 97}"
            year = rng.randint(s.first_year - 2, s.last_year + 1)
            pub = {
                "entity": f"P{i:06d}",
                "title": title,
                "authors": authors,
                "year": year,
                "type": _weighted(rng, V.PUBLICATION_TYPES),
                "venue": rng.choice(V.VENUES),
                "doi": f"10.{rng.randint(1000, 9999)}/vjst.{year}.{i}" if rng.random() < 0.6 else None,
                "field": lead["field"],
                "language": language,
            }
            repos = [rng.choice(list(REPOSITORIES))]
            if rng.random() < 0.12:
                repos.append(rng.choice([r for r in REPOSITORIES if r != repos[0]]))
            for n, repo in enumerate(repos):
                self.publication_record(pub, repo, variant=n > 0)

    def publication_record(self, pub: dict, repo: str, variant: bool) -> None:
        rng = self.rng
        records = self.repos[repo]
        identifier = f"oai:{repo}.ac.vn:{len(records) + 1}"
        names = [a["name"] for a in pub["authors"]]
        title = pub["title"]
        if variant:
            names = [self.person_variant(n) for n in names]
            title = rng.choice([title.upper(), title.lower(), strip_diacritics(title), title + "."])
        datestamp = self.updated_at(datetime(2024, 1, 1, tzinfo=UTC))
        records.append(
            {
                "identifier": identifier,
                "datestamp": _iso(datestamp),
                "set": f"fos:{pub['field'][0]}",
                "title": title,
                "creators": names,
                "date": str(pub["year"]),
                "type": pub["type"],
                "doi": pub["doi"] if not variant or rng.random() < 0.7 else None,
                "source": pub["venue"],
                "subject": f"vnfos:{pub['field']}" if not variant or rng.random() < 0.8 else None,
                "language": pub["language"],
                "publisher": pub["authors"][0]["org"]["name"],
            }
        )
        self.truth_pub.append((repo, identifier, pub["entity"]))
        self.truth_pub_authors.extend((repo, identifier, pos + 1, a["entity"]) for pos, a in enumerate(pub["authors"]))

    def malformed_records(self):
        """One record per repository whose header no harvester can read (a broken datestamp): quarantined."""
        for repo, records in self.repos.items():
            identifier = f"oai:{repo}.ac.vn:{len(records) + 1}"
            records.append({**records[0], "identifier": identifier, "malformed": True})
            self.truth_defects.append((repo, identifier, "publications", "datestamp", "datestamp is not a date-time"))

    # -- provincial statistics -----------------------------------------------------------------
    def build_statistics(self):
        """True indicator values per former province and year; after the merger, per current unit."""
        s = self.s
        truth: dict[tuple[str, int, str], list[tuple[str, str, float]]] = {}
        for year in range(s.first_year, s.last_year + 1):
            growth = 1.04 ** (year - s.first_year)
            per_old = {}
            for p in self.old_provinces:
                w = self.province_weight[p["province_code"]] * growth
                per_old[p["province_code"]] = {form: self.form_values(form, w) for form in FORMS}
            if year < MERGER_DATE.year:
                for code, forms in per_old.items():
                    for form, rows in forms.items():
                        truth[(code, year, form)] = rows
            else:  # a year that ends after the merger is reported by the 34 current units
                for p in self.new_provinces:
                    parts = [c for c, succ in self.successor.items() if succ == p["province_code"]]
                    for form in FORMS:
                        summed: dict[tuple[str, str], float] = defaultdict(float)
                        units = {}
                        for c in parts:
                            for indicator, breakdown, value, unit in per_old[c][form]:
                                summed[(indicator, breakdown)] += value
                                units[(indicator, breakdown)] = unit
                        truth[(p["province_code"], year, form)] = [
                            (k[0], k[1], round(v, 1), units[k]) for k, v in summed.items()
                        ]
        self.statistics = truth

    def form_values(self, form: str, weight: float):
        rng = self.rng
        spec = FORMS[form]
        rows = []
        for indicator in spec["indicators"]:
            base = indicator["scale"] * weight * rng.uniform(0.7, 1.3)
            total = round(base, 1) if indicator["unit"] in ("triệu đồng",) else float(max(1, round(base)))
            rows.append((indicator["code"], "tong", total, indicator["unit"]))
            for dimension, members in indicator.get("breakdowns", {}).items():
                shares = [rng.random() + 0.2 for _ in members]
                parts = [total * sh / sum(shares) for sh in shares]
                if total == int(total):  # counts split into whole numbers that still add up
                    parts = [float(int(v)) for v in parts]
                    parts[0] += total - sum(parts)
                else:
                    parts = [round(v, 1) for v in parts]
                    parts[0] = round(parts[0] + total - sum(parts), 1)
                rows.extend(
                    (indicator["code"], f"{dimension}:{m}", v, indicator["unit"])
                    for m, v in zip(members, parts, strict=False)
                )
        return rows

    # -- writing -------------------------------------------------------------------------------
    def write(self, out: Path) -> dict:
        rng = self.rng
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
        "as_of": _iso(AS_OF),
        "counts": counts,
        "generated_at": _iso(datetime.now(UTC)),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest
