"""Loopback simulator of the external systems NASATI receives data from.

- one REST API per ministry: `GET /ministries/<code>/api/v1/<resource>?updated_since=&page=&page_size=`
  with the key in `X-API-Key`; JSON pages `{"items": [...], "page": n, "next_page": n+1 | null}`;
- one OAI-PMH endpoint per academy repository: `GET /oai/<repo>?verb=ListRecords&metadataPrefix=oai_dc`
  with `from`, `until`, `set` and `resumptionToken`;
- provincial report drops: `drop_reports()` copies the generated report files into the intake folder.

It serves what `demo.generator` wrote, from memory, on 127.0.0.1. With `faults=p` (`csdl serve-sources
--faults 0.2`, or `CSDL_DEMO_FAULTS=0.2 make demo`) each list page is, with probability p, answered
by one fault picked at random: a 5xx, a reply slower than the client's timeout, a page cut short
(the connection drops mid-body, or a shorter body that is not valid JSON/XML), or the previous page
served again in place of the asked one (its continuation still points at the asked page).

Each record is serialised once (JSON for the ministry APIs, an OAI-PMH `<record>` for the repositories)
when it is loaded or changed, and each feed is kept sorted by its change time, so a page costs a
bisection and a join of ready bytes: as a sender's own database and cache would, the simulator answers
much faster than the client parses, and the benchmarks measure the client.
"""

from __future__ import annotations

import bisect
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from demo.feed_changes import FeedChanges
from demo.feeds import json_item, oai_record, parse_ts, sort_by_change
from demo.oai_endpoints import OaiEndpoints

DEFAULT_API_KEY = "demo-key"
FAULTS = ("server_error", "slow", "truncated", "served_twice")
SLOW_REPLY_S = 3.0  # a slow reply takes this long; sources given the fault-mode environment() time out first


