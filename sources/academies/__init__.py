"""Academy repositories harvested over OAI-PMH (`ListRecords`, `oai_dc`).

Each repository is asked `Identify` first (granularity, earliest datestamp, deleted-record policy, kept
in the resource state), then `ListRecords`, following resumption tokens to the end, with `from` (the
last datestamp loaded from that repository, in its granularity) for incremental runs and `set` when only
some sets are wanted. A record the repository deleted (`status="deleted"`) arrives as a row with
`deleted = true`, which the merge applies to the earlier row. `noRecordsMatch` is an empty harvest;
`badResumptionToken` (the repository forgot or expired the token) restarts the list from its first
page, which the merge makes harmless. A record that cannot be parsed is kept with `parse_error` and its
raw XML so staging quarantines it; the rest of its page loads (sources/academies/oai.py).

Each repository (each repository and set, when `sets` are given) has a `datestamp` cursor of its own
(sources/cursors.py), and the repositories are harvested at once. A repository that fails fails alone:
it is logged as a warning with its base URL and the OAI error or HTTP status, its cursor stays where it
was, and the others load. Every harvest's latest outcome is a row of `harvest_status` (merged on
`harvest`), beside `publications` in the same dataset.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import dlt
import pyarrow as pa

from sources.academies.oai import DAYS, MAX_RESTARTS, OaiError, identify, list_records  # noqa: F401
from sources.academies.records import NS, SCHEMA, parse_record, parse_record_safely, utc_datestamp  # noqa: F401
from sources.batching import batched
from sources.cursors import SenderCursors
from sources.http import (
    DEFAULT_BACKOFF_S,
    DEFAULT_DEADLINE_S,
    DEFAULT_MAX_PAGE_MB,
    DEFAULT_MAX_PAGES,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_S,
    retrying_session,
)
from sources.redaction import REDACTING_FILTER, failure_reason, redact
from sources.senders import FINISHED, read_senders

DEFAULT_REPOSITORIES = ("vast", "vass", "vnu")
STATUS_TABLE = "harvest_status"
STATUS_SCHEMA = pa.schema(
    [
        pa.field("harvest", pa.string(), nullable=False),
        ("repository", pa.string()),
        ("set_spec", pa.string()),
        ("base_url", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("records", pa.int64()),
        ("datestamp", pa.timestamp("us", tz="UTC")),
        ("granularity", pa.string()),
        ("deleted_record", pa.string()),
        ("checked_at", pa.timestamp("us", tz="UTC")),
        ("last_success_at", pa.timestamp("us", tz="UTC")),
    ]
)

log = logging.getLogger(__name__)
log.addFilter(REDACTING_FILTER)


class _Identified:
    """What a worker learnt from `Identify`, handed to the resource's thread (which alone writes dlt state)."""

    def __init__(self, identity: dict):
        self.identity = identity


class _Failed:
    def __init__(self, reason: str):
        self.reason = reason


def harvest_key(repo: str, set_spec: str | None) -> str:
    """Whose cursor a harvest moves: the repository's, or for one set only, that set's in the repository."""
    return repo if set_spec is None else f"{repo} set {set_spec}"


