"""SQL models: dependencies read with sqlglot, portable SQL, Vietnamese normal forms."""

import unicodedata

import pytest
import sqlglot
from sqlglot import exp

from sources.vietnamese import fold, normalize
from warehouse.matching.tables import MATCHERS
from warehouse.modelling import discover
from warehouse.names import org_key, person_key

MODELS = discover()
MATCHING_TABLES = {m.table for m in MATCHERS}


def test_dependencies_come_from_the_sql():
    by_table = {m.table: m for m in MODELS}
    assert by_table["core.fct_task"].dependencies == [
        "staging.ministry_tasks",
        "staging.organization_matches",
        "core.dim_managing_body",
        "staging.researcher_matches",
    ]
    assert by_table["staging.academy_publications"].dependencies == ["raw_academies.publications"]  # CTE excluded
    for model in MODELS:
        for dep in model.dependencies:
            assert dep.startswith("raw_") or dep in by_table or dep in MATCHING_TABLES, (
                f"{model.table} reads {dep}, which no model or matching asset builds"
            )


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.table)
def test_every_model_transpiles_to_postgres(model):
    """sqlglot raises on what PostgreSQL cannot express, and the result must parse back as PostgreSQL."""
    postgres = model.transpile("postgres")
    assert isinstance(sqlglot.parse_one(postgres, read="postgres"), exp.Query)


def test_column_lineage_traces_renamed_columns():
    fct_task = next(m for m in MODELS if m.table == "core.fct_task")
    lineage = fct_task.column_lineage()
    assert ("staging.organization_matches", "org_id") in lineage["host_org_id"]
    assert set(lineage["budget_total_vnd"]) == {
        ("staging.ministry_tasks", "budget_state_vnd"),
        ("staging.ministry_tasks", "budget_other_vnd"),
    }


@pytest.mark.parametrize(
    "received, expected",
    [
        ("Tỉnh Hoà Bình", "Tỉnh Hòa Bình"),
        (unicodedata.normalize("NFD", "Khánh Hoà"), "Khánh Hòa"),
        ("thuỷ sản", "thủy sản"),
        ("quý  báu ", "quý báu"),  # "qu" + y keeps its tone
        ("hoàn thành", "hoàn thành"),  # tone before a final consonant is already placed
        ("hoặc", "hoặc"),
        ("dấu ngoặc", "dấu ngoặc"),  # "o" + "ă" with a dot below is no "oa"
        (unicodedata.normalize("NFD", "hoặc"), "hoặc"),
        ("hoạ sĩ", "họa sĩ"),
        ("khoẻ", "khỏe"),  # the dot below and the hook move like the other tones
    ],
)
def test_vietnamese_normal_form(received, expected):
    assert normalize(received) == expected
    assert unicodedata.is_normalized("NFC", normalize(received))


def test_match_keys():
    assert fold("ĐẠI HỌC Quốc gia Hà Nội") == "dai hoc quoc gia ha noi"
    assert org_key("Trường ĐH Bách khoa Hà Nội") == org_key("TRUONG DAI HOC BACH KHOA HA NOI")
    assert org_key("Viện KH&CN") == org_key("Viện Khoa học và Công nghệ")
    assert org_key("Viện Hóa học") != org_key("Viện Vật lý")
    assert person_key("Nguyễn Văn An") == person_key("An Nguyen Van")
    assert person_key("Nguyễn Văn An") != person_key("Nguyễn Văn Anh")


def test_one_build_order_for_models_and_matchers():
    """Each table comes after every table it reads, whether a model or a matcher builds it; a cycle is refused."""
    from dataclasses import dataclass

    from warehouse.modelling import in_dependency_order

    ordered = [n.table for n in in_dependency_order([*reversed(MODELS), *reversed(MATCHERS)])]
    for node in [*MODELS, *MATCHERS]:
        for dep in node.dependencies:
            if dep in ordered:
                assert ordered.index(dep) < ordered.index(node.table), f"{node.table} built before {dep}"

    @dataclass
    class Node:
        table: str
        dependencies: list

    with pytest.raises(ValueError, match="in a cycle: a -> b -> a"):
        in_dependency_order([Node("a", ["b"]), Node("b", ["a"])])
