"""One OAI-PMH `<record>` (`oai_dc`) into one row: what the repositories really write in Dublin Core.

Repeatable elements are all kept (titles with their `xml:lang`, dates, types, languages, publishers,
sets). The single columns are chosen from them: the main title in the record's language (else
Vietnamese, else the first), the publication date (DSpace sends accessioned, available and issued in
that order: the earliest dated value is the issued one), the DOI in any of the forms repositories write.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from urllib.parse import unquote

import orjson
import pyarrow as pa
from lxml import etree

NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
}
SCHEMA = pa.schema(
    [
        pa.field("source_system", pa.string(), nullable=False),
        pa.field("source_id", pa.string(), nullable=False),
        ("datestamp", pa.timestamp("us", tz="UTC")),
        ("deleted", pa.bool_()),
        ("set_spec", pa.string()),
        ("title", pa.string()),
        ("creators", pa.string()),
        ("date", pa.string()),
        ("type", pa.string()),
        ("identifiers", pa.string()),
        ("source", pa.string()),
        ("subjects", pa.string()),
        ("language", pa.string()),
        ("publisher", pa.string()),
        ("parse_error", pa.string()),
        ("raw_xml", pa.string()),
        # every value of the repeatable elements the single columns above are chosen from (JSON lists)
        ("doi", pa.string()),
        ("titles", pa.string()),
        ("set_specs", pa.string()),
        ("dates", pa.string()),
        ("types", pa.string()),
        ("languages", pa.string()),
        ("publishers", pa.string()),
        ("relations", pa.string()),
    ]
)

_OAI, _DC = "{{{}}}".format(NS["oai"]), "{{{}}}".format(NS["dc"])
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_HEADER, _METADATA, _OAI_DC = _OAI + "header", _OAI + "metadata", "{{{}}}dc".format(NS["oai_dc"])
_IDENTIFIER, _DATESTAMP, _SET_SPEC = _OAI + "identifier", _OAI + "datestamp", _OAI + "setSpec"
_LISTED = ("title", "creator", "date", "type", "identifier", "source", "subject", "language", "publisher", "relation")
_DC_ELEMENTS = {_DC + name: name for name in _LISTED}  # full tag -> name: one dict look-up per element

# doi:10.1038/x, DOI: 10.1038/x, info:doi/10..., urn:doi:10..., https://doi.org/10..., http://dx.doi.org/10..., 10.5061/x
# and OpenAIRE's info:eu-repo/semantics/altIdentifier/doi/10... (Zenodo, DSpace-CRIS)
_DOI_WHOLE = re.compile(
    r"^(?:doi:\s*|info:doi/|urn:doi:|info:eu-repo/semantics/\w+/doi/"
    r"|(?:https?://)?(?:dx\.|www\.)?doi\.org/)?(10\.\d{4,9}/\S+)$",
    re.IGNORECASE,
)
# a DOI inside a longer identifier (EPrints writes the whole citation into dc:identifier)
_DOI_INSIDE = re.compile(r"(?:doi:\s*|doi\.org/)(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})(?:$|[-/T\s])")
_LANGUAGE_CODES = {
    "vie": "vi",
    "eng": "en",
    "fra": "fr",
    "fre": "fr",
    "rus": "ru",
    "deu": "de",
    "ger": "de",
    "zho": "zh",
    "chi": "zh",
    "jpn": "ja",
    "kor": "ko",
}
_VIETNAMESE_LETTERS = re.compile("[đĐơƠưƯăĂ\u1ea0-\u1ef9]")


def utc_datestamp(text: str | None) -> datetime:
    """An OAI-PMH datestamp (UTC by the protocol): `2024-05-01T08:30:00Z`, or a day `2016-03-07` (its UTC midnight)."""
    try:
        parsed = datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"datestamp {text!r} is not a date-time like 2024-05-01T08:30:00Z") from None
    if parsed.tzinfo is None:  # never the harvesting machine's local time
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def language_code(text: str | None) -> str | None:
    """`vi`, `vie`, `vi_VN`, `vi-VN` -> `vi`."""
    code = (text or "").strip().lower().replace("_", "-").split("-")[0]
    return _LANGUAGE_CODES.get(code, code) or None


def main_title(titles: list[dict], record_language: str | None) -> str | None:
    """The title in the record's language, else the Vietnamese one, else the first."""
    if len(titles) < 2:  # most records: nothing to choose
        return titles[0]["text"] if titles else None
    wanted = language_code(record_language)
    for fits in (
        lambda t: wanted and t["lang"] == wanted,
        lambda t: t["lang"] == "vi",
        lambda t: t["lang"] is None and _VIETNAMESE_LETTERS.search(t["text"]),
    ):
        chosen = next((t for t in titles if fits(t)), None)
        if chosen:
            return chosen["text"]
    return titles[0]["text"]


