"""The record shapes each ministry API promises, and the page shape Arrow's JSON reader is given."""

from __future__ import annotations

import pyarrow as pa

from sources.cursors import TS

# The shape each ministry API promises; unknown fields are kept in `extra` as JSON, not dropped.
SCHEMAS = {
    "tasks": pa.schema(
        [
            pa.field("source_id", pa.string(), nullable=False),
            ("code", pa.string()),
            ("title", pa.string()),
            ("level", pa.string()),
            ("form", pa.string()),
            ("managing_body", pa.string()),
            ("host_org_id", pa.string()),
            ("host_org_name", pa.string()),
            ("pi_id", pa.string()),
            ("pi_name", pa.string()),
            ("field_code", pa.string()),
            ("budget_state_vnd", pa.int64()),
            ("budget_other_vnd", pa.int64()),
            ("start_date", pa.string()),
            ("end_date", pa.string()),
            ("status", pa.string()),
            ("province_code", pa.string()),
            ("updated_at", TS),
        ]
    ),
    "task_results": pa.schema(
        [
            pa.field("source_id", pa.string(), nullable=False),
            ("task_source_id", pa.string()),
            ("acceptance_date", pa.string()),
            ("registration_number", pa.string()),
            ("registration_date", pa.string()),
            ("result_type", pa.string()),
            ("updated_at", TS),
        ]
    ),
    "organizations": pa.schema(
        [
            pa.field("source_id", pa.string(), nullable=False),
            ("name", pa.string()),
            ("abbreviation", pa.string()),
            ("org_type", pa.string()),
            ("ownership", pa.string()),
            ("founding_authority", pa.string()),
            ("field_code", pa.string()),
            ("province_code", pa.string()),
            ("established_year", pa.int64()),
            ("ror", pa.string()),
            ("updated_at", TS),
        ]
    ),
    "researchers": pa.schema(
        [
            pa.field("source_id", pa.string(), nullable=False),
            ("full_name", pa.string()),
            ("sex", pa.string()),
            ("birth_date", pa.string()),
            ("birth_year", pa.int64()),
            ("highest_degree", pa.string()),
            ("academic_title", pa.string()),
            ("org_id", pa.string()),
            ("field_code", pa.string()),
            ("orcid", pa.string()),
            ("national_id", pa.string()),
            ("email", pa.string()),
            ("phone", pa.string()),
            ("updated_at", TS),
        ]
    ),
}
RESOURCES = tuple(SCHEMAS)
# What every row carries besides the schema: unknown fields, the sender, and for a record that cannot be
# used, why and its raw text (staging quarantines rows with a parse_error).
TRAILER = [
    pa.field("extra", pa.string()),
    pa.field("source_system", pa.string(), nullable=False),
    pa.field("parse_error", pa.string()),
    pa.field("raw_text", pa.string()),
]
# A page as Arrow's JSON reader sees it: `updated_at` is read as text and cast with the zone it carries.
PAGE_SCHEMAS = {
    resource: pa.schema(
        [
            (
                "items",
                pa.list_(pa.struct([pa.field(f.name, pa.string()) if f.name == "updated_at" else f for f in schema])),
            ),
            ("next_page", pa.int64()),
        ]
    )
    for resource, schema in SCHEMAS.items()
}
