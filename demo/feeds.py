"""The served records' forms: change times as records carry them, a ministry item as JSON, an OAI-PMH record."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.sax.saxutils import escape


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_ts(text: str) -> str:
    """Normalises an ISO timestamp or date to the `YYYY-MM-DDTHH:MM:SSZ` form records carry."""
    text = text.strip().replace(" ", "+")
    if len(text) == 10:
        return text + "T00:00:00Z"
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sort_by_change(items: list[dict]) -> None:
    items.sort(key=lambda i: (i["updated_at"], i["source_id"]))


def json_item(item: dict) -> bytes:
    return json.dumps(item, ensure_ascii=False).encode("utf-8")


def oai_record(rec: dict) -> str:
    status = ' status="deleted"' if rec.get("deleted") else ""
    # a record flagged `malformed` by the generator carries a datestamp no harvester can read
    datestamp = "2024-13-45T99:00:00Z" if rec.get("malformed") else rec["datestamp"]
    header = (
        f"<header{status}><identifier>{escape(rec['identifier'])}</identifier>"
        f"<datestamp>{datestamp}</datestamp><setSpec>{escape(rec['set'])}</setSpec></header>"
    )
    if rec.get("deleted"):
        return f"<record>{header}</record>"
    dc = []
    for tag, value in (
        ("title", rec["title"]),
        ("date", rec["date"]),
        ("type", rec["type"]),
        ("source", rec["source"]),
        ("subject", rec.get("subject")),
        ("language", rec["language"]),
        ("publisher", rec["publisher"]),
    ):
        if value:
            dc.append(f"<dc:{tag}>{escape(value)}</dc:{tag}>")
    dc += [f"<dc:creator>{escape(name)}</dc:creator>" for name in rec["creators"]]
    if rec.get("doi"):
        dc.append(f"<dc:identifier>https://doi.org/{escape(rec['doi'])}</dc:identifier>")
    dc.append(f"<dc:identifier>{escape(rec['identifier'])}</dc:identifier>")
    return (
        f'<record>{header}<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/">{"".join(dc)}</oai_dc:dc></metadata></record>'
    )
