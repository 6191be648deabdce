"""Academy repositories harvested over OAI-PMH (`ListRecords`, `oai_dc`).

Follows resumption tokens to the end of a list; passes `from` (the last datestamp loaded) for
incremental runs and `set` when only some sets are wanted. A record the repository deleted
(`status="deleted"`) arrives as a row with `deleted = true`, which the merge applies to the earlier
row. `noRecordsMatch` is an empty harvest; `badResumptionToken` (the repository forgot or expired the
token) restarts the list from its first page, which the merge makes harmless. A record that cannot
be parsed is kept with `parse_error` and its raw XML so staging quarantines it; the rest of its page
loads.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Iterator

import dlt
import pyarrow as pa

from sources.batching import batched
from sources.http import (DEFAULT_BACKOFF_S, DEFAULT_RETRIES, DEFAULT_TIMEOUT_S, EPOCH, TruncatedPage, fetch_parsed,
                          read_ahead, retrying_session)

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
_LISTED = ("creator", "identifier", "subject")  # repeatable Dublin Core elements kept whole, as JSON lists


def parse_record(repo: str, record: ET.Element) -> dict:
    """One pass over the record's elements (ElementTree's namespaced find/findall cost more than the parse)."""
    header, dc = None, None
    for part in record:
        if part.tag == _HEADER:
            header = part
        elif part.tag == _METADATA:
            dc = next((e for e in part if e.tag == _OAI_DC), None)
    if header is None:
        raise ValueError("the record has no header")
    head = {child.tag[len(_OAI):]: child.text for child in header if child.tag.startswith(_OAI)}
    found: dict[str, list[str]] = {}
    for element in dc if dc is not None else ():
        text = (element.text or "").strip()
        if text and element.tag.startswith(_DC):
            found.setdefault(element.tag[len(_DC):], []).append(text)

    def first(tag: str) -> str | None:
        values = found.get(tag)
        return values[0] if values else None

    row = {"source_system": repo, "source_id": head.get("identifier"), "datestamp": _utc(head.get("datestamp")),
           "deleted": header.get("status") == "deleted", "set_spec": head.get("setSpec")}
    for tag in ("title", "date", "type", "source", "language", "publisher"):
        row[tag] = first(tag)
    for tag in _LISTED:
        row[tag + "s"] = json.dumps(found.get(tag, []), ensure_ascii=False)
    return row


def parse_record_safely(repo: str, record: ET.Element) -> dict:
    """`parse_record`, or for a record it cannot read: identifier (or a hash), the reason and the raw XML."""
    try:
        row = parse_record(repo, record)
        if not row["source_id"]:
            raise ValueError("the header has no identifier")
        return {**row, "parse_error": None, "raw_xml": None}
    except Exception as exc:  # a malformed record must not cost the rest of its page
        raw = ET.tostring(record, encoding="unicode")
        identifier = record.findtext("oai:header/oai:identifier", namespaces=NS)
        return {name: None for name in SCHEMA.names} | {
            "source_system": repo, "source_id": identifier or f"malformed:{hashlib.sha1(raw.encode()).hexdigest()[:16]}",
            "parse_error": f"OAI-PMH record cannot be read: {exc}", "raw_xml": raw}


def _read_page(response) -> ET.Element:
    response.raise_for_status()
    try:
        return ET.fromstring(response.content)
    except ET.ParseError as exc:
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


@dlt.source(name="academies")
def academies(base_url: str = dlt.config.value, repositories: list[str] = DEFAULT_REPOSITORIES,
              sets: list[str] | None = None, timeout_s: float = DEFAULT_TIMEOUT_S,
              retries: int = DEFAULT_RETRIES, backoff_s: float = DEFAULT_BACKOFF_S):
    """Publications from each academy repository at `<base_url>/<repo>`; only `sets` if given.

    One `datestamp` cursor serves every repository and set: harvest a subset of sets or repositories
    under a pipeline of its own, or the next full harvest starts after what the subset saw."""
    http = {"timeout_s": timeout_s, "retries": retries, "backoff_s": backoff_s}

    @dlt.resource(name="publications", primary_key=("source_system", "source_id"), write_disposition="merge",
                  schema_contract={"tables": "evolve", "columns": "evolve", "data_type": "freeze"})
    def publications(datestamp=dlt.sources.incremental("datestamp", initial_value=EPOCH,
                                                       on_cursor_value_missing="include")) -> Iterator[pa.Table]:
        session = retrying_session(retries=retries, backoff_s=backoff_s)

        def pages() -> Iterator[pa.Table]:
            for repo in repositories:
                endpoint = f"{base_url.rstrip('/')}/{repo}"
                for set_spec in sets or [None]:
                    for page in read_ahead(list_records(session, endpoint, repo, datestamp.start_value, set_spec, http)):
                        if page:
                            yield pa.Table.from_pylist(page, schema=SCHEMA)

        yield from batched(pages())

    return publications
