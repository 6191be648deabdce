"""One HTTP client for every API source: retries with backoff on 429, 5xx, dropped connections,
timeouts and pages that arrive cut short.

urllib3's `Retry` handles what the transport sees (status codes, connect and read errors, read
timeouts). A page whose body breaks off mid-way (the connection closed before `Content-Length`
bytes, or a 200 whose JSON/XML does not parse) is only visible once the body is read and parsed,
so `fetch_parsed` retries the whole request-and-parse with tenacity, with the same backoff.
"""

from __future__ import annotations

import logging
import queue
import threading
from datetime import datetime, timezone
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, Sequence, TypeVar

import requests
from requests.adapters import HTTPAdapter
from tenacity import before_sleep_log, retry, retry_if_exception_type, stop_after_attempt, wait_exponential
from urllib3.util.retry import Retry

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)  # the start of every incremental cursor
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_RETRIES = 5
DEFAULT_BACKOFF_S = 0.5
RETRY_STATUSES = (429, 500, 502, 503, 504)

log = logging.getLogger(__name__)
T = TypeVar("T")
K = TypeVar("K")


class TruncatedPage(ValueError):
    """The server answered, but the page it sent cannot be parsed (cut short or garbled)."""


# What a repeat of the same request can cure. Anything else (a 401, a 404, an OAI-PMH error) is final.
TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError, TruncatedPage)


def retrying_session(retries: int = DEFAULT_RETRIES, backoff_s: float = DEFAULT_BACKOFF_S,
                     headers: dict | None = None) -> requests.Session:
    # urllib3 retries what the server answered (429, 5xx); dropped, slow and cut-short pages are retried once
    # per attempt by fetch_parsed (tenacity), so a page gets `retries` tries in all, not retries squared.
    retry = Retry(total=retries, connect=0, read=0, status=retries, backoff_factor=backoff_s,
                  status_forcelist=RETRY_STATUSES, allowed_methods=("GET",),
                  respect_retry_after_header=True, raise_on_status=True)
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"User-Agent": "csdl-khcn-ingest/0.1", **(headers or {})})
    return session


def fetch_parsed(session: requests.Session, url: str, params: dict, parse: Callable[[requests.Response], T],
                 timeout_s: float = DEFAULT_TIMEOUT_S, retries: int = DEFAULT_RETRIES,
                 backoff_s: float = DEFAULT_BACKOFF_S) -> T:
    """GET `url` and parse the reply; the pair is retried when the transport fails or the body is cut short.

    `parse` raises TruncatedPage for a body that does not parse, and anything else for a final answer."""

    @retry(retry=retry_if_exception_type(TRANSIENT), stop=stop_after_attempt(retries + 1),
           wait=wait_exponential(multiplier=backoff_s, max=30), reraise=True,
           before_sleep=before_sleep_log(log, logging.WARNING))
    def attempt() -> T:
        try:
            response = session.get(url, params=params, timeout=timeout_s)
        except requests.exceptions.RetryError as exc:  # urllib3 gave up on 429/5xx: report it plainly
            raise requests.HTTPError(f"{url} kept failing after {retries} retries: {exc}") from exc
        return parse(response)

    return attempt()


FINISHED = object()  # what `read_senders` yields after a sender's last page


def read_senders(senders: Sequence[K], pages: Callable[[K], Iterator[T]], workers: int = 4,
                 depth: int = 8) -> Iterator[tuple[K, T]]:
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