@dlt.source(name="academies")
def academies(
    base_url: str = dlt.config.value,
    repositories: list[str] = DEFAULT_REPOSITORIES,
    sets: list[str] | None = None,
    workers: int = len(DEFAULT_REPOSITORIES),
    timeout_s: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    deadline_s: float = DEFAULT_DEADLINE_S,
    max_page_mb: float = DEFAULT_MAX_PAGE_MB,
    max_pages: int = DEFAULT_MAX_PAGES,
):
    """Publications from each academy repository at `<base_url>/<repo>`; only `sets` if given.

    Each repository keeps its own `datestamp` cursor in the pipeline state, and a harvest of some sets
    keeps one per set, so harvesting a subset of repositories or sets leaves the others' cursors alone.
    `workers` repositories (or sets) are harvested at once. `timeout_s` bounds one read, `deadline_s` one
    whole request, `max_page_mb` one page and `max_pages` one harvest's pages in a run."""
    http = {
        "timeout_s": timeout_s,
        "retries": retries,
        "backoff_s": backoff_s,
        "deadline_s": deadline_s,
        "max_page_mb": max_page_mb,
    }
    harvests = [(repo, set_spec) for repo in repositories for set_spec in sets or [None]]
    endpoint = lambda repo: f"{base_url.rstrip('/')}/{repo}"  # noqa: E731

    # a record changed during a harvest arrives twice in one load: the newer one is kept
    @dlt.resource(
        name="publications",
        primary_key=("source_system", "source_id"),
        write_disposition="merge",
        columns={"datestamp": {"dedup_sort": "desc"}},
        schema_contract={"tables": "evolve", "columns": "evolve", "data_type": "freeze"},
    )
    def publications() -> Iterator[pa.Table]:
        state = dlt.current.resource_state()
        cursors = SenderCursors(state, column="datestamp")
        identities: dict = state.setdefault("identify", {})
        failures: dict = state.setdefault("failures", {})
        successes: dict = state.setdefault("last_success_at", {})
        opened = {harvest: cursors.open(harvest_key(*harvest)) for harvest in harvests}
        known = {repo: dict(identities.get(repo) or {}) for repo, _ in harvests}  # read by the workers

        def harvest_pages(harvest: tuple[str, str | None]):  # in a worker thread
            repo, set_spec = harvest
            try:
                with retrying_session(retries=retries, backoff_s=backoff_s) as session:
                    try:
                        identity = identify(session, endpoint(repo), http)
                        yield _Identified(identity)
                    except Exception as exc:  # some answer ListRecords well and Identify badly
                        # what it said last time, else days: every repository must accept a day `from`
                        identity = known[repo] or {"granularity": DAYS}
                        log.warning(
                            f"{endpoint(repo)}: Identify failed ({failure_reason(exc)}); "
                            f"harvesting with granularity {identity['granularity']}"
                        )
                    for page in list_records(
                        session,
                        endpoint(repo),
                        repo,
                        opened[harvest].since,
                        set_spec,
                        http,
                        granularity=identity.get("granularity", DAYS),
                        log=log,
                        max_pages=max_pages,
                    ):
                        if page:
                            yield opened[harvest].keep_new(pa.Table.from_pylist(page, schema=SCHEMA))
            except Exception as exc:  # this repository's failure is its own: the others go on
                yield _Failed(failure_reason(exc))

        now = datetime.now(UTC)
        status = {}

        def pages() -> Iterator[pa.Table]:
            for harvest, item in read_senders(harvests, harvest_pages, workers=workers):
                repo, set_spec = harvest
                key = harvest_key(*harvest)
                row = status.setdefault(
                    key,
                    {
                        "harvest": key,
                        "repository": repo,
                        "set_spec": set_spec,
                        "base_url": redact(endpoint(repo)),
                        "records": 0,
                        **{k: known[repo].get(k) for k in ("granularity", "deleted_record")},
                    },
                )
                if isinstance(item, _Identified):
                    identities[repo] = item.identity
                    row.update(granularity=item.identity["granularity"], deleted_record=item.identity["deleted_record"])
                elif isinstance(item, _Failed):
                    # the cursor does not move: the next run asks this repository for the same changes again
                    log.warning(f"academy repository {key} at {endpoint(repo)} failed, the others load: {item.reason}")
                    row.update(status="failed", error=item.reason)
                    failures[key] = {"base_url": redact(endpoint(repo)), "error": item.reason, "at": now.isoformat()}
                elif item is FINISHED:
                    if row.get("status") != "failed":
                        cursors.advance(opened[harvest])
                        row.update(status="ok", error=None)
                        failures.pop(key, None)
                        successes[key] = now.isoformat()
                elif item.num_rows:
                    row["records"] += item.num_rows
                    yield item

        yield from batched(pages())
        rows = []
        for harvest in harvests:
            row, cursor = status[harvest_key(*harvest)], opened[harvest]
            moved = row["status"] == "ok" and cursor.saved()  # what the cursor says once this run is stored
            rows.append(
                {
                    **row,
                    "checked_at": now,
                    "datestamp": utc_datestamp(moved["last_value"]) if moved else cursor.last_value,
                    "last_success_at": datetime.fromisoformat(successes[row["harvest"]])
                    if row["harvest"] in successes
                    else None,
                }
            )
        if rows:
            yield dlt.mark.with_hints(
                pa.Table.from_pylist(rows, schema=STATUS_SCHEMA),
                dlt.mark.make_hints(table_name=STATUS_TABLE, write_disposition="merge", primary_key="harvest"),
                create_table_variant=True,
            )

    return publications
