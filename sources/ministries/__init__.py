"""Ministry and sector task registries: one REST API per sender, listed in `registry.toml`.

Each API serves JSON pages (`items`, `next_page`) of tasks, task results, organisations and
researchers, filters by `updated_since` and wants the key in the `X-API-Key` header. One dlt
source covers every ministry in the registry; adding a ministry is one entry there. Each ministry has
its own `updated_at` cursor per resource (sources/cursors.py), and several ministries are read at once.
"""

from __future__ import annotations

import io
import json
import tomllib
from importlib import resources
from typing import Iterator

import dlt
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from sources.batching import batched
from sources.cursors import TS, SenderCursor, SenderCursors
from sources.http import (DEFAULT_BACKOFF_S, DEFAULT_RETRIES, DEFAULT_TIMEOUT_S, FINISHED, TruncatedPage, fetch_parsed,
                          read_senders, retrying_session)

DEFAULT_WORKERS = 4  # ministries read at once: most of a page's time is the sender's and the network's
# Records asked for per page: larger pages mean fewer round trips (a page of 1,000 made ingest 20% slower).
# A sender that serves fewer per page still works: the client follows `next_page`.
DEFAULT_PAGE_SIZE = 5000

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
# A page as Arrow's JSON reader sees it: `updated_at` is read as text and cast with the zone it carries.
PAGE_SCHEMAS = {resource: pa.schema([
    ("items", pa.list_(pa.struct([pa.field(f.name, pa.string()) if f.name == "updated_at" else f for f in schema]))),
    ("next_page", pa.int64())]) for resource, schema in SCHEMAS.items()}


def load_registry() -> list[dict]:
    with resources.files(__package__).joinpath("registry.toml").open("rb") as f:
        return tomllib.load(f)["ministry"]


