"""Ministry and sector task registries: one REST API per sender, listed in `registry.toml`.

Each API serves JSON pages (`items`, `next_page`) of tasks, task results, organisations and
researchers, filters by `updated_since` and wants the key in the `X-API-Key` header. One dlt
source covers every ministry in the registry; adding a ministry is one entry there. Each ministry has
its own `updated_at` cursor per resource (sources/cursors.py), and several ministries are read at once.

Each ministry is a sender on its own: its own key (the secret its registry entry names; the shared
`sources.ministries.api_key` only where the entry allows it), its own host (no redirect off it), and its
own failure. A ministry that fails (refused key, HTTP error, a page refused or still cut short after the
retries, pages that never end) is logged as a warning with its code and the reason, kept in the resource
state under `failures`, its cursor stays where it was, and the others load; only when every ministry
fails does the run fail. Within a page, a record that cannot be used (not an object, no `source_id`, a
value of the wrong type, bytes that are not UTF-8) is kept with `parse_error` and its raw text
(`raw_text`) so staging quarantines it; the rest of its page loads.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import dlt
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from dlt.common.typing import TSecretStrValue

from sources.batching import batched
from sources.cursors import TS, SenderCursor, SenderCursors
from sources.http import (
    DEFAULT_BACKOFF_S,
    DEFAULT_DEADLINE_S,
    DEFAULT_MAX_PAGE_MB,
    DEFAULT_MAX_PAGES,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_S,
    FINISHED,
    REDACTING_FILTER,
    EndlessFeed,
    RefusedReply,
    TruncatedPage,
    failure_reason,
    fetch_parsed,
    read_senders,
    register_secret,
    retrying_session,
)

DEFAULT_WORKERS = 4  # ministries read at once: most of a page's time is the sender's and the network's
# Records asked for per page: larger pages mean fewer round trips (a page of 1,000 made ingest 20% slower).
# A sender that serves fewer per page still works: the client follows `next_page`.
DEFAULT_PAGE_SIZE = 5000
# A sender may answer "ask again" (next_page = the page just asked) while it catches up; more than this
# many times in a row for one page is a loop.
MAX_REPEATS_OF_A_PAGE = 10
SHARED_KEY = "sources.ministries.api_key"

log = logging.getLogger(__name__)
log.addFilter(REDACTING_FILTER)

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


def load_registry(path: str | Path | None = None) -> list[dict]:
    if path:
        with open(path, "rb") as f:
            return tomllib.load(f)["ministry"]
    with resources.files(__package__).joinpath("registry.toml").open("rb") as f:
        return tomllib.load(f)["ministry"]


def key_secret(ministry: dict) -> str:
    """The secret that holds this ministry's own key (env: the name upper-cased, dots as `__`)."""
    return ministry.get("api_key_secret") or f"sources.ministries.keys.{ministry['code']}"


def _env_name(secret: str) -> str:
    return secret.upper().replace(".", "__")


def api_key_for(ministry: dict, shared_key: str | None) -> str:
    """This ministry's own key; the shared key only if its registry entry says `shared_key = true`."""
    secret = key_secret(ministry)
    own = dlt.secrets.get(secret)
    if own:
        return str(own)
    if ministry.get("shared_key") and shared_key:
        return shared_key
    allowed = f", or the shared {SHARED_KEY}" if ministry.get("shared_key") else ""
    raise PermissionError(
        f"ministry {ministry['code']} has no API key: set {secret} in .dlt/secrets.toml or "
        f"{_env_name(secret)} in the environment{allowed}"
    )


# -- one page --------------------------------------------------------------------------------------------
def _raw_text(item) -> str:
    """The record as it came, for the quarantine; bytes that were not UTF-8 are shown as \\xNN."""
    text = json.dumps(item, ensure_ascii=False)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _unusable_key(item, raw: str) -> str:
    source_id = item.get("source_id") if isinstance(item, dict) else None
    if isinstance(source_id, str) and source_id.strip() and source_id.isprintable():
        return source_id
    # no key of its own: one from its content, the same every time the sender sends it unchanged
    return f"unreadable:{hashlib.sha1(raw.encode('utf-8', 'backslashreplace')).hexdigest()[:16]}"


def _columns(resource: str, column) -> list[pa.Array]:
    arrays = []
    for field in SCHEMAS[resource]:
        values = column(field.name)
        if not isinstance(values, pa.Array):
            values = pa.array(values, pa.string() if field.name == "updated_at" else field.type)
        # updated_at: ISO 8601 with a zone ("Z", "+07:00"), read as text, parsed by Arrow
        arrays.append(pc.cast(values, TS) if field.name == "updated_at" else values)
    return arrays


