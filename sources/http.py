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
  the whole exchange, headers and body (`RequestDeadlineExceeded`);
- send a page larger than `max_page_mb` (counted after decompression, so a gzip bomb stops too).
Secrets (API keys, webhook URLs, passwords) are removed from our error and log lines by `redact`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from tenacity import before_sleep_log, retry, retry_if_exception_type, stop_after_attempt, wait_exponential
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

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
K = TypeVar("K")


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


# -- secrets out of messages -------------------------------------------------------------------------
_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+(?::[^/\s@]*)?@")


def register_secret(value: str | None) -> None:
    """Remember a secret (an API key, a password) so that `redact` and our log lines never show it."""
    if value and len(value) >= 4:  # shorter strings would blank out ordinary words
        with _SECRETS_LOCK:
            _SECRETS.add(value)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the given secrets, the registered ones, or passwords written in URLs (user:pw@host)."""
    text = _USERINFO.sub(r"\1***@", str(text))
    with _SECRETS_LOCK:
        known = set(_SECRETS)
    for secret in sorted(known.union(s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def url_without_secrets(url: str) -> str:
    """Scheme and host only: a webhook's path and query are its credentials."""
    parts = urlsplit(url)
    return (
        f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/***"
        if parts.scheme
        else "***"
    )


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


REDACTING_FILTER = _RedactingFilter()
log.addFilter(REDACTING_FILTER)  # tenacity's retry warnings name the failed request


def failure_reason(exc: BaseException, secrets: Iterable[str | None] = ()) -> str:
    """Why a sender failed, in one line an operator can act on, without secrets."""
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        reason = f"HTTP {exc.response.status_code} {exc.response.reason} from {exc.response.url}"
    else:
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return redact(reason, secrets)


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


# A deadline per exchange, enforced by closing its socket: a read blocked on a trickling sender only ends
# when the socket does. The connection classes below tell the deadline of the calling thread which
# connection an exchange uses (a pooled keep-alive connection is reused, so this is done per request).
_exchange = threading.local()


class _Deadline:
    def __init__(self, seconds: float):
        self.seconds, self.expired = seconds, False
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def watch(self, connection: HTTPConnection) -> None:
        """A new exchange on `connection` starts now (urllib3 retries after a 5xx are exchanges of their own)."""
        with self._lock:
            if self._timer:
                self._timer.cancel()
            self._timer = threading.Timer(self.seconds, self._expire, args=(connection,))
            self._timer.daemon = True
            self._timer.start()

    def _expire(self, connection: HTTPConnection) -> None:
        self.expired = True
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        _exchange.deadline = self
        return self

    def __exit__(self, *exc) -> None:
        _exchange.deadline = None
        with self._lock:
            if self._timer:
                self._timer.cancel()


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args, **kwargs):
        deadline = getattr(_exchange, "deadline", None)
        if deadline is not None:
            deadline.watch(self)
        return super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args, **kwargs):
        deadline = getattr(_exchange, "deadline", None)
        if deadline is not None:
            deadline.watch(self)
        return super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, *args, **kwargs):
        manager = super().proxy_manager_for(*args, **kwargs)
        manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


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
    adapter = _WatchedAdapter(max_retries=retry)
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
        with _Deadline(deadline_s) as deadline:
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


FINISHED = object()  # what `read_senders` yields after a sender's last page


def read_senders(
    senders: Sequence[K], pages: Callable[[K], Iterator[T]], workers: int = 4, depth: int = 8
) -> Iterator[tuple[K, T]]:
    """Yields (sender, page) for every page of every sender, reading `workers` senders at a time in
    background threads (each sender's pages in order, by one thread), then (sender, FINISHED) once all
    of that sender's pages have been yielded. Waiting for one sender overlaps reading and parsing
    another's; at most `depth` pages wait in memory. The first error stops every thread and is raised.

    `pages(sender)` runs in a worker thread: it must open its own `requests.Session` (they are not
    thread-safe) and leave shared state (dlt's) to the caller, which sees every page here, in its thread."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def put(item) -> bool:
        while not stopped.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read(sender: K) -> None:
        if stopped.is_set():
            return
        try:
            for page in pages(sender):
                if not put((sender, page, None)):
                    return
            put((sender, FINISHED, None))
        except BaseException as exc:  # handed to the consumer, raised there
            put((sender, None, exc))

    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(senders))), thread_name_prefix="sender")
    for sender in senders:
        pool.submit(read, sender)
    try:
        unfinished = len(senders)
        while unfinished:
            sender, page, error = buffer.get()
            if error is not None:
                raise error
            unfinished -= page is FINISHED
            yield sender, page
    finally:
        stopped.set()
        pool.shutdown(wait=False, cancel_futures=True)