def publication_date(dates: list[str]) -> str | None:
    """The earliest dc:date that starts with a plausible year: DSpace's issued date comes after the later
    accessioned and available dates; an embargo end or a deposit date is never earlier than publication."""
    if len(dates) < 2:  # most records: nothing to choose
        return dates[0] if dates else None
    latest_plausible = date.today().year + 1
    dated = [
        (int(m.group(1)), value)
        for value in dates
        if (m := _YEAR.match(value)) and 1500 <= int(m.group(1)) <= latest_plausible
    ]
    if dated:
        return min(dated)[1]
    return dates[0] if dates else None


def doi_of(identifiers: list[str], relations: list[str]) -> str | None:
    """The record's DOI, lower case `10.x/...`: an identifier that is a DOI, else a relation that is one,
    else a DOI written inside an identifier (a citation)."""
    for values, pattern in ((identifiers, _DOI_WHOLE), (relations, _DOI_WHOLE), (identifiers, _DOI_INSIDE)):
        for value in values:
            match = pattern.search(unquote(value.strip()))
            if match:
                return match.group(1).rstrip(".,;").lower()
    return None


def _text(element: etree._Element) -> str:
    # a title with inline markup (<i>E. coli</i>) keeps all of its text, not only what precedes the first tag
    text = element.text if len(element) == 0 else "".join(element.itertext())
    return text.strip() if text else ""


def _json(values) -> str:
    return orjson.dumps(values).decode()


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
    identifier, datestamp, sets = None, None, []
    for child in header:
        if child.tag == _IDENTIFIER:
            identifier = (child.text or "").strip() or None
        elif child.tag == _DATESTAMP:
            datestamp = child.text
        elif child.tag == _SET_SPEC and child.text and child.text.strip():
            sets.append(child.text.strip())
    found: dict[str, list] = {name: [] for name in _LISTED}
    for element in dc if dc is not None else ():
        name = _DC_ELEMENTS.get(element.tag)
        if name and (text := _text(element)):
            found[name].append(
                {"text": text, "lang": language_code(element.get(_XML_LANG))} if name == "title" else text
            )

    first = lambda name: found[name][0] if found[name] else None  # noqa: E731
    dates = found["date"]
    return {
        "source_system": repo,
        "source_id": identifier,
        "datestamp": utc_datestamp(datestamp),
        "deleted": header.get("status") == "deleted",
        "set_spec": sets[0] if sets else None,
        "title": main_title(found["title"], first("language")),
        "creators": _json(found["creator"]),
        "date": publication_date(dates),
        "type": first("type"),
        "identifiers": _json(found["identifier"]),
        "source": first("source"),
        "subjects": _json(found["subject"]),
        "language": first("language"),
        "publisher": first("publisher"),
        "doi": doi_of(found["identifier"], found["relation"]),
        "titles": _json(found["title"]),
        "set_specs": _json(sets),
        "dates": _json(dates),
        "types": _json(found["type"]),
        "languages": _json(found["language"]),
        "publishers": _json(found["publisher"]),
        "relations": _json(found["relation"]),
    }


def unreadable_row(repo: str, raw: str, reason: str, identifier: str | None = None) -> dict:
    """The row of a record that cannot be read: its identifier (or a hash), the reason and the raw XML,
    so staging quarantines it; no datestamp, so it moves no cursor."""
    return {name: None for name in SCHEMA.names} | {
        "source_system": repo,
        "source_id": identifier or f"malformed:{hashlib.sha1(raw.encode()).hexdigest()[:16]}",
        "parse_error": f"OAI-PMH record cannot be read: {reason}",
        "raw_xml": raw,
    }


def parse_record_safely(repo: str, record: etree._Element) -> dict:
    """`parse_record`, or for a record it cannot read, `unreadable_row`."""
    try:
        row = parse_record(repo, record)
        if not row["source_id"]:
            raise ValueError("the header has no identifier")
        return {**row, "parse_error": None, "raw_xml": None}
    except Exception as exc:  # a malformed record must not cost the rest of its page
        raw = etree.tostring(record, encoding="unicode", with_tail=False)
        return unreadable_row(repo, raw, str(exc), record.findtext("oai:header/oai:identifier", namespaces=NS))