_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError, ValueError)


def _value_problem(field: pa.Field, value) -> str | None:
    try:
        _columns_of_one(field, value)
    except _CONVERSION_ERRORS as exc:
        return f"field `{field.name}` is not {field.type}: {json.dumps(value, ensure_ascii=False)[:100]} ({exc})"
    return None


def _columns_of_one(field: pa.Field, value) -> None:
    array = pa.array([value], pa.string() if field.name == "updated_at" else field.type)
    if field.name == "updated_at":
        pc.cast(array, TS)


def _record_problem(resource: str, item) -> str | None:
    """Why one record cannot be loaded, or None."""
    if not isinstance(item, dict):
        return f"the record is not a JSON object but {type(item).__name__}"
    try:
        json.dumps(item, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "the record holds bytes that are not UTF-8 text"
    source_id = item.get("source_id")
    if source_id is None or (isinstance(source_id, str) and not source_id.strip()):
        return "the record has no source_id, so it cannot be merged or traced back"
    for field in SCHEMAS[resource]:
        problem = _value_problem(field, item.get(field.name))
        if problem:
            return problem
    return None


def _finish(
    resource: str,
    ministry: str,
    arrays: list[pa.Array],
    extra: pa.Array,
    parse_error: pa.Array | None = None,
    raw_text: pa.Array | None = None,
) -> pa.Table:
    rows = len(extra)
    full = pa.schema(list(SCHEMAS[resource]) + TRAILER)
    sender = pa.array([ministry] * rows, pa.string())
    return pa.Table.from_arrays(
        arrays
        + [
            extra,
            sender,
            parse_error if parse_error is not None else pa.nulls(rows, pa.string()),
            raw_text if raw_text is not None else pa.nulls(rows, pa.string()),
        ],
        schema=full,
    )


def to_arrow(resource: str, ministry: str, items: list, where: str = "a page") -> pa.Table:
    """Records already parsed as an Arrow table, built column by column; fields outside the schema are kept
    in `extra` as JSON. A record that cannot be used becomes a row with only its key (its `source_id`, or
    one made from its content), `parse_error` (naming the sender, the page, the record's position and the
    reason) and its raw text."""
    known = set(SCHEMAS[resource].names)
    good, bad = [], []
    try:  # most pages: every record fits, checked a column at a time
        if not all(isinstance(item, dict) for item in items):
            raise TypeError
        for item in items:
            json.dumps(item, ensure_ascii=False).encode("utf-8")
        arrays = _columns(resource, lambda name: [item.get(name) for item in items])
        if pc.any(pc.or_(pc.is_null(arrays[0]), pc.equal(pc.utf8_trim_whitespace(arrays[0]), ""))).as_py():
            raise ValueError
        good = items
    except (*_CONVERSION_ERRORS, UnicodeEncodeError):  # some record does not: find which, record by record
        for number, item in enumerate(items, 1):
            problem = _record_problem(resource, item)
            if problem is None:
                good.append(item)
            else:
                bad.append((number, item, problem))
        arrays = _columns(resource, lambda name: [item.get(name) for item in good])
    extra = [
        None
        if known.issuperset(item)
        else json.dumps({k: v for k, v in item.items() if k not in known}, ensure_ascii=False)
        for item in good
    ]
    table = _finish(resource, ministry, arrays, pa.array(extra, pa.string()))
    if not bad:
        return table
    raws = [_raw_text(item) for _, item, _ in bad]
    unusable = {
        name: pa.nulls(len(bad), field.type)
        for name, field in zip(SCHEMAS[resource].names, SCHEMAS[resource], strict=False)
    }
    unusable["source_id"] = pa.array(
        [_unusable_key(item, raw) for (_, item, _), raw in zip(bad, raws, strict=False)], pa.string()
    )
    reasons = pa.array(
        [f"ministry {ministry}, {resource}, {where}: record {number}: {problem}" for number, _, problem in bad],
        pa.string(),
    )
    rejected = _finish(
        resource,
        ministry,
        list(unusable.values()),
        pa.nulls(len(bad), pa.string()),
        reasons,
        pa.array(raws, pa.string()),
    )
    return pa.concat_tables([table, rejected])


def _parse_json(body: bytes, url: str):
    """The page parsed, its nesting bounded before anything else reads it: orjson stops at 1,024 levels
    (Arrow's JSON reader crashes the process on a page nested some 20,000 deep)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise RefusedReply(
                f"{url}: the page is nested more than 1,024 levels deep; refused unread (no page of records is)"
            ) from None
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass  # some record holds bytes that are not UTF-8: read the rest, that record is quarantined
        else:
            raise TruncatedPage(f"{url}: the page is not complete JSON ({exc})") from exc
    try:  # the stdlib keeps the bad bytes as lone surrogates, which `_record_problem` finds
        return json.loads(body.decode("utf-8", "surrogateescape"))
    except RecursionError:
        raise RefusedReply(f"{url}: the page is nested too deep to read; refused") from None
    except json.JSONDecodeError as exc:
        raise TruncatedPage(f"{url}: the page is not complete JSON ({exc})") from exc


def _next_page(value, url: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    raise RefusedReply(f"{url}: `next_page` is {json.dumps(value)[:50]}, not a page number")


def read_page(resource: str, ministry: str, url: str, body: bytes) -> tuple[pa.Table, int | None]:
    """One JSON page as (records as an Arrow table, next page). Arrow's JSON reader parses the body
    straight into columns; a page it cannot read that way (fields outside the schema, a record that
    cannot be used) goes through `to_arrow`, which keeps the unknown fields and quarantines bad records."""
    parsed = _parse_json(body, url)
    if not isinstance(parsed, dict) or not isinstance(parsed.get("items"), list):
        raise TruncatedPage(f"{url}: the page has no `items` list")
    next_page = _next_page(parsed.get("next_page"), url)
    try:
        page = pa_json.read_json(
            io.BytesIO(body),
            read_options=pa_json.ReadOptions(block_size=len(body) + 1),
            parse_options=pa_json.ParseOptions(
                explicit_schema=PAGE_SCHEMAS[resource], unexpected_field_behavior="infer", newlines_in_values=True
            ),
        )
        items = pc.list_flatten(page.column("items")).combine_chunks() if page.num_rows == 1 else None
        if (
            items is not None
            and page.column("items").null_count == 0
            and items.type.num_fields == len(SCHEMAS[resource])
            and items.null_count == 0
        ):
            arrays = _columns(resource, items.field)
            ids = arrays[0]
            if not pc.any(pc.or_(pc.is_null(ids), pc.equal(pc.utf8_trim_whitespace(ids), ""))).as_py():
                return _finish(resource, ministry, arrays, pa.nulls(len(items), pa.string())), next_page
    except _CONVERSION_ERRORS:
        pass
    return to_arrow(resource, ministry, parsed["items"], url), next_page


def _answered(response, ministry: dict):
    if response.status_code in (401, 403):
        raise PermissionError(
            f"{response.url} refused the API key of ministry {ministry['code']} "
            f"(HTTP {response.status_code}); set {key_secret(ministry)} in .dlt/secrets.toml or "
            f"{_env_name(key_secret(ministry))}"
            + (f" (or the shared {SHARED_KEY})" if ministry.get("shared_key") else "")
        )
    response.raise_for_status()
    return response


def _sender_pages(
    resource: str,
    ministry: dict,
    cursor: SenderCursor,
    base_url: str,
    api_key: str,
    page_size: int,
    http: dict,
    max_pages: int,
) -> Iterator[pa.Table]:
    """Every page of one ministry's feed changed since its cursor, as Arrow tables (in a worker thread)."""
    session = retrying_session(retries=http["retries"], backoff_s=http["backoff_s"], headers={"X-API-Key": api_key})
    url = f"{(ministry.get('base_url') or base_url).rstrip('/')}{ministry['path']}/{resource}"
    params = {"updated_since": cursor.since.isoformat().replace("+00:00", "Z"), "page_size": page_size}
    with session:
        page, asked, repeats, requested = 1, set(), 0, 0
        while page:
            if requested >= max_pages:
                raise EndlessFeed(
                    f"{url}: more than {max_pages} pages in one run (max_pages); stopped, the cursor "
                    "stays: ask the sender whether its paging ends, or raise max_pages"
                )
            asked.add(page)
            requested += 1

            def parse(response, number=page):
                return read_page(
                    resource, ministry["code"], f"{_answered(response, ministry).url} (page {number})", response.content
                )

            table, following = fetch_parsed(session, url, {**params, "page": page}, parse, **http)
            if table.num_rows:
                yield cursor.keep_new(table)
            if following == page:  # "ask again": the sender served an older page in place of this one
                repeats += 1
                if repeats > MAX_REPEATS_OF_A_PAGE:
                    raise EndlessFeed(
                        f"{url}: page {page} answered `next_page: {page}` {repeats} times in a row; "
                        "the feed does not move on, stopped"
                    )
                continue
            if following in asked:
                raise EndlessFeed(
                    f"{url}: page {page} points back to page {following}, read before in this run: "
                    "the feed loops; stopped, the cursor stays"
                )
            page, repeats = following, 0


class _Failed:
    def __init__(self, reason: str):
        self.reason = reason


def _ministry_resource(
    name: str,
    base_url: str,
    shared_key: str | None,
    registry: list[dict],
    page_size: int,
    http: dict,
    workers: int,
    max_pages: int,
):
    # a record changed while its feed was being paged arrives twice in one load: the newer one is kept
    @dlt.resource(
        name=name,
        primary_key=("source_system", "source_id"),
        write_disposition="merge",
        columns={"updated_at": {"dedup_sort": "desc"}},
        schema_contract={"tables": "evolve", "columns": "evolve", "data_type": "freeze"},
    )
    def fetch() -> Iterator[pa.Table]:
        state = dlt.current.resource_state()
        cursors = SenderCursors(state, column="updated_at")
        failures: dict = state.setdefault("failures", {})
        opened = {ministry["code"]: cursors.open(ministry["code"]) for ministry in registry}
        keys: dict[str, str | Exception] = {}
        for ministry in registry:  # secrets are read here, in the resource's thread, not in the workers
            try:
                keys[ministry["code"]] = api_key_for(ministry, shared_key)
                register_secret(keys[ministry["code"]])
            except PermissionError as exc:
                keys[ministry["code"]] = exc

        def sender_pages(ministry: dict):  # in a worker thread
            key = keys[ministry["code"]]
            try:
                if isinstance(key, Exception):
                    raise key
                yield from _sender_pages(
                    name, ministry, opened[ministry["code"]], base_url, key, page_size, http, max_pages
                )
            except Exception as exc:  # this ministry's failure is its own: the others go on
                yield _Failed(failure_reason(exc, [key if isinstance(key, str) else None]))

        now = datetime.now(UTC).isoformat()
        failed: dict[str, str] = {}

        def pages() -> Iterator[pa.Table]:
            for ministry, item in read_senders(registry, sender_pages, workers=workers):
                code = ministry["code"]
                if isinstance(item, _Failed):
                    # the cursor does not move: the next run asks this ministry for the same changes again
                    log.warning(
                        f"ministry {code}, {name}: failed, the other ministries load; its cursor stays "
                        f"where it was: {item.reason}"
                    )
                    failed[code] = item.reason
                    failures[code] = {"error": item.reason, "at": now}
                elif item is FINISHED:
                    if code not in failed:
                        cursors.advance(opened[code])
                        failures.pop(code, None)
                elif item.num_rows:
                    yield item

        yield from batched(pages())
        if registry and len(failed) == len(registry):
            raise RuntimeError(
                f"every ministry failed to send {name}; "
                + "; ".join(f"{code}: {reason}" for code, reason in list(failed.items())[:5])
            )

    return fetch


@dlt.source(name="ministries")
def ministries(
    base_url: str = dlt.config.value,
    api_key: TSecretStrValue | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    only: list[str] | None = None,
    workers: int = DEFAULT_WORKERS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    deadline_s: float = DEFAULT_DEADLINE_S,
    max_page_mb: float = DEFAULT_MAX_PAGE_MB,
    max_pages: int = DEFAULT_MAX_PAGES,
    registry_file: str | None = None,
):
    """Tasks, task results, organisations and researchers from every ministry in the registry, or from
    the ministries whose codes are in `only` (the others' cursors stay where they are).

    Each ministry keeps its own `updated_at` cursor per resource in the pipeline state; `workers`
    ministries are read at once. `timeout_s` (one read), `deadline_s` (one whole request), `max_page_mb`,
    `max_pages` (per ministry and resource in one run), `retries` and `backoff_s` tune the HTTP client
    (sources.ministries.* in .dlt/config.toml). `api_key` is the shared key, used only for the ministries
    whose registry entry allows it; `registry_file` replaces the packaged registry."""
    registry = load_registry(registry_file)
    if only:
        unknown = set(only) - {m["code"] for m in registry}
        if unknown:
            raise ValueError(
                f"not in the ministry registry: {', '.join(sorted(unknown))}; "
                f"known codes: {', '.join(m['code'] for m in registry)}"
            )
        registry = [m for m in registry if m["code"] in only]
    http = {
        "timeout_s": timeout_s,
        "retries": retries,
        "backoff_s": backoff_s,
        "deadline_s": deadline_s,
        "max_page_mb": max_page_mb,
    }
    return [
        _ministry_resource(name, base_url, api_key, registry, page_size, http, workers, max_pages) for name in RESOURCES
    ]
