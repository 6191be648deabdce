"""Great Expectations suites, one per staging, core and mart table: what a row must satisfy.

Each expectation is (class name, keyword arguments, severity). `BLOCKING` expectations stop
publishing when they fail (the last good snapshot stays in place); `WARNING` ones are reported and
alerted on but let the run publish. Value sets come from the reference data.

Staging tables hold what the sources sent, typed: staging already quarantines the records it cannot
use, so most staging expectations warn; core and marts are what analysts get, so theirs block.
"""

from __future__ import annotations

from functools import cache

from sources.provinces.template import FORMS
from sources.reference import read_reference

BLOCKING, WARNING = "ERROR", "WARN"  # the Dagster AssetCheckSeverity names, as kept in quality.check_results

# the codes of form 01/KHCN-TC's breakdowns are the organisation types and ownerships every source uses
ORG_TYPES = FORMS["01/KHCN-TC"]["indicators"][0]["breakdowns"]["loai_hinh"]
OWNERSHIP = FORMS["01/KHCN-TC"]["indicators"][0]["breakdowns"]["so_huu"]
FORM_CODES = list(FORMS)
TASK_FORMS = ["chuong_trinh", "de_tai", "du_an", "khac"]
TASK_STATUSES = ["dang_thuc_hien", "da_nghiem_thu", "dinh_chi", "da_rut"]
PUBLICATION_TYPES = ["journal_article", "conference_paper", "book_chapter", "book", "thesis", "report"]
RESULT_TYPES = ["bao_cao", "quy_trinh", "san_pham", "sang_che"]
SEXES = ["nam", "nu"]

# NFC Vietnamese has no combining marks: every Vietnamese letter has a precomposed form.
NOT_NFC = r"[\u0300-\u036f]"
# UTF-8 read as Windows-1252 ("Nghiá»‡m", "Ä‘") and TCVN3/VNI bytes read as Latin-1 ("NghiÖm", "®"):
# characters Vietnamese text never contains, or UTF-8 lead bytes followed by a continuation byte.
MOJIBAKE = r"[\u0080-\u009f¤¦§¨«¬®¯°±²³´µ¶·¸¹º»¼½¾¿ÆÇËÎÏÑÖ×ØÛÜÞßåæçëîïñö÷øûüþÿ]|[ÃÄÆ][\u0080-\u00bf]|á[º»]"
ORCID = r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$"
DOI = r"^10\.\d{4,9}/\S+$"

Expectation = tuple[str, dict, str]


@cache
def _codes(table: str, column: str) -> tuple[str, ...]:
    return tuple(sorted({row[column] for row in read_reference(table) if row[column]}))


def _unique(column: str, severity: str = BLOCKING) -> Expectation:
    return ("ExpectColumnValuesToBeUnique", {"column": column}, severity)


def _not_null(column: str, severity: str = BLOCKING) -> Expectation:
    return ("ExpectColumnValuesToNotBeNull", {"column": column}, severity)


def _in_set(column: str, values, severity: str = BLOCKING) -> Expectation:
    return ("ExpectColumnValuesToBeInSet", {"column": column, "value_set": list(values)}, severity)


def _between(column: str, low=None, high=None, severity: str = BLOCKING) -> Expectation:
    return ("ExpectColumnValuesToBeBetween", {"column": column, "min_value": low, "max_value": high}, severity)


def _regex(column: str, regex: str, severity: str = BLOCKING) -> Expectation:
    return ("ExpectColumnValuesToMatchRegex", {"column": column, "regex": regex}, severity)


def _not_after(later: str, earlier: str, severity: str = BLOCKING) -> Expectation:
    return ("ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": later, "column_B": earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
            severity)


def _resolved(column: str, given: str, severity: str = BLOCKING) -> Expectation:
    """`column` is not null on every row where `given` is not null. The row condition is written
    (method, column) and becomes a GX `Column(...)` condition when validated (GX is imported lazily)."""
    return ("ExpectColumnValuesToNotBeNull", {"column": column, "row_condition": ("is_not_null", given)}, severity)


def _text(column: str, nfc: str = BLOCKING, mojibake: str = WARNING) -> list[Expectation]:
    """Vietnamese text: stored in NFC (our normal form) and without mojibake (a legacy encoding read wrongly)."""
    return [("ExpectColumnValuesToNotMatchRegex", {"column": column, "regex": NOT_NFC}, nfc),
            ("ExpectColumnValuesToNotMatchRegex", {"column": column, "regex": MOJIBAKE}, mojibake)]