def _columns(resource: str, ministry: str, where: str, column) -> list[pa.Array]:
    """The schema's columns, `column(name)` giving each as values or an Arrow array; errors name the
    sender, the page and the field."""
    arrays = []
    for field in SCHEMAS[resource]:
        try:
            values = column(field.name)
            if not isinstance(values, pa.Array):
                values = pa.array(values, pa.string() if field.name == "updated_at" else field.type)
            # updated_at: ISO 8601 with a zone ("Z", "+07:00"), read as text, parsed by Arrow
            arrays.append(pc.cast(values, TS) if field.name == "updated_at" else values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as exc:
            raise ValueError(f"ministry {ministry}, {resource}, {where}: field `{field.name}` is not "
                             f"{field.type} in some record: {exc}") from None
    return arrays


def _check_source_ids(resource: str, ministry: str, where: str, source_ids: pa.Array, record) -> None:
    missing = pc.or_(pc.is_null(source_ids), pc.equal(source_ids, "")).to_numpy(zero_copy_only=False).nonzero()[0]
    if len(missing):
        raise ValueError(f"ministry {ministry}, {resource}, {where}: record {int(missing[0]) + 1} has no source_id, so it "
                         f"cannot be merged or traced back; ask the sender to fix it: {record(int(missing[0]))[:300]}")


def _finish(resource: str, ministry: str, arrays: list[pa.Array], extra: pa.Array) -> pa.Table:
    full = SCHEMAS[resource].append(pa.field("extra", pa.string())).append(
        pa.field("source_system", pa.string(), nullable=False))
    sender = pa.array([ministry] * len(extra), pa.string())
    return pa.Table.from_arrays(arrays + [extra, sender], schema=full)


def to_arrow(resource: str, ministry: str, items: list[dict], where: str = "a page") -> pa.Table:
    """Records already parsed to dicts as an Arrow table, built column by column; fields outside the schema
    are kept in `extra` as JSON. The general path: `read_page` takes it for pages Arrow cannot read alone."""
    known = set(SCHEMAS[resource].names)
    arrays = _columns(resource, ministry, where, lambda name: [item.get(name) for item in items])
    _check_source_ids(resource, ministry, where, arrays[0],
                      lambda i: json.dumps(items[i], ensure_ascii=False))
    extra = [None if known.issuperset(item) else
             json.dumps({k: v for k, v in item.items() if k not in known}, ensure_ascii=False) for item in items]
    return _finish(resource, ministry, arrays, pa.array(extra, pa.string()))


def read_page(resource: str, ministry: str, url: str, body: bytes) -> tuple[pa.Table, int | None]:
    """One JSON page as (records as an Arrow table, next page). Arrow's JSON reader parses the body
    straight into columns; a page it cannot read that way (fields outside the schema, a value of the
    wrong type) goes through `to_arrow`, which keeps the unknown fields and names a bad one."""
    try:
        page = pa_json.read_json(io.BytesIO(body), read_options=pa_json.ReadOptions(block_size=len(body) + 1),
                                 parse_options=pa_json.ParseOptions(explicit_schema=PAGE_SCHEMAS[resource],
                                                                    unexpected_field_behavior="infer",
                                                                    newlines_in_values=True))
        items = pc.list_flatten(page.column("items")).combine_chunks() if page.num_rows == 1 else None
        fits = items is not None and page.column("items").null_count == 0 and \
            items.type.num_fields == len(SCHEMAS[resource]) and items.null_count == 0
    except pa.ArrowInvalid:
        fits = False
    if not fits:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise TruncatedPage(f"{url}: the page is not complete JSON ({exc})") from exc
        if not isinstance(parsed, dict) or not isinstance(parsed.get("items"), list):
            raise TruncatedPage(f"{url}: the page has no `items` list")
        for number, item in enumerate(parsed["items"], 1):
            if not isinstance(item, dict):
                raise ValueError(f"ministry {ministry}, {resource}, {url}: record {number} is not a JSON object: "
                                 f"{json.dumps(item, ensure_ascii=False)[:300]}")
        return to_arrow(resource, ministry, parsed["items"], url), parsed.get("next_page")
    arrays = _columns(resource, ministry, url, items.field)
    _check_source_ids(resource, ministry, url, arrays[0],
                      lambda i: orjson.dumps(orjson.loads(body)["items"][i]).decode())
    return _finish(resource, ministry, arrays, pa.nulls(len(items), pa.string())), page.column("next_page")[0].as_py()


def _answered(response):
    if response.status_code in (401, 403):
        raise PermissionError(f"{response.url} refused the API key (HTTP {response.status_code}); "
                              "set sources.ministries.api_key in .dlt/secrets.toml or SOURCES__MINISTRIES__API_KEY")
    response.raise_for_status()
    return response


def _sender_pages(resource: str, ministry: dict, cursor: SenderCursor, base_url: str, api_key: str, page_size: int,
                  http: dict) -> Iterator[pa.Table]:
    """Every page of one ministry's feed changed since its cursor, as Arrow tables (in a worker thread)."""
    session = retrying_session(retries=http["retries"], backoff_s=http["backoff_s"], headers={"X-API-Key": api_key})
    url = f"{base_url.rstrip('/')}{ministry['path']}/{resource}"
    params = {"updated_since": cursor.since.isoformat().replace("+00:00", "Z"), "page_size": page_size}
    with session:
        page = 1
        while page:
            def parse(response, number=page):
                return read_page(resource, ministry["code"], f"{_answered(response).url} (page {number})",
                                 response.content)

            table, page = fetch_parsed(session, url, {**params, "page": page}, parse, **http)
            if table.num_rows:
                yield cursor.keep_new(table)


def _ministry_resource(name: str, base_url: str, api_key: str, registry: list[dict], page_size: int, http: dict,
                       workers: int):
    # a record changed while its feed was being paged arrives twice in one load: the newer one is kept
    @dlt.resource(name=name, primary_key=("source_system", "source_id"), write_disposition="merge",
                  columns={"updated_at": {"dedup_sort": "desc"}},
                  schema_contract={"tables": "evolve", "columns": "evolve", "data_type": "freeze"})
    def fetch() -> Iterator[pa.Table]:
        cursors = SenderCursors(dlt.current.resource_state(), column="updated_at")
        opened = {ministry["code"]: cursors.open(ministry["code"]) for ministry in registry}

        def pages() -> Iterator[pa.Table]:
            for ministry, table in read_senders(registry, lambda m: _sender_pages(
                    name, m, opened[m["code"]], base_url, api_key, page_size, http), workers=workers):
                if table is FINISHED:
                    cursors.advance(opened[ministry["code"]])
                elif table.num_rows:
                    yield table

        yield from batched(pages())

    return fetch


@dlt.source(name="ministries")
def ministries(base_url: str = dlt.config.value, api_key: str = dlt.secrets.value, page_size: int = DEFAULT_PAGE_SIZE,
               only: list[str] | None = None, workers: int = DEFAULT_WORKERS, timeout_s: float = DEFAULT_TIMEOUT_S,
               retries: int = DEFAULT_RETRIES, backoff_s: float = DEFAULT_BACKOFF_S):
    """Tasks, task results, organisations and researchers from every ministry in the registry, or from
    the ministries whose codes are in `only` (the others' cursors stay where they are).

    Each ministry keeps its own `updated_at` cursor per resource in the pipeline state; `workers`
    ministries are read at once. `timeout_s`, `retries` and `backoff_s` tune the HTTP client
    (sources.ministries.* in .dlt/config.toml)."""
    registry = load_registry()
    if only:
        unknown = set(only) - {m["code"] for m in registry}
        if unknown:
            raise ValueError(f"not in the ministry registry: {', '.join(sorted(unknown))}; "
                             f"known codes: {', '.join(m['code'] for m in registry)}")
        registry = [m for m in registry if m["code"] in only]
    http = {"timeout_s": timeout_s, "retries": retries, "backoff_s": backoff_s}
    return [_ministry_resource(name, base_url, api_key, registry, page_size, http, workers) for name in RESOURCES]
