"""Ministry and sector task registries: one REST API per sender, listed in `registry.toml`.

Each API serves JSON pages (`items`, `next_page`) of tasks, task results, organisations and
researchers, filters by `updated_since` and wants the key in the `X-API-Key` header. One dlt
source covers every ministry in the registry; adding a ministry is one entry there.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from typing import Iterator

import dlt
import pyarrow as pa
import pyarrow.compute as pc

from sources.batching import batched
from sources.http import (DEFAULT_BACKOFF_S, DEFAULT_RETRIES, DEFAULT_TIMEOUT_S, EPOCH, TruncatedPage, fetch_parsed, read_ahead,
                          retrying_session)

TS = pa.timestamp("us", tz="UTC")

# The shape each ministry API promises; unknown fields are kept in `extra` as JSON, not dropped.
SCHEMAS = {
    "tasks": pa.schema([
        pa.field("source_id", pa.string(), nullable=False), ("code", pa.string()), ("title", pa.string()), ("level", pa.string()),
        ("form", pa.string()), ("managing_body", pa.string()), ("host_org_id", pa.string()),
        ("host_org_name", pa.string()), ("pi_id", pa.string()), ("pi_name", pa.string()),
        ("field_code", pa.string()), ("budget_state_vnd", pa.int64()), ("budget_other_vnd", pa.int64()),
        ("start_date", pa.string()), ("end_date", pa.string()), ("status", pa.string()),
        ("province_code", pa.string()), ("updated_at", TS)]),
    "task_results": pa.schema([
        pa.field("source_id", pa.string(), nullable=False), ("task_source_id", pa.string()), ("acceptance_date", pa.string()),
        ("registration_number", pa.string()), ("registration_date", pa.string()),
        ("result_type", pa.string()), ("updated_at", TS)]),
    "organizations": pa.schema([
        pa.field("source_id", pa.string(), nullable=False), ("name", pa.string()), ("abbreviation", pa.string()),
        ("org_type", pa.string()), ("ownership", pa.string()), ("founding_authority", pa.string()),
        ("field_code", pa.string()), ("province_code", pa.string()), ("established_year", pa.int64()),
        ("ror", pa.string()), ("updated_at", TS)]),
    "researchers": pa.schema([
        pa.field("source_id", pa.string(), nullable=False), ("full_name", pa.string()), ("sex", pa.string()),
        ("birth_date", pa.string()), ("birth_year", pa.int64()), ("highest_degree", pa.string()),
        ("academic_title", pa.string()), ("org_id", pa.string()), ("field_code", pa.string()),
        ("orcid", pa.string()), ("national_id", pa.string()), ("email", pa.string()),
        ("phone", pa.string()), ("updated_at", TS)]),
}
RESOURCES = tuple(SCHEMAS)


def load_registry() -> list[dict]:
    with resources.files(__package__).joinpath("registry.toml").open("rb") as f:
        return tomllib.load(f)["ministry"]


def to_arrow(resource: str, ministry: str, items: list[dict]) -> pa.Table:
    """One page of records as an Arrow table, built column by column (a dict per row costs more)."""
    schema = SCHEMAS[resource]
    known = set(schema.names)
    for item in items:
        if not item.get("source_id"):
            raise ValueError(f"ministry {ministry}, {resource}: a record has no source_id, so it cannot be "
                             f"merged or traced back; ask the sender to fix it: {json.dumps(item, ensure_ascii=False)[:300]}")
    arrays = []
    for field in schema:
        values = [item.get(field.name) for item in items]
        if field.name == "updated_at":  # ISO 8601 with a zone ("Z", "+07:00"), parsed by Arrow
            arrays.append(pc.cast(pa.array(values, pa.string()), TS))
        else:
            arrays.append(pa.array(values, field.type))
    extra = [None if known.issuperset(item) else
             json.dumps({k: v for k, v in item.items() if k not in known}, ensure_ascii=False) for item in items]
    arrays += [pa.array(extra, pa.string()), pa.array([ministry] * len(items), pa.string())]
    full = schema.append(pa.field("extra", pa.string())).append(pa.field("source_system", pa.string(), nullable=False))
    return pa.Table.from_arrays(arrays, schema=full)


def _read_page(response) -> dict:
    if response.status_code in (401, 403):
        raise PermissionError(f"{response.url} refused the API key (HTTP {response.status_code}); "
                              "set sources.ministries.api_key in .dlt/secrets.toml or SOURCES__MINISTRIES__API_KEY")
    response.raise_for_status()
    try:
        body = response.json()
    except ValueError as exc:
        raise TruncatedPage(f"{response.url}: the page is not complete JSON ({exc})") from exc
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise TruncatedPage(f"{response.url}: the page has no `items` list")
    return body


def _pages(session, url: str, params: dict, http: dict) -> Iterator[list[dict]]:
    page = 1
    while page:
        body = fetch_parsed(session, url, {**params, "page": page}, _read_page, **http)
        yield body["items"]
        page = body.get("next_page")


def _ministry_resource(name: str, base_url: str, api_key: str, registry: list[dict], page_size: int, http: dict):
    @dlt.resource(name=name, primary_key=("source_system", "source_id"), write_disposition="merge",
                  schema_contract={"tables": "evolve", "columns": "evolve", "data_type": "freeze"})
    def fetch(updated_at=dlt.sources.incremental("updated_at", initial_value=EPOCH)) -> Iterator[pa.Table]:
        session = retrying_session(retries=http["retries"], backoff_s=http["backoff_s"], headers={"X-API-Key": api_key})
        since = updated_at.start_value or EPOCH

        def pages() -> Iterator[pa.Table]:
            for ministry in registry:
                url = f"{base_url.rstrip('/')}{ministry['path']}/{name}"
                params = {"updated_since": since.isoformat().replace("+00:00", "Z"), "page_size": page_size}
                for items in read_ahead(_pages(session, url, params, http)):
                    if items:
                        yield to_arrow(name, ministry["code"], items)

        yield from batched(pages())

    return fetch


@dlt.source(name="ministries")
def ministries(base_url: str = dlt.config.value, api_key: str = dlt.secrets.value, page_size: int = 1000,
               timeout_s: float = DEFAULT_TIMEOUT_S, retries: int = DEFAULT_RETRIES,
               backoff_s: float = DEFAULT_BACKOFF_S):
    """Tasks, task results, organisations and researchers from every ministry in the registry.

    Always every ministry: each resource keeps one `updated_at` cursor for all of them, so a run over
    some ministries only would move it past changes of the others. `timeout_s`, `retries` and
    `backoff_s` tune the HTTP client (sources.ministries.* in .dlt/config.toml)."""
    registry = load_registry()
    http = {"timeout_s": timeout_s, "retries": retries, "backoff_s": backoff_s}
    return [_ministry_resource(name, base_url, api_key, registry, page_size, http) for name in RESOURCES]
