"""One HTTP client for every API source: retries with backoff on 429, 5xx, dropped connections,
timeouts and pages that arrive cut short; and limits on what a hostile or broken sender can make it do.

urllib3's `Retry` handles what the transport sees (status codes, connect and read errors, read
timeouts). A page whose body breaks off mid-way (the connection closed before `Content-Length`
bytes, or a 200 whose JSON/XML does not parse) is only visible once the body is read and parsed,
so `fetch_parsed` retries the whole request-and-parse with tenacity, with the same backoff.

What a sender on the network cannot do (each refusal is final for that page, `RefusedReply`, not retried):
- redirect us to another host: `requests` strips only `Authorization` there, so our `X-API-Key` would go
  along and the other host's records would load as this sender's (`RedirectRefused`);
- hold a request open by sending a byte now and then: `timeout_s` bounds each socket read, `deadline_s`
  the whole exchange, headers and body (`RequestDeadlineExceeded`, sources/deadline.py);
- send a page larger than `max_page_mb` (counted after decompression, so a gzip bomb stops too).
Secrets (API keys, webhook URLs, passwords) are removed from our error and log lines by `redact` (sources/redaction.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import requests
from tenacity import before_sleep_log, retry, retry_if_exception_type, stop_after_attempt, wait_exponential
from urllib3.util.retry import Retry

from sources.deadline import Deadline, WatchedAdapter
from sources.redaction import REDACTING_FILTER, redact

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the start of every incremental cursor
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_DEADLINE_S = 300.0  # one whole exchange: a slow but honest sender sends a 5,000-record page well within it
DEFAULT_MAX_PAGE_MB = 256.0  # far above any real page (5,000 records are a few MB); a bound on memory, not on data
DEFAULT_MAX_PAGES = 100_000  # pages of one sender (one list) in one run: ~500 million records at 5,000 a page
DEFAULT_RETRIES = 5
DEFAULT_BACKOFF_S = 0.5
RETRY_STATUSES = (429, 500, 502, 503, 504)

log = logging.getLogger(__name__)
T = TypeVar("T")


class TruncatedPage(ValueError):
    """The server answered, but the page it sent cannot be parsed (cut short or garbled)."""


class RefusedReply(RuntimeError):
    """A reply we do not accept and do not ask for again this run (too large, too deep, too slow, elsewhere)."""


class RedirectRefused(RefusedReply):
    """The sender redirected to another host."""


class RequestDeadlineExceeded(RefusedReply):
    """The whole exchange took longer than its deadline, however steadily bytes trickled in."""


class EndlessFeed(RefusedReply):
    """A sender's pages do not end: a page or resumption token came again, or there are more than the cap."""


# What a repeat of the same request can cure. Anything else (a 401, a 404, an OAI-PMH error) is final.
TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError, TruncatedPage)

log.addFilter(REDACTING_FILTER)  # tenacity's retry warnings name the failed request


# -- the session ----------------------------------------------------------------------------------------
def _same_sender(origin: str, target: str) -> bool:
    """Same host and port; http -> https on the same host (default ports) is an upgrade, not a move."""
    a, b = urlsplit(origin), urlsplit(target)
    if (a.hostname or "").lower() != (b.hostname or "").lower():
        return False
    if a.scheme == b.scheme:
        return a.port == b.port
    return a.scheme == "http" and b.scheme == "https" and a.port in (None, 80) and b.port in (None, 443)


class _SenderSession(requests.Session):
    """Follows redirects only on the sender's own host."""

    def get_redirect_target(self, resp):
        target = super().get_redirect_target(resp)
        if target is not None:
            absolute = urljoin(resp.url, target)
            if not _same_sender(resp.url, absolute):
                moved_to = urlsplit(absolute)
                resp.close()
                raise RedirectRefused(
                    f"{redact(resp.url)} redirected (HTTP {resp.status_code}) to another host, "
                    f"{moved_to.scheme}://{moved_to.netloc.rpartition('@')[2]}: refused, so our API key is not sent "
                    "there and its records are not loaded as this sender's. If the sender has moved, change its "
                    "URL in the configuration."
                )
        return target


def retrying_session(
    retries: int = DEFAULT_RETRIES, backoff_s: float = DEFAULT_BACKOFF_S, headers: dict | None = None
) -> requests.Session:
    # urllib3 retries what the server answered (429, 5xx); dropped, slow and cut-short pages are retried once
    # per attempt by fetch_parsed (tenacity), so a page gets `retries` tries in all, not retries squared.
    retry = Retry(
        total=retries,
        connect=0,
        read=0,
        status=retries,
        backoff_factor=backoff_s,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=("GET",),
        respect_retry_after_header=True,
        raise_on_status=True,
    )
    session = _SenderSession()
    adapter = WatchedAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"User-Agent": "csdl-khcn-ingest/0.1", **(headers or {})})
    return session


def _read_body(response: requests.Response, max_bytes: int) -> None:
    """Reads the body (streamed) into `response.content`, refusing it past `max_bytes`."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise RefusedReply(
            f"{redact(response.url)}: the page is {int(declared) / 2**20:.0f} MB, more than the "
            f"{max_bytes / 2**20:g} MB allowed (max_page_mb); refused unread"
        )
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            raise RefusedReply(
                f"{redact(response.url)}: the page is more than the {max_bytes / 2**20:g} MB allowed "
                "(max_page_mb, counted uncompressed); refused"
            )
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what requests itself does in `.content`, with a bound


def fetch_parsed(
    session: requests.Session,
    url: str,
    params: dict,
    parse: Callable[[requests.Response], T],
    timeout_s: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    deadline_s: float = DEFAULT_DEADLINE_S,
    max_page_mb: float = DEFAULT_MAX_PAGE_MB,
) -> T:
    """GET `url` and parse the reply; the pair is retried when the transport fails or the body is cut short.

    `parse` raises TruncatedPage for a body that does not parse, and anything else for a final answer.
    Each exchange must end within `deadline_s` and bring at most `max_page_mb` (RefusedReply otherwise)."""

    @retry(
        retry=retry_if_exception_type(TRANSIENT),
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential(multiplier=backoff_s, max=30),
        reraise=True,
        before_sleep=before_sleep_log(log, logging.WARNING),
    )
    def attempt() -> T:
        with Deadline(deadline_s) as deadline:
            try:
                response = session.get(url, params=params, timeout=timeout_s, stream=True)
                _read_body(response, int(max_page_mb * 2**20))
            except requests.exceptions.RetryError as exc:  # urllib3 gave up on 429/5xx: report it plainly
                cause = getattr(exc.args[0], "reason", None) if exc.args else None  # urllib3's MaxRetryError
                raise requests.HTTPError(
                    f"{redact(url)} kept failing after {retries} retries: {redact(cause or exc)}"
                ) from None
            except (requests.RequestException, OSError):
                if deadline.expired:
                    raise RequestDeadlineExceeded(
                        f"{redact(url)}: no complete reply within {deadline_s:g} s (deadline_s, the whole request, "
                        "not one read): the sender is sending too slowly or holding the connection open"
                    ) from None
                raise
            if deadline.expired:  # the timer closed the socket and the body simply ended: not a page cut short
                raise RequestDeadlineExceeded(f"{redact(url)}: no complete reply within {deadline_s:g} s (deadline_s)")
        return parse(response)

    return attempt()
