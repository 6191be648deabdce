"""Senders on the network that are hostile or broken (issue 14), each played by a loopback server this
test starts: good data still loads, the bad part is refused or kept for quarantine with its reason, no
secret leaks, and no run hangs."""

import json
import logging
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dlt
import duckdb
import pytest

from quality.alerts import Problem, sync
from quality.channels import Notice, WebhookChannel
from sources.academies import academies
from sources.http import RedirectRefused, RefusedReply, RequestDeadlineExceeded, fetch_parsed, retrying_session
from sources.ministries import ministries
from warehouse.database import connect
from warehouse.modelling import discover, run_model

pytestmark = pytest.mark.timeout(45)
REPO = Path(__file__).resolve().parents[1]
QUICK = {"retries": 1, "backoff_s": 0.01, "timeout_s": 5.0}  # a failing sender fails within the test's time


# -- loopback senders ---------------------------------------------------------------------------------------
class Sender:
    """An HTTP server on 127.0.0.1 whose replies `answer(handler, path, query)` writes; it remembers every
    request's path and X-API-Key."""

    def __init__(self, answer, post=None):
        self.requests: list[tuple[str, str | None]] = []
        sender = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                sender.requests.append((self.path, self.headers.get("X-API-Key")))
                url = urlparse(self.path)
                answer(self, url.path, {k: v[0] for k, v in parse_qs(url.query).items()})

            def do_POST(self):
                post(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keys(self) -> set:
        return {key for _, key in self.requests}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def reply(handler, body, status: int = 200, content_type: str = "application/json", headers: dict | None = None):
    body = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def task(source_id: str, minute: int = 0, **fields) -> dict:
    return {
        "source_id": source_id,
        "title": f"Nhiệm vụ {source_id}",
        "level": "BO",
        "start_date": "2025-01-01",
        "updated_at": f"2026-01-01T10:{minute:02d}:00Z",
        **fields,
    }


def feed(tasks_pages: dict | None = None):
    """A ministry API: `tasks_pages` by page number (a page, or a function of the handler and the page
    number), every other resource empty."""

    def answer(handler, path, query):
        page = int(query.get("page", 1))
        if path.endswith("/tasks") and tasks_pages is not None:
            served = tasks_pages(handler, page) if callable(tasks_pages) else tasks_pages.get(page)
            if served is not None:
                reply(handler, served)
            return
        reply(handler, {"items": [], "next_page": None})

    return answer


@pytest.fixture
def senders():
    started = []

    def start(answer=None, post=None) -> Sender:
        started.append(Sender(answer, post))
        return started[-1]

    yield start
    for sender in started:
        sender.close()


def registry(tmp_path: Path, hosts: dict[str, str], shared_key: bool = False) -> str:
    """A registry of the given ministries, each on its own host, each with its own key."""
    path = tmp_path / "registry.toml"
    path.write_text(
        "".join(
            f'[[ministry]]\ncode = "{code}"\nname = "{code}"\nbase_url = "{url}"\npath = "/{code.lower()}/api/v1"\n'
            f'auth = "api_key"\napi_key_secret = "sources.ministries.keys.{code}"\nshared_key = {str(shared_key).lower()}\n\n'
            for code, url in hosts.items()
        ),
        encoding="utf-8",
    )
    return str(path)


def pipeline(name: str, data_dir: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(data_dir / "warehouse.duckdb")),
        dataset_name=f"raw_{name}",
        pipelines_dir=str(data_dir / "dlt_pipelines"),
    )


