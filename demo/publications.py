"""The demo's publications as the academy repositories serve them, some in two, one unreadable each."""

from __future__ import annotations

from datetime import UTC, datetime

from demo import vocabulary as V
from demo.world import REPOSITORIES, iso, weighted
from sources.vietnamese import strip_diacritics


class Publications:
    """The publications of `_World` and the authors' ground truth."""

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
                "type": weighted(rng, V.PUBLICATION_TYPES),
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
                "datestamp": iso(datestamp),
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