def _received_text(column: str) -> list[Expectation]:
    """Text as the source sent it: NFD is normal there (staging normalises it), mojibake is worth a warning."""
    return [("ExpectColumnValuesToNotMatchRegex", {"column": column, "regex": MOJIBAKE}, WARNING)]


def suites() -> dict[str, list[Expectation]]:
    fields, levels = _codes("fields", "field_code"), _codes("task_levels", "level_code")
    provinces, current = _codes("provinces", "province_code"), _codes("provinces", "successor_code")
    return {
        # -- staging ------------------------------------------------------------------------------
        "staging.provinces": [
            _not_null("province_code"), _not_null("name"), _not_null("valid_from"),
            _in_set("successor_code", current), _in_set("level", ["province", "city"]),
            _not_after("valid_to", "valid_from"), *_text("name"),
        ],
        "staging.fields": [
            _unique("field_code"), _not_null("name_vi"), _between("level", 1, 3), *_text("name_vi"),
        ],
        "staging.indicators": [_unique("indicator_code"), _not_null("name_vi"), *_text("name_vi")],
        "staging.managing_bodies": [_unique("body_code"), _not_null("name"), _not_after("valid_to", "valid_from")],
        "staging.task_levels": [_unique("level_code"), _not_null("name_vi"), *_text("name_vi")],
        "staging.ministry_tasks": [
            _not_null("source_id"), _unique("task_id"), _not_null("title"),
            _in_set("level", levels), _in_set("form", TASK_FORMS, WARNING), _in_set("status", TASK_STATUSES, WARNING),
            _in_set("field_code", fields, WARNING), _in_set("province_code", provinces),
            _resolved("current_province_code", "province_code"),  # valid at the task's start date
            _between("budget_state_vnd", 0, severity=WARNING), _between("budget_other_vnd", 0, severity=WARNING),
            _not_null("start_date"), _not_after("end_date", "start_date", WARNING),
            *_text("title"), *_received_text("title_received"),
        ],
        "staging.ministry_task_results": [
            _unique("source_id", WARNING), _not_null("task_source_id"), _not_null("acceptance_date", WARNING),
            _in_set("result_type", RESULT_TYPES, WARNING), _not_after("registration_date", "acceptance_date", WARNING),
        ],
        "staging.ministry_organizations": [
            _not_null("source_id"), _not_null("name"), _in_set("org_type", ORG_TYPES, WARNING),
            _in_set("ownership", OWNERSHIP, WARNING), _in_set("field_code", fields, WARNING),
            _resolved("current_province_code", "province_code", WARNING),
            _between("established_year", 1900, 2035, WARNING), *_text("name"), *_received_text("name_received"),
        ],
        "staging.ministry_researchers": [
            _not_null("source_id"), _not_null("full_name"), _in_set("sex", SEXES, WARNING),
            _between("birth_year", 1920, 2010, WARNING), _regex("orcid", ORCID, WARNING),
            _in_set("field_code", fields, WARNING), *_text("full_name"), *_received_text("full_name_received"),
        ],
        "staging.academy_publications": [
            _not_null("source_id"), _not_null("title", WARNING), _between("year", 1950, 2035, WARNING),
            _regex("doi", DOI, WARNING), _in_set("field_code", fields, WARNING),
            _in_set("publication_type", PUBLICATION_TYPES, WARNING), *_text("title"),
            *_received_text("title_received"),
        ],
        "staging.province_report_rows": [
            _not_null("report_id"), _in_set("form_code", FORM_CODES), _in_set("province_code", provinces),
            _resolved("current_province_code", "province_code"),  # valid at the end of the year
            _between("reference_year", 2000, 2035), _between("value", 0), _not_null("indicator_code"),
            _between("revision", 1, severity=WARNING),
        ],
        "staging.province_report_files": [
            _unique("report_id"), _in_set("status", ["loaded", "held"]), _not_null("file_name"),
            _resolved("reason_vi", "quarantined_as"),  # a held file says why
        ],
        "staging.report_template": [
            ("ExpectCompoundColumnsToBeUnique", {"column_list": ["indicator_code", "breakdown"]}, BLOCKING),
            _in_set("form_code", FORM_CODES), _between("ceiling", 1),
        ],
        # -- core ---------------------------------------------------------------------------------
        "core.dim_province": [
            _unique("province_key"), _not_null("successor_code"), _in_set("successor_code", current),
            _in_set("level", ["province", "city"]), _not_after("valid_to", "valid_from"), *_text("name"),
        ],
        "core.dim_managing_body": [
            _unique("body_code"), _not_null("name"), _not_null("current_body_code"),
            _in_set("body_type", ["ministry", "province"]), _not_after("valid_to", "valid_from"), *_text("name"),
        ],
        "core.dim_field": [_unique("field_code"), _between("level", 1, 3), *_text("name_vi")],
        "core.dim_task_level": [_unique("level_code"), *_text("name_vi")],
        "core.dim_indicator": [_unique("indicator_code"), _not_null("name_vi"), *_text("name_vi")],
        "core.dim_organization": [
            _unique("org_id"), _not_null("name"), _in_set("org_type", ORG_TYPES), _in_set("ownership", OWNERSHIP),
            _in_set("province_code", current), _in_set("field_code", fields),
            _between("established_year", 1900, 2035, WARNING), *_text("name"),
        ],
        "core.organization_alias": [_not_null("org_id"), _not_null("alias")],
        "core.dim_researcher": [
            _unique("researcher_id"), _not_null("full_name"), _between("birth_year", 1920, 2010),
            _in_set("sex", SEXES), _regex("orcid", ORCID), *_text("full_name"),
        ],
        "core.fct_task": [
            _unique("task_id"), _not_null("title"), _in_set("level", levels), _in_set("field_code", fields),
            _in_set("province_code", provinces), _in_set("current_province_code", current),
            _resolved("current_managing_body", "managing_body", WARNING),  # a body the reference list knows
            _between("budget_state_vnd", 0), _between("budget_other_vnd", 0), _between("budget_total_vnd", 0),
            _between("start_year", 1990, 2035), _not_after("end_date", "start_date"),
            _in_set("status", TASK_STATUSES, WARNING), *_text("title"),
        ],
        "core.fct_task_result": [
            _not_null("task_id"), _not_null("acceptance_date"), _in_set("result_type", RESULT_TYPES, WARNING),
            _between("days_to_registration", 0, severity=WARNING),
        ],
        # -- entity resolution: what the matchers decided (assets/matching.py) ------------------------
        "staging.organization_matches": [
            _not_null("org_id"),  # one row per source record: the every_record_resolved_once check
        ],
        "staging.researcher_matches": [
            _not_null("researcher_id"),  # one row per source record: the every_record_resolved_once check
        ],
        "staging.publication_matches": [
            _not_null("publication_id"),  # one row per source record: the every_record_resolved_once check
        ],
        "staging.task_duplicate_pairs": [
            ("ExpectCompoundColumnsToBeUnique",
             {"column_list": ["source_system_a", "source_id_a", "source_system_b", "source_id_b"]}, BLOCKING),
            _between("score", 0, 1), _between("title_similarity", 0, 100), _not_null("cluster_id"),
        ],
        "marts.task_duplicate_candidates": [
            ("ExpectCompoundColumnsToBeUnique", {"column_list": ["task_id_a", "task_id_b"]}, BLOCKING),
            _between("score", 0, 1), _not_null("reasons_vi"), _not_null("cluster_id"), *_text("reasons_vi"),
        ],
        "core.fct_publication": [
            _unique("publication_id"), _not_null("title"), _between("year", 1950, 2035), _regex("doi", DOI),
            _in_set("field_code", fields), *_text("title"),
        ],
        "core.bridge_publication_author": [
            ("ExpectCompoundColumnsToBeUnique", {"column_list": ["publication_id", "author_position"]}, BLOCKING),
            _not_null("author_name"), *_text("author_name"),
        ],
        "core.fct_statistic": [
            ("ExpectCompoundColumnsToBeUnique",
             {"column_list": ["province_code", "reference_year", "form_code", "indicator_code", "breakdown"]}, BLOCKING),
            _in_set("form_code", FORM_CODES), _in_set("current_province_code", current), _between("value", 0),
            _between("reference_year", 2000, 2035),
        ],
        "marts.indicators_by_province_year": [
            ("ExpectCompoundColumnsToBeUnique",
             {"column_list": ["unit_set", "province_code", "year", "indicator_code", "breakdown", "source"]}, BLOCKING),
            _not_null("province_name"), _in_set("unit_set", ["34", "63", "national"]), _not_null("indicator_name"),
        ],
        "marts.statistic_year_changes": [
            ("ExpectCompoundColumnsToBeUnique",
             {"column_list": ["province_code", "year", "indicator_code", "breakdown"]}, BLOCKING),
            ("ExpectColumnValuesToBeNull", {"column": "warning"}, WARNING),  # tenfold: the sample names file and row
        ],
        "marts.reporting_completeness": [
            ("ExpectCompoundColumnsToBeUnique", {"column_list": ["province_code", "year", "form_code"]}, BLOCKING),
            _in_set("status", ["on_time", "late", "missing", "held", "not_due"]), _in_set("form_code", FORM_CODES),
        ],
    }