def rows(data_dir: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def task_state(run: dlt.Pipeline) -> dict:
    return run.state["sources"]["ministries"]["resources"]["tasks"]


@pytest.fixture
def keys(monkeypatch):
    """Each ministry's own key, in the environment as an operator would set it; no shared key."""
    monkeypatch.delenv("SOURCES__MINISTRIES__API_KEY", raising=False)
    own = {"BKHCN": "key-of-bkhcn-7f3a", "BYT": "key-of-byt-91c2", "BCT": "key-of-bct-55d0", "BNV": "key-of-bnv-3e8b"}
    for code, key in own.items():
        monkeypatch.setenv(f"SOURCES__MINISTRIES__KEYS__{code}", key)
    return own


# -- 1. redirects and keys ------------------------------------------------------------------------------------
def test_a_redirect_to_another_host_is_refused_and_each_ministry_sees_only_its_own_key(
    senders, keys, tmp_path, data_dir, caplog
):
    elsewhere = senders(feed({1: {"items": [task("FOREIGN-1")], "next_page": None}}))
    redirecting = senders(
        lambda handler, path, query: (
            reply(handler, b"", 302, headers={"Location": f"{elsewhere.url}{path}?page=1"})
            if path.endswith("/tasks")
            else reply(handler, {"items": [], "next_page": None})
        )
    )
    honest = senders(feed({1: {"items": [task("BYT-1"), task("BYT-2", 1)], "next_page": None}}))
    caplog.set_level(logging.WARNING)
    run = pipeline("ministries", data_dir)
    run.run(ministries(registry_file=registry(tmp_path, {"BKHCN": redirecting.url, "BYT": honest.url}), **QUICK))

    assert elsewhere.requests == []  # not asked at all: neither the key nor the question left the sender's host
    assert rows(data_dir, "SELECT source_system, source_id FROM raw_ministries.tasks ORDER BY 2") == [
        ("BYT", "BYT-1"),
        ("BYT", "BYT-2"),
    ]
    assert redirecting.keys() == {keys["BKHCN"]} and honest.keys() == {keys["BYT"]}
    failure = task_state(run)["failures"]["BKHCN"]["error"]
    assert "redirected (HTTP 302) to another host" in failure and elsewhere.url in failure
    assert "BKHCN" not in task_state(run)["cursors"] and "BYT" in task_state(run)["cursors"]
    assert any(
        "ministry BKHCN, tasks: failed" in r.getMessage() and "redirected" in r.getMessage() for r in caplog.records
    )
    assert not any(key in caplog.text for key in keys.values())


def test_a_redirect_on_the_senders_own_host_is_followed(senders):
    sender = senders(
        lambda handler, path, query: (
            reply(handler, b"", 301, headers={"Location": "/moved"})
            if path == "/old"
            else reply(handler, {"moved": True})
        )
    )
    with retrying_session(**{k: QUICK[k] for k in ("retries", "backoff_s")}) as session:
        assert fetch_parsed(session, f"{sender.url}/old", {}, lambda r: r.json(), **QUICK) == {"moved": True}
        with pytest.raises(RedirectRefused):  # the same check, to a port of another server on the same machine
            other = senders(feed())
            sender_to_other = senders(lambda h, p, q: reply(h, b"", 307, headers={"Location": f"{other.url}/x"}))
            fetch_parsed(session, f"{sender_to_other.url}/old", {}, lambda r: r.json(), **QUICK)
        assert other.requests == []


def test_a_ministry_without_its_own_key_fails_alone_unless_it_may_use_the_shared_one(
    senders, keys, tmp_path, data_dir, monkeypatch
):
    monkeypatch.delenv("SOURCES__MINISTRIES__KEYS__BYT")
    monkeypatch.setenv("SOURCES__MINISTRIES__API_KEY", "the-shared-key-0042")
    bkhcn = senders(feed({1: {"items": [task("BKHCN-1")], "next_page": None}}))
    byt = senders(feed({1: {"items": [task("BYT-1")], "next_page": None}}))
    hosts = {"BKHCN": bkhcn.url, "BYT": byt.url}
    run = pipeline("ministries", data_dir)
    run.run(ministries(registry_file=registry(tmp_path, hosts), **QUICK))
    assert byt.requests == [] and bkhcn.keys() == {keys["BKHCN"]}
    assert "SOURCES__MINISTRIES__KEYS__BYT" in task_state(run)["failures"]["BYT"]["error"]

    run.run(ministries(registry_file=registry(tmp_path, hosts, shared_key=True), **QUICK))
    assert byt.keys() == {"the-shared-key-0042"} and bkhcn.keys() == {keys["BKHCN"]}  # own key where there is one
    assert rows(data_dir, "SELECT source_id FROM raw_ministries.tasks ORDER BY 1") == [("BKHCN-1",), ("BYT-1",)]


# -- 5. pages nested too deep, pages too large --------------------------------------------------------------------
def test_a_page_nested_20000_levels_deep_is_refused_before_arrow_reads_it(senders, keys, tmp_path, data_dir):
    """Arrow's JSON reader dies with a segmentation fault on this page, so the run is a child process:
    if the bound breaks, the child dies and this test fails, not the test session."""
    deep = b'{"items": [{"source_id": "X", "extra": ' + b"[" * 20000 + b"]" * 20000 + b'}], "next_page": null}'
    nested = senders(feed(lambda handler, page: deep))
    honest = senders(feed({1: {"items": [task("BYT-1")], "next_page": None}}))
    child = textwrap.dedent(f"""
        import json, dlt
        from sources.ministries import ministries
        run = dlt.pipeline(pipeline_name="ministries", destination=dlt.destinations.duckdb({str(data_dir / "w.duckdb")!r}),
                           dataset_name="raw_ministries", pipelines_dir={str(data_dir / "p")!r})
        run.run(ministries(registry_file={registry(tmp_path, {"BKHCN": nested.url, "BYT": honest.url})!r},
                           retries=1, backoff_s=0.01, timeout_s=5.0))
        print(json.dumps(run.state["sources"]["ministries"]["resources"]["tasks"]["failures"]))
        print(json.dumps(run.last_trace.last_normalize_info.row_counts.get("tasks")))
    """)
    done = subprocess.run([sys.executable, "-c", child], cwd=REPO, capture_output=True, text=True, timeout=40)
    assert done.returncode == 0, done.stderr[-2000:]
    failures, loaded = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    assert loaded == 1 and set(failures) == {"BKHCN"}
    assert "nested more than 1,024 levels deep; refused" in failures["BKHCN"]["error"]
    assert sum("/tasks" in path for path, _ in nested.requests) == 1  # refused, not asked again


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-length-given"])
def test_a_page_larger_than_allowed_is_refused(senders, declared):
    big = b'{"items": [' + b'"x", ' * 400_000 + b'"x"]}'

    def answer(handler, path, query):
        if declared:
            return reply(handler, big)
        handler.send_response(200)  # no Content-Length: the body ends when the connection closes
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(big)
        handler.close_connection = True

    sender = senders(answer)
    refusal = (
        r"page is 2 MB, more than the 1 MB allowed \(max_page_mb\); refused unread"
        if declared
        else r"page is more than the 1 MB allowed \(max_page_mb, counted uncompressed\); refused"
    )
    with retrying_session() as session, pytest.raises(RefusedReply, match=refusal):
        fetch_parsed(session, f"{sender.url}/tasks", {}, lambda r: r.json(), max_page_mb=1, **QUICK)
    assert len(sender.requests) == 1  # refused, not asked again


# -- 6. pagination that never ends ----------------------------------------------------------------------------------
def test_pagination_that_loops_or_never_ends_stops_that_ministry_only(senders, keys, tmp_path, data_dir):
    looping = senders(feed(lambda handler, page: {"items": [task(f"BKHCN-{page}", page)], "next_page": 3 - page}))
    endless = senders(feed(lambda handler, page: {"items": [task(f"BYT-{page}", page % 60)], "next_page": page + 1}))
    stuck = senders(feed(lambda handler, page: {"items": [task("BNV-1")], "next_page": 1}))
    asked_again = []

    def catching_up(handler, page):  # page 2 is first answered with page 1 again and "ask again": honest
        if page == 2 and not asked_again:
            asked_again.append(page)
            return {"items": [task("BCT-1")], "next_page": 2}
        return {1: {"items": [task("BCT-1")], "next_page": 2}, 2: {"items": [task("BCT-2", 1)], "next_page": None}}[
            page
        ]

    honest = senders(feed(catching_up))
    run = pipeline("ministries", data_dir)
    run.run(
        ministries(
            registry_file=registry(
                tmp_path, {"BKHCN": looping.url, "BYT": endless.url, "BNV": stuck.url, "BCT": honest.url}
            ),
            max_pages=20,
            **QUICK,
        )
    )
    failures = task_state(run)["failures"]
    assert "page 2 points back to page 1, read before in this run: the feed loops" in failures["BKHCN"]["error"]
    assert "more than 20 pages in one run (max_pages)" in failures["BYT"]["error"]
    assert sum("/tasks" in path for path, _ in endless.requests) == 20
    assert "page 1 answered `next_page: 1` 11 times in a row" in failures["BNV"]["error"]
    assert set(task_state(run)["cursors"]) == {"BCT"}  # the stopped ministries are asked from where they were
    assert asked_again and ("BCT", 2) in rows(
        data_dir, "SELECT source_system, count(*) FROM raw_ministries.tasks GROUP BY ALL"
    )


def oai_repository(next_token):
    """An OAI-PMH repository whose ListRecords page for `token` (None: the first) holds one record and
    hands out `next_token(token)`."""

    def answer(handler, path, query):
        if query.get("verb") == "Identify":
            body = (
                "<Identify><repositoryName>r</repositoryName><granularity>YYYY-MM-DDThh:mm:ssZ</granularity>"
                "<deletedRecord>no</deletedRecord></Identify>"
            )
        else:
            token = query.get("resumptionToken")
            following = next_token(token)
            number = 0 if token is None else int(token.split("-")[-1])
            body = (
                f"<ListRecords><record><header><identifier>oai:r:{path}-{number}</identifier>"
                f"<datestamp>2026-01-01T10:00:{number % 60:02d}Z</datestamp></header><metadata>"
                '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/">'
                f"<dc:title>Bài {number}</dc:title><dc:date>2025</dc:date></oai_dc:dc></metadata></record>"
                + (f"<resumptionToken>{following}</resumptionToken>" if following else "")
                + "</ListRecords>"
            )
        reply(
            handler,
            (
                '<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
                f"<responseDate>2026-01-01T00:00:00Z</responseDate>{body}</OAI-PMH>"
            ).encode(),
            content_type="text/xml",
        )

    return answer


def test_resumption_tokens_that_loop_or_never_end_stop_that_repository_only(senders, data_dir):
    tokens = {None: "t-1", "t-1": "t-2", "t-2": "t-1"}  # t-1, t-2, then t-1 again
    repositories = {
        "looping": lambda token: tokens[token],
        "endless": lambda token: f"t-{1 if token is None else int(token.split('-')[-1]) + 1}",
        "honest": lambda token: {None: "t-1", "t-1": None}[token],
    }
    server = senders(lambda handler, path, query: oai_repository(repositories[path.strip("/")])(handler, path, query))
    run = pipeline("academies", data_dir)
    run.run(academies(base_url=server.url, repositories=list(repositories), max_pages=5, **QUICK))
    status = {
        repo: (state, error)
        for repo, state, error in rows(data_dir, "SELECT harvest, status, error FROM raw_academies.harvest_status")
    }
    assert (
        status["looping"][0] == "failed" and "resumptionToken t-1 came again after other pages" in status["looping"][1]
    )
    assert status["endless"][0] == "failed" and "more than 5 pages in one run (max_pages)" in status["endless"][1]
    assert status["honest"] == ("ok", None)
    assert rows(data_dir, "SELECT count(*) FROM raw_academies.publications WHERE source_system = 'honest'") == [(2,)]


# -- 7. a sender dripping bytes -----------------------------------------------------------------------------------
def dripping(handler, path, query, interval_s: float = 0.5):
    """Headers at once, then the body a byte at a time, each sooner than the client's read timeout."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    try:
        for byte in b'{"items": [' + b" " * 100000:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(interval_s)
    except OSError:  # the client hung up: what it should do
        pass


def test_a_sender_dripping_bytes_is_cut_off_at_the_deadline_and_the_others_load(senders, keys, tmp_path, data_dir):
    slow = senders(
        lambda handler, path, query: (
            dripping(handler, path, query)
            if path.endswith("/tasks")
            else reply(handler, {"items": [], "next_page": None})
        )
    )
    honest = senders(feed({1: {"items": [task("BYT-1")], "next_page": None}}))
    started = time.monotonic()
    run = pipeline("ministries", data_dir)
    run.run(
        ministries(
            registry_file=registry(tmp_path, {"BKHCN": slow.url, "BYT": honest.url}),
            deadline_s=2.0,
            **{**QUICK, "timeout_s": 1.5},
        )
    )
    assert time.monotonic() - started < 20
    assert "no complete reply within 2 s (deadline_s" in task_state(run)["failures"]["BKHCN"]["error"]
    assert sum("/tasks" in path for path, _ in slow.requests) == 1  # not asked again this run
    assert rows(data_dir, "SELECT source_id FROM raw_ministries.tasks") == [("BYT-1",)]


def test_a_sender_dripping_its_headers_is_cut_off_at_the_deadline(senders):
    def drip_headers(handler, path, query):
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 10000:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass

    sender = senders(drip_headers)
    started = time.monotonic()
    with retrying_session() as session, pytest.raises(RequestDeadlineExceeded, match="no complete reply within 1.5 s"):
        fetch_parsed(session, f"{sender.url}/tasks", {}, lambda r: r.json(), deadline_s=1.5, **QUICK)
    assert time.monotonic() - started < 10


# -- 8. bad records, failing ministries ------------------------------------------------------------------------------
def test_bad_records_are_kept_for_quarantine_and_a_failing_ministry_fails_alone(senders, keys, tmp_path, data_dir):
    good = {"source_id": "R-1", "full_name": "Nguyễn Văn An", "birth_year": 1980, "updated_at": "2026-01-01T10:00:00Z"}
    page = b"".join(
        [
            b'{"items": [',
            json.dumps(good, ensure_ascii=False).encode(),
            b", ",
            b'{"source_id": "R-2", "full_name": "Tr\xe1\xba\xa7n B", "birth_year": "nineteen-eighty", '
            b'"updated_at": "2026-01-01T10:01:00Z"}, ',
            b'{"source_id": null, "full_name": "L\xc3\xaa C", "updated_at": "2026-01-01T10:02:00Z"}, ',
            b"42, ",
            b'{"source_id": "R-5", "full_name": "Ph\xff\xfem D", "updated_at": "2026-01-01T10:03:00Z"}',
            b'], "next_page": null}',
        ]
    )

    def answer(handler, path, query):
        reply(handler, page if path.endswith("/researchers") else {"items": [], "next_page": None})

    ministry = senders(answer)
    broken = senders(lambda handler, path, query: reply(handler, {"error": "database down"}, 500))
    run = pipeline("ministries", data_dir)
    run.run(ministries(registry_file=registry(tmp_path, {"BKHCN": ministry.url, "BYT": broken.url}), **QUICK))

    loaded = dict(rows(data_dir, "SELECT source_id, parse_error FROM raw_ministries.researchers"))
    assert loaded.pop("R-1") is None  # the good record loads whole
    reasons = sorted(loaded.values())
    assert all(
        reason.startswith(f"ministry BKHCN, researchers, {ministry.url}/bkhcn/api/v1/researchers") for reason in reasons
    )
    assert loaded["R-2"].endswith(
        'record 2: field `birth_year` is not int64: "nineteen-eighty" '
        "(Could not convert 'nineteen-eighty' with type str: tried to convert to int64)"
    )
    assert "record 3: the record has no source_id" in " ".join(reasons)
    assert "record 4: the record is not a JSON object but int" in " ".join(reasons)
    assert loaded["R-5"].endswith("record 5: the record holds bytes that are not UTF-8 text")
    raw = dict(
        rows(data_dir, "SELECT source_id, raw_text FROM raw_ministries.researchers WHERE parse_error IS NOT NULL")
    )
    assert raw["R-5"] == '{"source_id": "R-5", "full_name": "Ph\\xff\\xfem D", "updated_at": "2026-01-01T10:03:00Z"}'
    assert "42" in raw.values()

    state = run.state["sources"]["ministries"]["resources"]["researchers"]
    assert "too many 500 error responses" in state["failures"]["BYT"]["error"] and set(state["cursors"]) == {"BKHCN"}

    # staging quarantines each bad record with its reason; the good one is kept
    model = next(m for m in discover() if m.table == "staging.ministry_researchers")
    with connect(data_dir / "warehouse.duckdb") as con:
        counts = run_model(con, model)
        quarantined = dict(
            con.execute(
                "SELECT source_key, reason FROM quality.quarantine WHERE model = 'staging.ministry_researchers'"
            ).fetchall()
        )
    assert counts["kept"] == 1 and counts["quarantined"] == 4
    assert quarantined["R-2"] == loaded["R-2"] and quarantined["R-5"] == loaded["R-5"]


# -- 12, 13. alerts ---------------------------------------------------------------------------------------------------
TOKEN_PATH = "/services/T0001/B0002/s3cr3tT0k3nXYZ"


@pytest.fixture
def alerts_db(tmp_path):
    with connect(tmp_path / "alerts.duckdb") as con:
        yield con


def test_a_failing_webhook_does_not_show_its_token_in_errors_or_the_run_log(senders, alerts_db, caplog):
    # the webhook answers 500 and echoes the URL it was called at, as some proxies do
    hook = senders(
        post=lambda handler: reply(
            handler, f"internal error at {handler.path}".encode(), 500, content_type="text/plain"
        )
    )
    problem = Problem("source_stale:ministries", "source_stale", "WARN", "source ministries is stale", "overdue")
    down = f"http://127.0.0.1:{_closed_port()}{TOKEN_PATH}?token=qwerty1234"
    outcome = sync(
        alerts_db,
        [problem],
        [WebhookChannel(hook.url + TOKEN_PATH, timeout=5), WebhookChannel(down, timeout=5)],
        now=_now(),
    )
    assert len(outcome["failures"]) == 2
    shown = " ".join(outcome["failures"]) + caplog.text
    assert "answered HTTP 500" in shown and "could not be reached" in shown
    for secret in ("s3cr3tT0k3nXYZ", "T0001/B0002", "qwerty1234"):
        assert secret not in shown
    assert f"webhook {hook.url}/***" in outcome["failures"][0]


def test_alert_text_from_records_cannot_ping_or_disguise_links_in_slack(senders):
    received = []

    def take(handler):
        received.append(json.loads(handler.rfile.read(int(handler.headers["Content-Length"]))))
        reply(handler, b"ok", content_type="text/plain")

    hook = senders(post=take)
    notice = Notice(
        "opened",
        "a1",
        "check_failed:staging.ministry_tasks:x",
        "check_failed",
        "ERROR",
        "tasks of <!channel> & co",
        "title <http://evil.example|Cổng dịch vụ công> <@U024BE7LH> <!here>",
    )
    WebhookChannel(hook.url + "/hook", timeout=5).send(notice)
    text = received[0]["text"]
    assert text.startswith("*[CSDL KH&amp;CN] [ERROR] tasks of &lt;!channel&gt; &amp; co*\n")
    assert "title &lt;http://evil.example|Cổng dịch vụ công&gt; &lt;@U024BE7LH&gt; &lt;!here&gt;" in text
    assert "<" not in text and ">" not in text


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _now():
    from datetime import datetime

    return datetime.now(UTC)


def test_a_password_in_a_base_url_is_not_in_the_failure_reason_state_or_log(senders, data_dir, caplog):
    server = senders(lambda handler, path, query: reply(handler, b"<html>down</html>", 503, content_type="text/html"))
    url = server.url.replace("http://", "http://harvester:pa55w0rd-9@")
    run = pipeline("academies", data_dir)
    run.run(academies(base_url=url, repositories=["vast"], **QUICK))
    ((error, base_url),) = rows(data_dir, "SELECT error, base_url FROM raw_academies.harvest_status")
    state = json.dumps(run.state["sources"]["academies"])
    assert (
        "too many 503 error responses" in error and base_url == server.url.replace("http://", "http://***@") + "/vast"
    )
    assert "vast" in caplog.text and not any("pa55w0rd-9" in text for text in (error, base_url, state, caplog.text))
