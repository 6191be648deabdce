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

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import dlt
import pyarrow as pa
from dlt.common.typing import TSecretStrValue

from sources.batching import batched
from sources.cursors import SenderCursor, SenderCursors
from sources.http import (
    DEFAULT_BACKOFF_S,
    DEFAULT_DEADLINE_S,
    DEFAULT_MAX_PAGE_MB,
    DEFAULT_MAX_PAGES,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_S,
    EndlessFeed,
    fetch_parsed,
    retrying_session,
)
from sources.ministries.pages import read_page
from sources.ministries.registry import answered, api_key_for, load_registry
from sources.ministries.schemas import RESOURCES
from sources.redaction import REDACTING_FILTER, failure_reason, register_secret
from sources.senders import FINISHED, read_senders

DEFAULT_WORKERS = 4  # ministries read at once: most of a page's time is the sender's and the network's
# Records asked for per page: larger pages mean fewer round trips (a page of 1,000 made ingest 20% slower).
# A sender that serves fewer per page still works: the client follows `next_page`.
DEFAULT_PAGE_SIZE = 5000
# A sender may answer "ask again" (next_page = the page just asked) while it catches up; more than this
# many times in a row for one page is a loop.
MAX_REPEATS_OF_A_PAGE = 10

log = logging.getLogger(__name__)
log.addFilter(REDACTING_FILTER)


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
                    resource, ministry["code"], f"{answered(response, ministry).url} (page {number})", response.content
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


def _ministry_keys(registry: list[dict], shared_key: str | None) -> dict[str, str | Exception]:
    """Each ministry's key (registered as a secret), or why it has none."""
    keys: dict[str, str | Exception] = {}
    for ministry in registry:
        try:
            keys[ministry["code"]] = api_key_for(ministry, shared_key)
            register_secret(keys[ministry["code"]])
        except PermissionError as exc:
            keys[ministry["code"]] = exc
    return keys


def _pages_or_failure(
    name: str,
    ministry: dict,
    cursor: SenderCursor,
    base_url: str,
    key: str | Exception,
    page_size: int,
    http: dict,
    max_pages: int,
) -> Iterator[pa.Table | _Failed]:
    """One ministry's pages, ending in `_Failed` if it fails: this ministry's failure is its own, the others go on."""
    try:
        if isinstance(key, Exception):
            raise key
        yield from _sender_pages(name, ministry, cursor, base_url, key, page_size, http, max_pages)
    except Exception as exc:
        yield _Failed(failure_reason(exc, [key if isinstance(key, str) else None]))


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
        keys = _ministry_keys(registry, shared_key)  # read here, in the resource's thread, not in the workers

        def sender_pages(ministry: dict):  # in a worker thread
            code = ministry["code"]
            return _pages_or_failure(name, ministry, opened[code], base_url, keys[code], page_size, http, max_pages)

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
