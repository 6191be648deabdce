"""Academy repositories harvested over OAI-PMH (`ListRecords`, `oai_dc`).

Follows resumption tokens to the end of a list; passes `from` (the last datestamp loaded from that
repository) for incremental runs and `set` when only some sets are wanted. A record the repository deleted
(`status="deleted"`) arrives as a row with `deleted = true`, which the merge applies to the earlier
row. `noRecordsMatch` is an empty harvest; `badResumptionToken` (the repository forgot or expired the
token) restarts the list from its first page, which the merge makes harmless. A record that cannot
be parsed is kept with `parse_error` and its raw XML so staging quarantines it; the rest of its page
loads. Each repository (each repository and set, when `sets` are given) has a `datestamp` cursor of its
own (sources/cursors.py), and the repositories are harvested at once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Iterator

import dlt
import orjson
import pyarrow as pa
from lxml import etree

from sources.batching import batched
from sources.cursors import SenderCursors
from sources.http import (DEFAULT_BACKOFF_S, DEFAULT_RETRIES, DEFAULT_TIMEOUT_S, EPOCH, FINISHED, TruncatedPage,
                          fetch_parsed, read_senders, retrying_session)

NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/"}
SCHEMA = pa.schema([
    pa.field("source_system", pa.string(), nullable=False), pa.field("source_id", pa.string(), nullable=False), ("datestamp", pa.timestamp("us", tz="UTC")),
    ("deleted", pa.bool_()), ("set_spec", pa.string()), ("title", pa.string()), ("creators", pa.string()),
    ("date", pa.string()), ("type", pa.string()), ("identifiers", pa.string()), ("source", pa.string()),
    ("subjects", pa.string()), ("language", pa.string()), ("publisher", pa.string()),
    ("parse_error", pa.string()), ("raw_xml", pa.string()),
])
MAX_RESTARTS = 2  # after this many badResumptionToken restarts of one list, the harvest fails
DEFAULT_REPOSITORIES = ("vast", "vass", "vnu")


class OaiError(RuntimeError):
    pass


def _utc(text: str | None) -> datetime:
    try:
        return datetime.fromisoformat((text or "").replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        raise ValueError(f"datestamp {text!r} is not a date-time like 2024-05-01T08:30:00Z") from None


_OAI, _DC = "{%s}" % NS["oai"], "{%s}" % NS["dc"]
_HEADER, _METADATA, _OAI_DC = _OAI + "header", _OAI + "metadata", "{%s}dc" % NS["oai_dc"]
_HEADER_FIELDS = {_OAI + name: name for name in ("identifier", "datestamp", "setSpec")}
_SINGLE = ("title", "date", "type", "source", "language", "publisher")  # the first of each is kept
_LISTED = ("creator", "identifier", "subject")  # repeatable Dublin Core elements kept whole, as JSON lists
_DC_ELEMENTS = {_DC + name: name for name in _SINGLE + _LISTED}  # full tag -> name: one dict look-up per element


def parse_record(repo: str, record: etree._Element) -> dict:
    """One pass over the record's elements (ElementTree's namespaced find/findall cost more than the parse)."""
    header, dc = None, None
    for part in record:
        if part.tag == _HEADER:
            header = part
        elif part.tag == _METADATA:
            dc = next((e for e in part if e.tag == _OAI_DC), None)
    if header is None:
        raise ValueError("the record has no header")
    head = {_HEADER_FIELDS[child.tag]: child.text for child in header if child.tag in _HEADER_FIELDS}
    found: dict[str, list[str]] = {}
    for element in dc if dc is not None else ():
        name, text = _DC_ELEMENTS.get(element.tag), element.text
        if name and text and (text := text.strip()):
            found.setdefault(name, []).append(text)

    row = {"source_system": repo, "source_id": head.get("identifier"), "datestamp": _utc(head.get("datestamp")),
           "deleted": header.get("status") == "deleted", "set_spec": head.get("setSpec")}
    for tag in _SINGLE:
        row[tag] = found.get(tag, (None,))[0]
    for tag in _LISTED:
        row[tag + "s"] = orjson.dumps(found.get(tag, [])).decode()
    return row


def parse_record_safely(repo: str, record: etree._Element) -> dict:
    """`parse_record`, or for a record it cannot read: identifier (or a hash), the reason and the raw XML."""
    try:
        row = parse_record(repo, record)
        if not row["source_id"]:
            raise ValueError("the header has no identifier")
        return {**row, "parse_error": None, "raw_xml": None}
    except Exception as exc:  # a malformed record must not cost the rest of its page
        raw = etree.tostring(record, encoding="unicode", with_tail=False)
        identifier = record.findtext("oai:header/oai:identifier", namespaces=NS)
        return {name: None for name in SCHEMA.names} | {
            "source_system": repo, "source_id": identifier or f"malformed:{hashlib.sha1(raw.encode()).hexdigest()[:16]}",
            "parse_error": f"OAI-PMH record cannot be read: {exc}", "raw_xml": raw}


def _read_page(response) -> etree._Element:
    response.raise_for_status()
    try:
        # lxml: about twice as fast as ElementTree here, and it lets other threads run while it parses.
        # A parser per page (they are not shared across threads); no entities, no network: the XML is not ours.
        return etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise TruncatedPage(f"{response.url}: the OAI-PMH page is not complete XML ({exc})") from exc


def list_records(session, endpoint: str, repo: str, since: datetime | None, set_spec: str | None = None,
                 http: dict | None = None) -> Iterator[list[dict]]:
    """Yields one page of parsed records at a time, following resumption tokens to the end."""
    first = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    if since and since > EPOCH:
        first["from"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    if set_spec:
        first["set"] = set_spec
    params, restarts = first, 0
    while True:
        root = fetch_parsed(session, endpoint, params, _read_page, **(http or {}))
        error = root.find("oai:error", NS)
        if error is not None:
            code = error.get("code")
            if code == "noRecordsMatch":
                return
            if code == "badResumptionToken" and params is not first and restarts < MAX_RESTARTS:
                restarts, params = restarts + 1, first
                continue
            raise OaiError(f"{endpoint}: OAI-PMH error {code}: {(error.text or '').strip()}")
        listing = root.find("oai:ListRecords", NS)
        if listing is None:
            raise OaiError(f"{endpoint}: the reply has neither ListRecords nor an error")
        yield [parse_record_safely(repo, r) for r in listing.findall("oai:record", NS)]
        token = listing.find("oai:resumptionToken", NS)
        if token is None or not (token.text or "").strip():
            return
        params = {"verb": "ListRecords", "resumptionToken": token.text.strip()}


def harvest_key(repo: str, set_spec: str | None) -> str:
    """Whose cursor a harvest moves: the repository's, or for one set only, that set's in the repository."""
    return repo if set_spec is None else f"{repo} set {set_spec}"


@dlt.source(name="academies")
def academies(base_url: str = dlt.config.value, repositories: list[str] = DEFAULT_REPOSITORIES,
              sets: list[str] | None = None, workers: int = len(DEFAULT_REPOSITORIES),
              timeout_s: float = DEFAULT_TIMEOUT_S, retries: int = DEFAULT_RETRIES,
              backoff_s: float = DEFAULT_BACKOFF_S):
    """Publications from each academy repository at `<base_url>/<repo>`; only `sets` if given.

    Each repository keeps its own `datestamp` cursor in the pipeline state, and a harvest of some sets
    keeps one per set, so harvesting a subset of repositories or sets leaves the others' cursors alone.
    `workers` repositories (or sets) are harvested at once."""
    http = {"timeout_s": timeout_s, "retries": retries, "backoff_s": backoff_s}
    harvests = [(repo, set_spec) for repo in repositories for set_spec in sets or [None]]

    # a record changed during a harvest arrives twice in one load: the newer one is kept
    @dlt.resource(name="publications", primary_key=("source_system", "source_id"), write_disposition="merge",
                  columns={"datestamp": {"dedup_sort": "desc"}},
                  schema_contract={"tables": "evolve", "columns": "evolve", "data_type": "freeze"})
    def publications() -> Iterator[pa.Table]:
        cursors = SenderCursors(dlt.current.resource_state(), column="datestamp")
        opened = {harvest: cursors.open(harvest_key(*harvest)) for harvest in harvests}

        def harvest_pages(harvest: tuple[str, str | None]) -> Iterator[pa.Table]:  # in a worker thread
            repo, set_spec = harvest
            with retrying_session(retries=retries, backoff_s=backoff_s) as session:
                for page in list_records(session, f"{base_url.rstrip('/')}/{repo}", repo, opened[harvest].since,
                                         set_spec, http):
                    if page:
                        yield opened[harvest].keep_new(pa.Table.from_pylist(page, schema=SCHEMA))

        def pages() -> Iterator[pa.Table]:
            for harvest, table in read_senders(harvests, harvest_pages, workers=workers):
                if table is FINISHED:
                    cursors.advance(opened[harvest])
                elif table.num_rows:
                    yield table

        yield from batched(pages())

    return publications
