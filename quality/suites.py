"""Great Expectations suites, one per published table: what a row must satisfy to reach analysts.

Each entry is (expectation class name, keyword arguments). Value sets come from the reference data.
"""

from __future__ import annotations

from functools import cache

from sources.reference import read_reference

ORG_TYPES = ["vien_nghien_cuu", "truong_dai_hoc", "trung_tam", "doanh_nghiep_khcn"]
OWNERSHIP = ["nha_nuoc", "ngoai_nha_nuoc", "nuoc_ngoai"]
FORM_CODES = ["01/KHCN-TC", "02/KHCN-NL", "03/KHCN-CP", "04/KHCN-NV"]


@cache
def _codes(table: str, column: str) -> tuple[str, ...]:
    return tuple(sorted({row[column] for row in read_reference(table)}))


def suites() -> dict[str, list[tuple[str, dict]]]:
    fields, levels, provinces = (list(_codes("fields", "field_code")), list(_codes("task_levels", "level_code")),
                                 list(_codes("provinces", "province_code")))
    current = list(_codes("provinces", "successor_code"))
    return {
        "core.dim_province": [
            ("ExpectColumnValuesToBeUnique", {"column": "province_key"}),
            ("ExpectColumnValuesToNotBeNull", {"column": "successor_code"}),
            ("ExpectColumnValuesToBeInSet", {"column": "successor_code", "value_set": current}),
            ("ExpectColumnValuesToBeInSet", {"column": "level", "value_set": ["province", "city"]}),
            ("ExpectColumnPairValuesAToBeGreaterThanB",
             {"column_A": "valid_to", "column_B": "valid_from", "or_equal": True, "ignore_row_if": "either_value_is_missing"}),
        ],
        "core.dim_field": [
            ("ExpectColumnValuesToBeUnique", {"column": "field_code"}),
            ("ExpectColumnValuesToBeBetween", {"column": "level", "min_value": 1, "max_value": 3}),
        ],
        "core.dim_task_level": [("ExpectColumnValuesToBeUnique", {"column": "level_code"})],
        "core.dim_indicator": [("ExpectColumnValuesToBeUnique", {"column": "indicator_code"})],
        "core.dim_organization": [
            ("ExpectColumnValuesToBeUnique", {"column": "org_id"}),
            ("ExpectColumnValuesToNotBeNull", {"column": "name"}),
            ("ExpectColumnValuesToBeInSet", {"column": "org_type", "value_set": ORG_TYPES}),
            ("ExpectColumnValuesToBeInSet", {"column": "ownership", "value_set": OWNERSHIP}),
            ("ExpectColumnValuesToBeInSet", {"column": "province_code", "value_set": current}),
            ("ExpectColumnValuesToBeInSet", {"column": "field_code", "value_set": fields}),
        ],
        "core.organization_alias": [
            ("ExpectColumnValuesToNotBeNull", {"column": "org_id"}),
            ("ExpectColumnValuesToNotBeNull", {"column": "alias"}),
        ],
        "core.dim_researcher": [
            ("ExpectColumnValuesToBeUnique", {"column": "researcher_id"}),
            ("ExpectColumnValuesToNotBeNull", {"column": "full_name"}),
            ("ExpectColumnValuesToBeBetween", {"column": "birth_year", "min_value": 1920, "max_value": 2010}),
            ("ExpectColumnValuesToBeInSet", {"column": "sex", "value_set": ["nam", "nu"]}),
            ("ExpectColumnValuesToMatchRegex", {"column": "orcid", "regex": r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$"}),
        ],
        "core.fct_task": [
            ("ExpectColumnValuesToBeUnique", {"column": "task_id"}),
            ("ExpectColumnValuesToNotBeNull", {"column": "title"}),
            ("ExpectColumnValuesToBeInSet", {"column": "level", "value_set": levels}),
            ("ExpectColumnValuesToBeInSet", {"column": "field_code", "value_set": fields}),
            ("ExpectColumnValuesToBeInSet", {"column": "province_code", "value_set": provinces}),
            ("ExpectColumnValuesToBeBetween", {"column": "budget_total_vnd", "min_value": 0}),
            ("ExpectColumnValuesToBeBetween", {"column": "start_year", "min_value": 1990, "max_value": 2035}),
            ("ExpectColumnPairValuesAToBeGreaterThanB",
             {"column_A": "end_date", "column_B": "start_date", "or_equal": True, "ignore_row_if": "either_value_is_missing"}),
        ],
        "core.fct_task_result": [
            ("ExpectColumnValuesToNotBeNull", {"column": "task_id"}),
            ("ExpectColumnValuesToNotBeNull", {"column": "acceptance_date"}),
        ],
        "marts.task_duplicate_candidates": [
            ("ExpectCompoundColumnsToBeUnique", {"column_list": ["task_id_a", "task_id_b"]}),
            ("ExpectColumnValuesToBeBetween", {"column": "score", "min_value": 0, "max_value": 1}),
            ("ExpectColumnValuesToNotBeNull", {"column": "reasons_vi"}),
            ("ExpectColumnValuesToNotBeNull", {"column": "cluster_id"}),
        ],
        "core.fct_publication": [
            ("ExpectColumnValuesToBeUnique", {"column": "publication_id"}),
            ("ExpectColumnValuesToNotBeNull", {"column": "title"}),
            ("ExpectColumnValuesToBeBetween", {"column": "year", "min_value": 1950, "max_value": 2035}),
            ("ExpectColumnValuesToMatchRegex", {"column": "doi", "regex": r"^10\.\d{4,9}/\S+$"}),
            ("ExpectColumnValuesToBeInSet", {"column": "field_code", "value_set": fields}),
        ],
        "core.bridge_publication_author": [
            ("ExpectCompoundColumnsToBeUnique", {"column_list": ["publication_id", "author_position"]}),
            ("ExpectColumnValuesToNotBeNull", {"column": "author_name"}),
        ],
        "core.fct_statistic": [
            ("ExpectCompoundColumnsToBeUnique",
             {"column_list": ["province_code", "reference_year", "form_code", "indicator_code", "breakdown"]}),
            ("ExpectColumnValuesToBeInSet", {"column": "form_code", "value_set": FORM_CODES}),
            ("ExpectColumnValuesToBeInSet", {"column": "current_province_code", "value_set": current}),
            ("ExpectColumnValuesToBeBetween", {"column": "value", "min_value": 0}),
        ],
        "marts.indicators_by_province_year": [
            ("ExpectCompoundColumnsToBeUnique",
             {"column_list": ["unit_set", "province_code", "year", "indicator_code", "breakdown", "source"]}),
            ("ExpectColumnValuesToNotBeNull", {"column": "province_name"}),
            ("ExpectColumnValuesToBeInSet", {"column": "unit_set", "value_set": ["34", "63", "national"]}),
            ("ExpectColumnValuesToNotBeNull", {"column": "indicator_name"}),
        ],
        "marts.reporting_completeness": [
            ("ExpectCompoundColumnsToBeUnique", {"column_list": ["province_code", "year", "form_code"]}),
            ("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": ["on_time", "late", "missing"]}),
            ("ExpectColumnValuesToBeInSet", {"column": "form_code", "value_set": FORM_CODES}),
        ],
    }
