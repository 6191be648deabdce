"""Hostile and broken input on the operations side: runs killed mid-way, cursors pushed into the future,
report files still being copied or built to exhaust the reader, hostile file names, SMTP logins in
cleartext, a bad coded value in one record."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import REPO, env_for


def _national_refresh(env: dict) -> subprocess.Popen:
    code = "from pipelines.runs import run_national_refresh; raise SystemExit(0 if run_national_refresh('WARNING').success else 1)"
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


@pytest.mark.timeout(240)  # a whole small national_refresh in a subprocess: 40-80 s on 2 shared cores
def test_a_refresh_after_kill_9_of_the_previous_one_completes_on_its_own(simulator, data_dir, tmp_path):
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copyfile(REPO / "instance" / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {**os.environ, **env_for(simulator, data_dir), "DAGSTER_HOME": str(dagster_home)}
    simulator.drop_reports(data_dir / "intake")
    instance = dg.DagsterInstance.from_config(str(dagster_home))

    killed = _national_refresh(env)
    deadline = time.monotonic() + 60
    while not instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots:
        assert killed.poll() is None and time.monotonic() < deadline, "the first refresh never took the duckdb slot"
        time.sleep(0.2)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    [left] = instance.get_runs()
    assert left.status == dg.DagsterRunStatus.STARTED  # what kill -9 leaves: no end, the slot still claimed

    fresh = _national_refresh(env)
    try:
        _, stderr = fresh.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        fresh.kill()
        pytest.fail("the refresh after kill -9 waited for the dead run's duckdb slot")
    assert fresh.returncode == 0, stderr.decode()[-3000:]
    runs = {run.run_id: run for run in instance.get_runs()}
    assert runs[left.run_id].status == dg.DagsterRunStatus.FAILURE
    assert sum(run.status == dg.DagsterRunStatus.SUCCESS for run in runs.values()) == 1
    assert not instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots


@pytest.mark.timeout(60)
def test_a_run_left_started_by_a_dead_process_is_an_alert_and_the_sensor_frees_its_slot(tmp_path):
    from pipelines.run_monitoring import PID_TAG
    from pipelines.sensors import dead_run_sensor
    from quality.alerts import run_problems

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that is no longer running
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        run = instance.create_run_for_job(
            dg.GraphDefinition(name="national_refresh", node_defs=[]).to_job(), tags={PID_TAG: str(gone.pid)}
        )
        # what a run worker writes when it starts, then nothing more: it was killed
        instance.report_dagster_event(
            dg.DagsterEvent(event_type_value=dg.DagsterEventType.RUN_START.value, job_name=run.job_name),
            run_id=run.run_id,
        )
        instance.event_log_storage.set_concurrency_slots("duckdb", 1)
        assert instance.event_log_storage.claim_concurrency_slot("duckdb", run.run_id, "warehouse").is_claimed
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED

        [problem] = [p for p in run_problems(instance, ["national_refresh"]) if p.kind == "run_left_started"]
        assert run.run_id in problem.message and "process is gone" in problem.message

        list(dead_run_sensor(dg.build_sensor_context(instance=instance)) or [])
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        assert not instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots
        assert [p.kind for p in run_problems(instance, ["national_refresh"])] == ["run_failed"]


# --- item 3 and 14: a record dated in 2999 does not blind its sender's cursor; a bad coded value is decided in staging


def _load(data_dir: Path, name: str, source) -> None:
    import dlt

    shutil.rmtree(data_dir / "dlt_pipelines", ignore_errors=True)  # as dagster-dlt runs it: state from the destination
    dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(data_dir / "warehouse.duckdb")),
        dataset_name=f"raw_{name}",
        pipelines_dir=str(data_dir / "dlt_pipelines"),
    ).run(source, loader_file_format="parquet")


def _asked_since(requests: list, resource_path: str, parameter: str) -> dict[str, str]:
    from urllib.parse import parse_qs, urlparse

    asked = {}
    for path, _ in requests:
        url = urlparse(path)
        if resource_path in url.path and parameter in parse_qs(url.query):
            asked[url.path.split("/")[2] if resource_path == "/tasks" else url.path.split("/")[-1]] = parse_qs(
                url.query
            )[parameter][0]
    return asked


@pytest.mark.timeout(120)
def test_a_record_dated_in_2999_neither_blinds_its_senders_cursor_nor_reaches_core(simulator, data_dir):
    import duckdb

    from sources.academies import academies
    from sources.ministries import ministries
    from sources.reference import reference
    from warehouse.database import connect
    from warehouse.modelling import discover, in_dependency_order, run_model

    _load(data_dir, "reference", reference())
    _load(data_dir, "ministries", ministries())
    _load(data_dir, "academies", academies())
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        latest_task = con.execute(
            "SELECT max(updated_at) FROM raw_ministries.tasks WHERE source_system = 'BYT'"
        ).fetchone()[0]
        latest_vast = con.execute(
            "SELECT max(datestamp) FROM raw_academies.publications WHERE source_system = 'vast'"
        ).fetchone()[0]

    task = {
        **simulator.ministries[("byt", "tasks")][0],
        "source_id": "BYT-NV-2999",
        "updated_at": "2999-12-31T00:00:00Z",
    }
    simulator.add_ministry_record("BYT", "tasks", task)
    researchers = simulator.ministries[("byt", "researchers")]
    odd_sex = {**researchers[0], "source_id": "BYT-NKH-SEX-X", "sex": "x", "updated_at": researchers[-1]["updated_at"]}
    spelled_out = {
        **researchers[1],
        "source_id": "BYT-NKH-SEX-NU",
        "sex": "Nữ",
        "updated_at": researchers[-1]["updated_at"],
    }
    simulator.add_ministry_record("BYT", "researchers", odd_sex)
    simulator.add_ministry_record("BYT", "researchers", spelled_out)
    template = next(r for r in simulator.repositories["vast"] if not r.get("malformed") and not r.get("deleted"))
    simulator.add_repository_record(
        "vast", {**template, "identifier": f"{template['identifier']}-2999", "datestamp": "2999-12-31T00:00:00Z"}
    )
    _load(data_dir, "ministries", ministries())
    _load(data_dir, "academies", academies())

    already = len(simulator.requests)
    _load(data_dir, "ministries", ministries(only=["BYT"]))
    _load(data_dir, "academies", academies(repositories=["vast"]))
    asked = simulator.requests[already:]
    # asked from the latest real change, not from 2999 (the 2999 record is asked for again until it is corrected)
    assert _asked_since(asked, "/tasks", "updated_since") == {"byt": latest_task.strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert _asked_since(asked, "/vast", "from") == {"vast": latest_vast.strftime("%Y-%m-%dT%H:%M:%SZ")}

    with connect(data_dir / "warehouse.duckdb") as con:
        for model in in_dependency_order(discover()):
            if model.table in (
                "staging.provinces",
                "staging.task_levels",
                "staging.ministry_tasks",
                "staging.ministry_researchers",
                "staging.academy_publications",
            ):
                run_model(con, model)
        held = dict(con.execute("SELECT source_key, reason FROM quality.quarantine").fetchall())
        sexes = {row[0] for row in con.execute("SELECT DISTINCT sex FROM staging.ministry_researchers").fetchall()}
        spelled = con.execute(
            "SELECT sex FROM staging.ministry_researchers WHERE source_id = 'BYT-NKH-SEX-NU'"
        ).fetchall()
    assert "2999-12-31" in held["BYT-NV-2999"] and "in the future" in held["BYT-NV-2999"]
    assert "2999-12-31" in held[f"{template['identifier']}-2999"]
    assert held["BYT-NKH-SEX-X"] == "sex x is not one of nam, nu"
    assert sexes <= {"nam", "nu", None} and spelled == [("nu",)]


# --- item 10: no SMTP password in cleartext


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA (the relay's, and what the client trusts)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "relay.pem", folder / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class _Relay:
    """An aiosmtpd relay on loopback that accepts any login (over TLS or not, as configured) and notes it."""

    def __init__(self, tls_files: tuple[Path, Path] | None = None):
        import ssl

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.logins, self.messages = [], []
        relay = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                relay.messages.append(envelope.content.decode())
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            relay.logins.append((auth_data.login.decode(), auth_data.password.decode(), session.ssl is not None))
            return AuthResult(success=True)

        context = None
        if tls_files:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls_files)
        self.port = _free_port()
        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticator,
            auth_require_tls=bool(tls_files),
            tls_context=context,
        )

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def _notice():
    from quality.channels import Notice

    return Notice("opened", "a1", "run_failed:national_refresh", "run_failed", "ERROR", "run failed", "see the run")


def _email_channel(port: int, **env):
    from quality.settings import AlertChannels

    [channel] = AlertChannels.from_environment(
        {
            "CSDL_ALERT_SMTP_HOST": "127.0.0.1",
            "CSDL_ALERT_SMTP_PORT": str(port),
            "CSDL_ALERT_EMAIL_TO": "ops@localhost",
            "CSDL_ALERT_SMTP_USER": "alerts",
            "CSDL_ALERT_SMTP_PASSWORD": "s3cret",
            **env,
        }
    ).channels()
    return channel


@pytest.mark.timeout(30)
def test_an_smtp_password_is_not_sent_without_tls_unless_explicitly_allowed():
    from quality.channels import PlaintextLoginRefused

    with _Relay() as relay:  # a relay that would take the password in cleartext
        with pytest.raises(
            PlaintextLoginRefused, match="CSDL_ALERT_SMTP_STARTTLS=true.*CSDL_ALERT_SMTP_ALLOW_PLAINTEXT_LOGIN=true"
        ):
            _email_channel(relay.port).send(_notice())
        assert relay.logins == [] and relay.messages == []
        _email_channel(relay.port, CSDL_ALERT_SMTP_ALLOW_PLAINTEXT_LOGIN="true").send(_notice())
        assert relay.logins == [("alerts", "s3cret", False)] and len(relay.messages) == 1


@pytest.mark.timeout(30)
def test_an_smtp_login_goes_over_verified_starttls(tmp_path):
    from quality.channels import DeliveryFailed

    cert, key = _self_signed_certificate(tmp_path)
    with _Relay((cert, key)) as relay:
        _email_channel(relay.port, CSDL_ALERT_SMTP_STARTTLS="true", CSDL_ALERT_SMTP_CA_FILE=str(cert)).send(_notice())
        assert relay.logins == [("alerts", "s3cret", True)] and len(relay.messages) == 1
        # a relay whose certificate is not trusted (someone on the path answering) gets no password
        with pytest.raises(DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED"):
            _email_channel(relay.port, CSDL_ALERT_SMTP_STARTTLS="true").send(_notice())
        assert len(relay.logins) == 1


# --- items 9, 15, 16: the intake folder

ROWS = [
    ("0101", "tong", 1234.5, "tổ chức"),
    ("0101", "loai_hinh:vien_nghien_cuu", 1000.0, "tổ chức"),
    ("0101", "loai_hinh:truong_dai_hoc", 234.5, "tổ chức"),
]


def _report_bytes(folder: Path, file_format: str = "xlsx") -> bytes:
    from datetime import date

    from demo.workbook import ReportQuirks, write_report_workbook

    folder.mkdir(parents=True, exist_ok=True)
    return write_report_workbook(
        folder,
        "51",
        "Tỉnh Quảng Ngãi",
        2024,
        "01/KHCN-TC",
        date(2025, 2, 3),
        ROWS,
        quirks=ReportQuirks(file_format=file_format),
    ).read_bytes()


def _intake_run(data_dir: Path) -> list[dict]:
    """One run of the provinces source; its report_files rows of this run (what was received, loaded or held)."""
    import dlt
    import duckdb

    from sources.provinces import provinces

    pipeline = dlt.pipeline(
        pipeline_name="provinces",
        destination=dlt.destinations.duckdb(str(data_dir / "w.duckdb")),
        dataset_name="raw_provinces",
        pipelines_dir=str(data_dir / "dlt_pipelines"),
    )
    pipeline.run(provinces(intake_dir=str(data_dir / "intake"), quarantine_dir=str(data_dir / "quarantine")))
    load_id = pipeline.last_trace.last_normalize_info.loads_ids[-1]
    with duckdb.connect(str(data_dir / "w.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT * FROM raw_provinces.report_files WHERE _dlt_load_id = ?", [load_id])
        names = [d[0] for d in rows.description]
        return [dict(zip(names, row, strict=False)) for row in rows.fetchall()]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_report_still_being_copied_is_taken_only_once_whole(data_dir, tmp_path, monkeypatch, file_format):
    import threading

    monkeypatch.setenv("CSDL_INTAKE_SETTLE_S", "1")
    whole = _report_bytes(tmp_path / "made", file_format)
    (data_dir / "intake").mkdir()
    target = data_dir / "intake" / f"bao-cao.{file_format}"
    chunks = [whole[i : i + max(len(whole) // 30, 1)] for i in range(0, len(whole), max(len(whole) // 30, 1))]

    def copy_slowly():  # a copy over a slow share: 30 pieces over 6 s
        with target.open("wb") as f:
            for chunk in chunks:
                f.write(chunk)
                f.flush()
                time.sleep(6 / len(chunks))

    copier = threading.Thread(target=copy_slowly)
    copier.start()
    time.sleep(0.5)
    try:
        assert _intake_run(data_dir) == []  # neither held as unreadable nor loaded half
    finally:
        copier.join()
    assert target.exists() and not (data_dir / "quarantine").exists()
    [received] = _intake_run(data_dir)  # the copy has ended; it settles within the run
    assert (received["status"], received["rows_read"]) == ("loaded", len(ROWS))


@pytest.mark.timeout(60)
def test_a_quarantined_file_that_changes_afterwards_is_read_again(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("CSDL_INTAKE_SETTLE_S", "0.2")
    whole = _report_bytes(tmp_path / "made")
    (data_dir / "intake").mkdir()
    (data_dir / "intake" / "bao-cao.xlsx").write_bytes(whole[: len(whole) // 2])  # a copy that stalled half-way
    time.sleep(0.3)
    [held] = _intake_run(data_dir)
    assert held["status"] == "held"
    quarantined = data_dir / "quarantine" / held["quarantined_as"]
    with quarantined.open("r+b") as f:  # the copy goes on, into the file now in quarantine
        f.seek(len(whole) // 2)
        f.write(whole[len(whole) // 2 :])
    time.sleep(0.3)
    [loaded] = _intake_run(data_dir)
    assert (loaded["status"], loaded["file_name"], loaded["rows_read"]) == ("loaded", "bao-cao.xlsx", len(ROWS))
    assert list((data_dir / "quarantine").iterdir()) == []  # the file and its note
    assert _intake_run(data_dir) == []  # read once


@pytest.mark.timeout(60)
def test_report_files_built_to_exhaust_the_reader_are_held_with_a_reason(tmp_path, monkeypatch):
    import zipfile

    from sources.provinces import ReportFileError, read_report

    workbook = tmp_path / "made" / "bao-cao.xlsx"
    workbook.parent.mkdir()
    workbook.write_bytes(_report_bytes(tmp_path / "made"))
    assert read_report(workbook)[0]["province_code"] == "51"

    bomb = tmp_path / "bomb.xlsx"  # 2 MB of zeros in a few kB: what unpacks is counted before it is unpacked
    shutil.copyfile(workbook, bomb)
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/filler.bin", b"\0" * 2_000_000)
    assert bomb.stat().st_size < 100_000
    monkeypatch.setenv("CSDL_INTAKE_MAX_UNCOMPRESSED_MB", "1")
    with pytest.raises(ReportFileError, match="unpacks to too much data"):
        read_report(bomb)

    monkeypatch.setenv("CSDL_INTAKE_MAX_ROWS", "5")
    for path in (workbook, tmp_path / "csv" / "r.csv"):
        if path.suffix == ".csv":
            path.parent.mkdir()
            path.write_bytes(_report_bytes(tmp_path / "made-csv", "csv"))
        with pytest.raises(ReportFileError, match="too many rows .* at most 5"):
            read_report(path)
    monkeypatch.delenv("CSDL_INTAKE_MAX_ROWS")

    monkeypatch.setenv("CSDL_INTAKE_MAX_FILE_MB", "0.001")
    with pytest.raises(ReportFileError, match=r"too large .* at most 0.001 MB"):
        read_report(workbook)


@pytest.mark.timeout(60)
def test_hostile_file_names_and_symlinks_in_the_intake_folder(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("CSDL_INTAKE_SETTLE_S", "0")
    intake = data_dir / "intake"
    intake.mkdir()
    long_name = ("Báo cáo thống kê KH&CN năm 2024 " * 8).encode("utf-8")[:247].decode("utf-8", "ignore")
    long_name += "x" * (247 - len(long_name.encode("utf-8"))) + ".csv"
    assert len(long_name.encode("utf-8")) == 251
    (intake / long_name).write_text("không có bảng số liệu\n", encoding="utf-8")
    forged = "bao-cao.csv\nĐã nhận đủ, không cần gửi lại. Received in full.\r\u2028.csv"  # no '/' in a name
    (intake / forged).write_text("không có bảng số liệu nào\n", encoding="utf-8")
    outside = tmp_path / "secret.csv"
    outside.write_text("không có bảng số liệu\n", encoding="utf-8")
    (intake / "link.csv").symlink_to(outside)

    files = _intake_run(data_dir)
    assert sorted(f["file_name"] for f in files) == sorted([long_name, forged])
    assert all(f["status"] == "held" for f in files)
    for f in files:
        note = data_dir / "quarantine" / (f["quarantined_as"] + ".note.txt")
        assert len(note.name.encode("utf-8")) <= 255 and "\n" not in f["quarantined_as"]
        lines = note.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 3 and lines[1].startswith("Lý do / reason:")  # no line forged by the name
    assert outside.exists() and (intake / "link.csv").is_symlink()  # not followed, not moved
