"""Academy repositories harvested over OAI-PMH (`ListRecords`, `oai_dc`, resumption tokens, `from`)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Iterator

import dlt
import pyarrow as pa

from sources.http import DEFAULT_TIMEOUT_S, retrying_session

NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/"}
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SCHEMA = pa.schema([
    pa.field("source_system", pa.string(), nullable=False), pa.field("source_id", pa.string(), nullable=False), ("datestamp", pa.timestamp("us", tz="UTC")),
    ("deleted", pa.bool_()), ("set_spec", pa.string()), ("title", pa.string()), ("creators", pa.string()),
    ("date", pa.string()), ("type", pa.string()), ("identifiers", pa.string()), ("source", pa.string()),
    ("subjects", pa.string()), ("language", pa.string()), ("publisher", pa.string()),
])
DEFAULT_REPOSITORIES = ("vast", "vass", "vnu")


class OaiError(RuntimeError):
    pass


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def parse_record(repo: str, record: ET.Element) -> dict:
    header = record.find("oai:header", NS)
    dc = record.find("oai:metadata/oai_dc:dc", NS)

    def values(tag: str) -> list[str]:
        return [e.text.strip() for e in dc.findall(f"dc:{tag}", NS) if e.text and e.text.strip()] if dc is not None else []

    def first(tag: str) -> str | None:
        found = values(tag)
        return found[0] if found else None

    return {
        "source_system": repo, "source_id": header.findtext("oai:identifier", namespaces=NS),
        "datestamp": _utc(header.findtext("oai:datestamp", namespaces=NS)),
        "deleted": header.get("status") == "deleted", "set_spec": header.findtext("oai:setSpec", namespaces=NS),
        "title": first("title"), "creators": json.dumps(values("creator"), ensure_ascii=False),
        "date": first("date"), "type": first("type"),
        "identifiers": json.dumps(values("identifier"), ensure_ascii=False), "source": first("source"),
        "subjects": json.dumps(values("subject"), ensure_ascii=False), "language": first("language"),
        "publisher": first("publisher"),
    }


def list_records(session, endpoint: str, repo: str, since: datetime | None) -> Iterator[list[dict]]:
    """Yields one page of parsed records at a time, following resumption tokens to the end."""
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    if since and since > EPOCH:
        params["from"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    while True:
        response = session.get(endpoint, params=params, timeout=DEFAULT_TIMEOUT_S)
        response.raise_for_status()
        root = ET.fromstring(response.content)
        error = root.find("oai:error", NS)
        if error is not None:
            if error.get("code") == "noRecordsMatch":
                return
            raise OaiError(f"{endpoint}: OAI-PMH error {error.get('code')}: {(error.text or '').strip()}")
        listing = root.find("oai:ListRecords", NS)
        yield [parse_record(repo, r) for r in listing.findall("oai:record", NS)]
        token = listing.find("oai:resumptionToken", NS)
        if token is None or not (token.text or "").strip():
            return
        params = {"verb": "ListRecords", "resumptionToken": token.text.strip()}


@dlt.source(name="academies")
def academies(base_url: str = dlt.config.value, repositories: list[str] = DEFAULT_REPOSITORIES):
    """Publications from each academy repository at `<base_url>/<repo>`."""

    @dlt.resource(name="publications", primary_key=("source_system", "source_id"), write_disposition="merge",
                  schema_contract={"tables": "evolve", "columns": "evolve", "data_type": "freeze"})
    def publications(datestamp=dlt.sources.incremental("datestamp", initial_value=EPOCH)) -> Iterator[pa.Table]:
        session = retrying_session()
        for repo in repositories:
            endpoint = f"{base_url.rstrip('/')}/{repo}"
            for page in list_records(session, endpoint, repo, datestamp.start_value):
                if page:
                    yield pa.Table.from_pylist(page, schema=SCHEMA)

    return publications
