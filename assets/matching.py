"""The entity matching steps of the warehouse build: mapping tables from source records to resolved
entities, built in Python (`warehouse.matching`) and joined by the core SQL models; and the candidate
duplicate task pairs. assets/warehouse.py builds them in dependency order with the SQL models."""

from dataclasses import dataclass
from typing import Callable

from warehouse.matching.tables import BUILDERS


@dataclass(frozen=True)
class Matcher:
    name: str
    deps: list[str]  # tables it reads
    description: str
    counted: str = "entities"  # what the second number `build` returns counts
    resolves: str | None = None  # the source table each of whose records it maps once
    resolves_where: str = ""

    @property
    def table(self) -> str:
        return f"staging.{self.name}"

    @property
    def build(self) -> Callable:
        return BUILDERS[self.name]


MATCHERS = [
    Matcher("organization_matches", ["staging.ministry_organizations"],
            "Which organisation (org_id) each source's organisation record is: names compared in "
            "Vietnamese normal form with abbreviations expanded, ROR ids, typo-level differences.",
            resolves="staging.ministry_organizations"),
    Matcher("researcher_matches", ["staging.ministry_researchers", "staging.organization_matches"],
            "Which researcher (researcher_id) each source's researcher record is: name in any word order "
            "and with or without diacritics, birth year, sex and organisation; or ORCID iD.",
            resolves="staging.ministry_researchers"),
    Matcher("publication_matches", ["staging.academy_publications"],
            "Which publication (publication_id) each repository record is: DOI, title, authors, venue "
            "and year compared by a model tuned on the DBLP-ACM benchmark.",
            resolves="staging.academy_publications", resolves_where="NOT s.deleted"),
    Matcher("task_duplicate_pairs", ["staging.ministry_tasks", "staging.organization_matches",
                                     "staging.researcher_matches"],
            "Pairs of S&T task registrations that look like the same work, with score and reasons.",
            counted="clusters"),
]
