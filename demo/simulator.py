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

import base64
import bisect
import json
import random
import shutil
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

DEFAULT_API_KEY = "demo-key"
OAI_PAGE_SIZE = 200
FAULTS = ("server_error", "slow", "truncated", "served_twice")
SLOW_REPLY_S = 3.0  # a slow reply takes this long; sources given the fault-mode environment() time out first


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_ts(text: str) -> str:
    """Normalises an ISO timestamp or date to the `YYYY-MM-DDTHH:MM:SSZ` form records carry."""
    text = text.strip().replace(" ", "+")
    if len(text) == 10:
        return text + "T00:00:00Z"
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SourceSimulator:
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
            self._encode(items, _json_item)
            _sort_by_change(items)
        for records in self.repositories.values():
            self._encode(records, _oai_record)
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

    # -- what changes between runs ---------------------------------------------------------------
    def drop_reports(self, intake_dir: Path, pattern: str = "*") -> list[Path]:
        intake_dir = Path(intake_dir)
        intake_dir.mkdir(parents=True, exist_ok=True)
        dropped = []
        for path in sorted(p for p in (self.demo_dir / "reports").glob(pattern) if p.is_file()):
            target = intake_dir / path.name
            shutil.copyfile(path, target)
            dropped.append(target)
        return dropped

    def touch(self, fraction: float, seed: int = 7) -> dict[str, int]:
        """Marks a fraction of every feed as changed now (a corrected title or name); returns counts."""
        rng, stamp, changed = random.Random(seed), _now_iso(), {}
        with self.lock:
            self._listings.clear()
            for (_ministry, resource), items in self.ministries.items():
                touched = rng.sample(items, k=int(len(items) * fraction))
                for item in touched:
                    item["updated_at"] = stamp
                    for field in ("title", "name", "full_name"):
                        if item.get(field):
                            item[field] = item[field].rstrip(" *") + " *"
                self._encode(touched, _json_item)
                _sort_by_change(items)
                changed[resource] = changed.get(resource, 0) + len(touched)
            for _repo, records in self.repositories.items():
                touched = rng.sample(records, k=int(len(records) * fraction))
                for rec in touched:
                    rec["datestamp"] = stamp
                    rec["title"] = rec["title"].rstrip(" *") + " *"
                self._encode(touched, _oai_record)
                changed["publications"] = changed.get("publications", 0) + len(touched)
        return changed

    def add_ministry_record(self, ministry: str, resource: str, item: dict) -> None:
        """A ministry enters a record late: it carries its own `updated_at`, which may be older than
        what other ministries have changed since (a lagging clock, or a backlog entered today)."""
        with self.lock:
            self._listings.clear()
            feed = self.ministries.setdefault((ministry.lower(), resource), [])
            feed.append(item)
            self._encode([item], _json_item)
            _sort_by_change(feed)

    def add_repository_record(self, repo: str, record: dict) -> None:
        """A repository publishes a record with its own, possibly older, datestamp (see add_ministry_record)."""
        with self.lock:
            self._listings.clear()
            self.repositories[repo].append(record)
            self._encode([record], _oai_record)

    def withdraw(self, fraction: float, seed: int = 17) -> list[tuple[str, str]]:
        """Managing bodies withdraw a fraction of their tasks: the API keeps serving them, marked
        `status = "da_rut"` (withdrawn) with `withdrawn_at` and a new `updated_at`."""
        rng, stamp, withdrawn = random.Random(seed), _now_iso(), []
        with self.lock:
            self._listings.clear()
            for (ministry, resource), items in self.ministries.items():
                if resource == "tasks":
                    chosen = rng.sample(items, k=int(len(items) * fraction))
                    for item in chosen:
                        item.update(status="da_rut", withdrawn_at=stamp, updated_at=stamp)
                        withdrawn.append((ministry.upper(), item["source_id"]))
                    self._encode(chosen, _json_item)
                    _sort_by_change(items)
        return withdrawn

    def delete(self, fraction: float, seed: int = 13) -> list[tuple[str, str]]:
        """The repositories delete a fraction of their records (OAI-PMH `status="deleted"`, datestamp now)."""
        rng = random.Random(seed)
        with self.lock:
            deleted = [
                (repo, rec["identifier"])
                for repo, records in self.repositories.items()
                for rec in rng.sample([r for r in records if not r.get("malformed")], k=int(len(records) * fraction))
            ]
        self.delete_records(deleted)
        return deleted

    def delete_records(self, keys: list[tuple[str, str]]) -> None:
        """The repositories delete these records, (repository, OAI identifier): `status="deleted"`, datestamp now."""
        stamp, wanted = _now_iso(), set(keys)
        with self.lock:
            self._listings.clear()
            chosen = [
                rec
                for repo, records in self.repositories.items()
                for rec in records
                if (repo, rec["identifier"]) in wanted
            ]
            for rec in chosen:
                rec["deleted"], rec["datestamp"] = True, stamp
            self._encode(chosen, _oai_record)

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
            since = _parse_ts(query["updated_since"]) if query.get("updated_since") else ""
            page = max(int(query.get("page", 1)), 1)
            size = min(max(int(query.get("page_size", 500)), 1), 5000)
        except ValueError as exc:
            return handler._json(400, {"error": f"bad query parameter: {exc}"})
        feed = self.ministries.get((ministry, resource), [])  # kept in order of change (_sort_by_change)
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

    def _oai(self, handler, repo: str, query: dict):
        base = f"{self.base_url}/oai/{repo}"
        verb = query.get("verb")
        if repo not in self.repositories:
            return handler._send(404, b"unknown repository", "text/plain")
        if verb == "Identify":
            body = (
                f"<Identify><repositoryName>{escape(repo)}</repositoryName><baseURL>{escape(base)}</baseURL>"
                "<protocolVersion>2.0</protocolVersion><earliestDatestamp>2000-01-01T00:00:00Z</earliestDatestamp>"
                "<deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>"
            )
            return self._oai_reply(handler, query, body)
        if verb != "ListRecords":
            return self._oai_error(handler, query, "badVerb", f"verb {verb!r} is not supported here")
        if "resumptionToken" in query:
            try:
                since, until, set_spec, offset = base64.urlsafe_b64decode(query["resumptionToken"]).decode().split("|")
                offset = int(offset)
            except Exception:
                return self._oai_error(handler, query, "badResumptionToken", "the resumption token is not valid")
        else:
            if query.get("metadataPrefix") != "oai_dc":
                return self._oai_error(handler, query, "cannotDisseminateFormat", "only oai_dc is offered")
            since = _parse_ts(query["from"]) if query.get("from") else ""
            until = _parse_ts(query["until"]) if query.get("until") else ""
            set_spec, offset = query.get("set", ""), 0
        records = self._listing(
            ("oai", repo, since, until, set_spec),
            lambda: sorted(
                (
                    r
                    for r in self.repositories[repo]
                    if r["datestamp"] >= since
                    and (not until or r["datestamp"] <= until)
                    and (not set_spec or r["set"] == set_spec)
                ),
                key=lambda r: (r["datestamp"], r["identifier"]),
            ),
        )
        if not records:
            return self._oai_error(handler, query, "noRecordsMatch", "no records match the request")
        fault = self._pick_fault()
        asked, offset = offset, (offset - OAI_PAGE_SIZE if fault == "served_twice" and offset else offset)
        chunk = records[offset : offset + OAI_PAGE_SIZE]
        self.requests.append((handler.path, len(chunk)))
        parts = ["<ListRecords>"] + [self._encoded[id(r)] for r in chunk]
        if offset + OAI_PAGE_SIZE < len(records):
            following = asked if offset < asked else offset + OAI_PAGE_SIZE
            token = base64.urlsafe_b64encode(f"{since}|{until}|{set_spec}|{following}".encode()).decode()
            parts.append(
                f'<resumptionToken completeListSize="{len(records)}" cursor="{offset}">{token}</resumptionToken>'
            )
        elif offset:
            parts.append(f'<resumptionToken completeListSize="{len(records)}" cursor="{offset}"/>')
        parts.append("</ListRecords>")
        self._oai_reply(handler, query, "".join(parts), fault)

    def _oai_reply(self, handler, query: dict, inner: str, fault: str | None = None):
        attrs = " ".join(f'{k}="{escape(v)}"' for k, v in query.items() if k in ("verb", "metadataPrefix", "from"))
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            f"<responseDate>{_now_iso()}</responseDate><request {attrs}>{escape(handler.path)}</request>"
            f"{inner}</OAI-PMH>"
        )
        handler._send(200, xml.encode("utf-8"), "text/xml; charset=utf-8", fault)

    def _oai_error(self, handler, query: dict, code: str, message: str):
        self._oai_reply(handler, query, f'<error code="{code}">{escape(message)}</error>')


def _sort_by_change(items: list[dict]) -> None:
    items.sort(key=lambda i: (i["updated_at"], i["source_id"]))


def _json_item(item: dict) -> bytes:
    return json.dumps(item, ensure_ascii=False).encode("utf-8")


def _oai_record(rec: dict) -> str:
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
