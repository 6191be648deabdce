"""Several senders read at once in worker threads, their pages handed to the caller's thread in order."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
K = TypeVar("K")

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