class SourceSimulator(FeedChanges, OaiEndpoints):
    def __init__(
        self,
        demo_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        faults: float = 0.0,
        fault_seed: int = 11,
        slow_reply_s: float = SLOW_REPLY_S,
    ):
        self.demo_dir = Path(demo_dir)
        self.api_key = api_key
        self.faults, self.slow_reply_s = faults, slow_reply_s
        self.fault_rng = random.Random(fault_seed)
        self.faults_served: dict[str, int] = {name: 0 for name in FAULTS}
        self.lock = threading.Lock()
        self._listings: dict[tuple, list[dict]] = {}  # a filtered, sorted listing per query, until data changes
        self.requests: list[tuple[str, int]] = []  # (path, items served): what each request returned
        self.ministries: dict[tuple[str, str], list[dict]] = {}
        for path in sorted((self.demo_dir / "ministries").glob("*/*.jsonl")):
            with open(path, encoding="utf-8") as f:
                self.ministries[(path.parent.name.lower(), path.stem)] = [json.loads(line) for line in f]
        self.repositories: dict[str, list[dict]] = {}
        for path in sorted((self.demo_dir / "academies").glob("*.jsonl")):
            with open(path, encoding="utf-8") as f:
                self.repositories[path.stem] = [json.loads(line) for line in f]
        self._encoded: dict[int, bytes | str] = {}  # id(record) -> its serialised form; redone when it changes
        for items in self.ministries.values():
            self._encode(items, json_item)
            sort_by_change(items)
        for records in self.repositories.values():
            self._encode(records, oai_record)
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self.thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SourceSimulator:
        self.thread = threading.Thread(target=self.server.serve_forever, name="source-simulator", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def environment(self) -> dict[str, str]:
        """The dlt settings that point the sources at this simulator (and, with faults on, a client
        timeout shorter than its slow replies and a short backoff, so a demo does not crawl)."""
        env = {
            "SOURCES__MINISTRIES__BASE_URL": f"{self.base_url}/ministries",
            "SOURCES__MINISTRIES__API_KEY": self.api_key,
            "SOURCES__ACADEMIES__BASE_URL": f"{self.base_url}/oai",
        }
        if self.faults:
            for source in ("MINISTRIES", "ACADEMIES"):
                env[f"SOURCES__{source}__TIMEOUT_S"] = str(self.slow_reply_s / 3)
                env[f"SOURCES__{source}__BACKOFF_S"] = "0.05"
                env[f"SOURCES__{source}__RETRIES"] = "8"
        return env

    def _pick_fault(self) -> str | None:
        if not self.faults:
            return None
        with self.lock:
            if self.fault_rng.random() >= self.faults:
                return None
            fault = self.fault_rng.choice(FAULTS)
            self.faults_served[fault] += 1
            return fault

    def _encode(self, records: list[dict], encode) -> None:
        for record in records:
            self._encoded[id(record)] = encode(record)

    def _listing(self, key: tuple, build) -> list[dict]:
        """What a query selects, in serving order; built once per query (paging re-asks it for every page)."""
        with self.lock:
            if key not in self._listings:
                self._listings[key] = build()
            return self._listings[key]

    # -- HTTP --------------------------------------------------------------------------------
    def _handler(self):
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet: the pipeline logs what matters
                pass

            def _send(self, status: int, body: bytes, content_type: str, fault: str | None = None):
                try:
                    if fault == "server_error":
                        status, body = sim.fault_rng.choice((500, 502, 503, 504)), b"simulated server fault"
                    elif fault == "slow":
                        time.sleep(sim.slow_reply_s)
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    if fault == "truncated" and len(body) % 2:
                        # promise the whole body, send half, hang up: the client sees an incomplete read
                        self.send_header("Content-Length", str(len(body)))
                        self.send_header("Connection", "close")
                        self.end_headers()
                        self.wfile.write(body[: len(body) // 2])
                        self.close_connection = True
                        return
                    if fault == "truncated":  # a complete HTTP reply whose JSON/XML stops mid-way
                        body = body[: len(body) // 2]
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (timed out) first

            def _json(self, status: int, payload, fault: str | None = None):
                self._send(
                    status,
                    json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                    "application/json; charset=utf-8",
                    fault,
                )

            def do_POST(self):
                """`POST /admin/touch?fraction=0.01`: what a benchmark in another process changes between runs."""
                url = urlparse(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                if url.path != "/admin/touch":
                    return self._json(404, {"error": f"no such endpoint: {url.path}"})
                return self._json(200, sim.touch(float(query.get("fraction", 0.01)), int(query.get("seed", 7))))

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                parts = [p for p in url.path.split("/") if p]
                if parts[:1] == ["health"]:
                    return self._json(200, {"status": "ok"})
                if len(parts) == 5 and parts[0] == "ministries" and parts[2:4] == ["api", "v1"]:
                    return sim._ministry(self, parts[1], parts[4], query)
                if len(parts) == 2 and parts[0] == "oai":
                    return sim._oai(self, parts[1], query)
                return self._json(404, {"error": f"no such endpoint: {url.path}"})

        return Handler

    def _ministry(self, handler, ministry: str, resource: str, query: dict):
        if handler.headers.get("X-API-Key") != self.api_key:
            return handler._json(401, {"error": "missing or wrong X-API-Key"})
        if (ministry, resource) not in self.ministries and resource not in (
            "tasks",
            "task_results",
            "organizations",
            "researchers",
        ):
            return handler._json(404, {"error": f"unknown resource {resource}"})
        try:
            since = parse_ts(query["updated_since"]) if query.get("updated_since") else ""
            page = max(int(query.get("page", 1)), 1)
            size = min(max(int(query.get("page_size", 500)), 1), 5000)
        except ValueError as exc:
            return handler._json(400, {"error": f"bad query parameter: {exc}"})
        feed = self.ministries.get((ministry, resource), [])  # kept in order of change (sort_by_change)
        stamps = self._listing(("ministry-stamps", ministry, resource), lambda: [i["updated_at"] for i in feed])
        first = bisect.bisect_left(stamps, since)  # the feed is sorted by updated_at: `updated_since` is a bisection
        total = len(feed) - first
        fault = self._pick_fault()
        served = page - 1 if fault == "served_twice" and page > 1 else page
        chunk = feed[first + (served - 1) * size : first + served * size]
        self.requests.append((handler.path, len(chunk)))
        if served < page:
            next_page = page  # the client asks again for the page it did not get
        else:
            next_page = page + 1 if page * size < total else None
        body = b"".join(
            (
                b'{"items": [',
                b", ".join(self._encoded[id(i)] for i in chunk),
                f'], "page": {served}, "page_size": {size}, "total": {total}, '
                f'"next_page": {json.dumps(next_page)}}}'.encode(),
            )
        )
        handler._send(200, body, "application/json; charset=utf-8", fault)
