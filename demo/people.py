"""The demo's organisations and researchers, and the records each ministry serves of them."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from demo import vocabulary as V
from demo.world import iso, weighted
from sources.vietnamese import strip_diacritics


class People:
    """The organisations and researchers of `_World` (its random streams, feeds and ground truth)."""

    # -- entities ------------------------------------------------------------------------------
    def build_organizations(self):
        rng, names = self.rng, set()
        provinces = list(self.province_weight)
        weights = [self.province_weight[c] for c in provinces]
        types = [(t, share) for t, (share, _) in V.ORG_TYPES.items()]
        self.orgs = []
        while len(self.orgs) < self.s.organizations:
            org_type = weighted(rng, types)
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
                    "ownership": weighted(rng, V.OWNERSHIP),
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
            "updated_at": iso(ts),
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
            full = f"{weighted(rng, families)} {rng.choice(middle)} {rng.choice(given)}"
            if rng.random() < 0.3:
                full = f"{full.split()[0]} {rng.choice(middle)} {' '.join(full.split()[1:])}"
            org = rng.choice(self.orgs)
            birth = date(rng.randint(1955, 1998), rng.randint(1, 12), rng.randint(1, 28))
            degree = weighted(rng, [("tien_si", 0.35), ("thac_si", 0.4), ("dai_hoc", 0.2), ("khac", 0.05)])
            title = weighted(rng, [("GS", 0.2), ("PGS", 0.8)]) if degree == "tien_si" and rng.random() < 0.3 else None
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
            "updated_at": iso(self.updated_at()),
        }
        self.truth_researcher.append((ministry, source_id, person["entity"]))
        return source_id
