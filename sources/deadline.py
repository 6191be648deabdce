"""A deadline per HTTP exchange, headers and body, enforced by closing its socket when it passes."""

from __future__ import annotations

import contextlib
import socket
import threading

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# A deadline per exchange, enforced by closing its socket: a read blocked on a trickling sender only ends
# when the socket does. The connection classes below tell the deadline of the calling thread which
# connection an exchange uses (a pooled keep-alive connection is reused, so this is done per request).
_exchange = threading.local()


class Deadline:
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

    def __enter__(self) -> Deadline:
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


class WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, *args, **kwargs):
        manager = super().proxy_manager_for(*args, **kwargs)
        manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager
