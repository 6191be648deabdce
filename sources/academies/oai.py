"""OAI-PMH 2.0 as repositories really answer it: `Identify`, `ListRecords` pages, errors.

- OAI errors are read from the body whatever the HTTP status: InvenioRDM (Zenodo) answers every OAI
  error with HTTP 422, others with 200. Any other 4xx without an OAI error is an HTTP error.
- Characters XML 1.0 forbids (a vertical tab pasted into a description) are removed before parsing.
- A page that still does not parse but ends with `</OAI-PMH>` arrived whole: it is read record by record
  and only the records that do not parse are kept as unreadable. A page that does not end is cut short:
  `TruncatedPage`, which sources/http.py retries.
- `from` is sent in the repository's granularity (`Identify`): a day-granularity repository must
  answer a `from` with seconds with `badArgument`.
- A list that does not end is stopped (`EndlessFeed`): a resumption token seen before in this list (other
  than the one just asked with, which may come back a few times), or more than `max_pages` pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from sources.academies.records import NS, parse_record_safely, unreadable_row
from sources.http import DEFAULT_MAX_PAGES, EPOCH, EndlessFeed, TruncatedPage, fetch_parsed

SECONDS, DAYS = "YYYY-MM-DDThh:mm:ssZ", "YYYY-MM-DD"
MAX_RESTARTS = 2  # after this many badResumptionToken restarts of one list, the harvest fails
# A repository may hand back the token it was asked with ("ask again") while it catches up; more than
# this many times in a row is a loop.
MAX_REPEATS_OF_A_TOKEN = 10

_FORBIDDEN_CHARACTERS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")  # C0 controls, U+FFFE/F
_FORBIDDEN_REFERENCES = re.compile(  # &#11; &#x0B; ... are forbidden as well
    rb"&#(?:x0*(?:[0-8bcef]|1[0-9a-f]|fff[ef])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45]));", re.IGNORECASE
)
_WHOLE_PAGE = re.compile(rb"</(?:[\w.-]+:)?OAI-PMH\s*>\s*$")
_ROOT_START = re.compile(rb"<((?:[\w.-]+:)?OAI-PMH)\b[^>]*>")
_RECORD = re.compile(rb"<((?:[\w.-]+:)?)record\b[^>]*?(?:/>|>.*?</\1record\s*>)", re.DOTALL)
_IDENTIFIER = re.compile(r"<(?:[\w.-]+:)?identifier>\s*([^<\s]+)\s*</")


class OaiError(RuntimeError):
    """The repository answered with an OAI-PMH error (or with no OAI-PMH reply at all)."""

    def __init__(self, endpoint: str, code: str, message: str):
        super().__init__(f"{endpoint}: OAI-PMH error {code}: {message}")
        self.code = code


@dataclass
class Page:
    root: etree._Element
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (raw XML, why) of records that did not parse
    characters_removed: int = 0


def _parser() -> etree.XMLParser:
    # a parser per page (they are not shared across threads); no entities, no network: the XML is not ours
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _without_forbidden_characters(body: bytes) -> tuple[bytes, int]:
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: the byte patterns do not apply
        return body, 0
    body, removed = _FORBIDDEN_CHARACTERS.subn(b"", body)
    body, referenced = _FORBIDDEN_REFERENCES.subn(b"", body)
    return body, removed + referenced


def _record_by_record(body: bytes, url: str) -> Page:
    """A whole page that does not parse: its envelope (without records) must, then each record alone."""
    root_start = _ROOT_START.search(body)
    if root_start is None:
        raise TruncatedPage(f"{url}: the reply is not an OAI-PMH page")
    records = list(_RECORD.finditer(body))
    try:
        root = etree.fromstring(_RECORD.sub(b"", body), _parser())
    except etree.XMLSyntaxError as exc:  # outside the records: the resumption token cannot be trusted
        raise TruncatedPage(f"{url}: the OAI-PMH page is not well-formed XML ({exc})") from exc
    listing, unreadable = root.find("oai:ListRecords", NS), []
    closing = b"</" + root_start.group(1) + b">"
    readable = []
    for match in records:
        try:  # the record inside the page's own root element, so its namespaces are declared
            readable.append(etree.fromstring(root_start.group(0) + match.group(0) + closing, _parser())[0])
        except etree.XMLSyntaxError as exc:
            unreadable.append((match.group(0).decode("utf-8", "replace"), f"not well-formed XML ({exc})"))
    if listing is not None:
        token = listing.find("oai:resumptionToken", NS)
        at = list(listing).index(token) if token is not None else len(listing)
        listing[at:at] = readable
    return Page(root, unreadable)


def read_page(response) -> Page:
    """The parsed reply, or TruncatedPage (retried) for a page cut short; HTTP errors without an OAI error raise."""
    body, removed = _without_forbidden_characters(response.content)
    try:
        page = Page(etree.fromstring(body, _parser()))
    except etree.XMLSyntaxError as exc:
        if response.status_code >= 400:  # an error page that is not OAI-PMH (HTML, plain text)
            response.raise_for_status()
        if not _WHOLE_PAGE.search(body):
            raise TruncatedPage(f"{response.url}: the OAI-PMH page is not complete XML ({exc})") from exc
        page = _record_by_record(body, response.url)
    if response.status_code >= 400 and page.root.find("oai:error", NS) is None:
        response.raise_for_status()
    page.characters_removed = removed
    return page


def _raise_error(page: Page, endpoint: str) -> None:
    errors = page.root.findall("oai:error", NS)
    if errors:
        error = next((e for e in errors if e.get("code") == "noRecordsMatch"), errors[0])
        raise OaiError(endpoint, error.get("code") or "(no code)", (error.text or "").strip())


def identify(session, endpoint: str, http: dict | None = None) -> dict:
    """What `Identify` says about harvesting: granularity, earliest datestamp, the deleted-record policy."""
    page = fetch_parsed(session, endpoint, {"verb": "Identify"}, read_page, **(http or {}))
    _raise_error(page, endpoint)
    node = page.root.find("oai:Identify", NS)
    if node is None:
        raise OaiError(endpoint, "(no Identify)", "the reply has neither Identify nor an error")
    text = lambda name: (node.findtext(f"oai:{name}", namespaces=NS) or "").strip() or None  # noqa: E731
    return {
        "granularity": SECONDS if text("granularity") == SECONDS else DAYS,  # days: what all must accept
        "earliest_datestamp": text("earliestDatestamp"),
        "deleted_record": text("deletedRecord"),
        "repository_name": text("repositoryName"),
    }


def from_argument(since: datetime, granularity: str) -> str:
    return since.strftime("%Y-%m-%d" if granularity == DAYS else "%Y-%m-%dT%H:%M:%SZ")


def list_records(
    session,
    endpoint: str,
    repo: str,
    since: datetime | None,
    set_spec: str | None = None,
    http: dict | None = None,
    granularity: str = SECONDS,
    log=None,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> Iterator[list[dict]]:
    """Yields one page of parsed records at a time, following resumption tokens to the end."""
    first = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    if since and since > EPOCH:
        first["from"] = from_argument(since, granularity)
    if set_spec:
        first["set"] = set_spec
    params, restarts, seen, repeats, pages = first, 0, set(), 0, 0
    while True:
        pages += 1
        if pages > max_pages:
            raise EndlessFeed(
                f"{endpoint}: more than {max_pages} pages in one run (max_pages); stopped, the cursor "
                "stays: ask the repository whether its resumption tokens end, or raise max_pages"
            )
        page = fetch_parsed(session, endpoint, params, read_page, **(http or {}))
        try:
            _raise_error(page, endpoint)
        except OaiError as error:
            if error.code == "noRecordsMatch":
                return
            if error.code == "badResumptionToken" and params is not first and restarts < MAX_RESTARTS:
                restarts, params, seen, repeats = restarts + 1, first, set(), 0  # the list again: its tokens again
                continue
            raise
        listing = page.root.find("oai:ListRecords", NS)
        if listing is None:
            raise OaiError(endpoint, "(no ListRecords)", "the reply has neither ListRecords nor an error")
        if log and (page.characters_removed or page.unreadable):
            log.warning(
                f"{endpoint}: {page.characters_removed} characters XML forbids removed, "
                f"{len(page.unreadable)} records unreadable on the page asked with {params}"
            )
        rows = [parse_record_safely(repo, r) for r in listing.findall("oai:record", NS)]
        rows += [
            unreadable_row(repo, raw, why, next(iter(_IDENTIFIER.findall(raw)), None)) for raw, why in page.unreadable
        ]
        yield rows
        token = listing.find("oai:resumptionToken", NS)
        if token is None or not (token.text or "").strip():
            return
        token = token.text.strip()
        if token == params.get("resumptionToken"):  # "ask again": an older page was served in place of this one
            repeats += 1
            if repeats > MAX_REPEATS_OF_A_TOKEN:
                raise EndlessFeed(
                    f"{endpoint}: the resumptionToken {token[:80]} came back {repeats} times in a row; "
                    "the list does not move on, stopped"
                )
            continue
        if token in seen:
            raise EndlessFeed(
                f"{endpoint}: the resumptionToken {token[:80]} came again after other pages: the list "
                "loops; stopped, the cursor stays"
            )
        seen.add(token)
        params, repeats = {"verb": "ListRecords", "resumptionToken": token}, 0
