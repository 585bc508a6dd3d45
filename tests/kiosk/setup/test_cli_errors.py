"""Every failure is one line saying what failed and what to do: an absent port, an unreachable
server, a revoked token; the simulator's keys log staff in; install --root keeps this
machine's venv out of the image."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.kiosk.setup.conftest import run, write_config
from tests.kiosk.setup.test_data import _kiosk, _ratings

RAW = ("Traceback", "HTTPConnectionPool", "Max retries", "SerialException")


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _one_clear_line(text: str, *words: str) -> None:
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, text
    assert all(w in errors[0] for w in words), errors[0]
    assert not any(raw in text for raw in RAW), text


def test_simulate_on_an_absent_port(tmp_path):
    result = run("simulate", "--port", "/dev/ttyUSB77", code=1)
    _one_clear_line(result.output, "/dev/ttyUSB77", "does not exist", "kiosk-setup ports")


def test_sync_and_doctor_when_the_server_is_down(tmp_path, kiosk_env):
    url = _closed_port_url()
    path, cfg = _kiosk(tmp_path, server={"url": url})
    _ratings(cfg, 2)
    result = run("sync", "--config", path, code=1)
    _one_clear_line(result.output, "refused the connection", "2 rating(s) stay")
    doctor = run("doctor", "--config", path, "--json", "--listen", "0", code=1)
    server = {c["name"]: c for c in json.loads(doctor.output)["checks"]}["server"]
    assert server["status"] == "fail" and "refused the connection" in server["message"]
    assert not any(raw in server["message"] for raw in RAW)


def test_init_with_an_unreachable_server_says_so_in_one_line(tmp_path):
    result = run("init", "--config", tmp_path / "k.toml", "--yes", "--server-url",
                 _closed_port_url(), "--code", "AAAA-BBBB", "--pin", "2580", "--no-doctor",
                 code=1)
    _one_clear_line(result.output, "enrolment failed", "refused the connection")


def test_status_notices_a_revoked_token(tmp_path, server, enrol_code, kiosk_env):
    from server.db.base import utc_iso

    path = tmp_path / "kiosk.toml"
    run("init", "--config", path, "--yes", "--server-url", server.url, "--code", enrol_code(),
        "--pin", "2580", "--data-dir", tmp_path / "data", "--language", "en", "--no-doctor")
    ok = run("status", "--config", path)
    assert "token accepted" in ok.output
    device = json.loads(run("status", "--config", path, "--json").output)["device_id"]
    assert server.store.revoke_device(device, utc_iso())
    revoked = run("status", "--config", path, code=1)
    assert "TOKEN REFUSED" in revoked.output and "init --code" in revoked.output


def test_status_shows_local_time_not_utc(tmp_path):
    from kiosk import config

    path = write_config(tmp_path / "kiosk.toml", device={
        "id": "k1", "data_dir": str(tmp_path / "data"), "language": "en"})
    cfg = config.load(path)
    _ratings(cfg, 1, day="2026-01-10")
    text = run("status", "--config", path).output
    line = next(line for line in text.splitlines() if line.startswith("last rating"))
    assert "Z" not in line and "T00:00" not in line and "2026-01-10" in line


def test_simulate_l_key_logs_staff_in(tmp_path):
    """The technician presses l: the kiosk's side of the pty receives LOGIN."""
    import serial

    proc = subprocess.Popen([str(Path(sys.executable).with_name("kiosk-setup")), "simulate",
                             "--window",
                             "5", "--staff", "2048"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[3])
    try:
        first = proc.stdout.readline()
        assert first.startswith("queue system (line) on: "), first
        port = serial.Serial(first.split(": ", 1)[1].strip(), timeout=0.2)
        time.sleep(0.3)  # the kiosk side is open before the key is pressed
        proc.stdin.write("l")
        proc.stdin.flush()
        got, end = b"", time.monotonic() + 5
        while b"\n" not in got and time.monotonic() < end:
            got += port.read(64)
        assert got.startswith(b"LOGIN,5,2048"), got
        port.close()
        proc.stdin.write("q")
        proc.stdin.flush()
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_install_root_keeps_this_venv_out_of_the_image(tmp_path):
    root = tmp_path / "image"
    (root / "etc").mkdir(parents=True)
    run("install", "--root", root, "--json")
    unit = (root / "etc/systemd/system/kiosk.service").read_text()
    assert "ExecStart=/opt/kiosk/venv/bin/kiosk run" in unit
    assert str(Path(sys.executable).parent) not in unit
    assert os.environ.get("VIRTUAL_ENV", "/nonexistent") not in unit


def test_output_follows_the_kiosk_language_then_lang(tmp_path, monkeypatch):
    from kiosk import config

    path = write_config(tmp_path / "kiosk.toml", device={
        "id": "k1", "data_dir": str(tmp_path / "data"), "language": "zh_CN"})
    _ratings(config.load(path), 1, day="2026-01-10")
    text = run("status", "--config", path).output
    assert "最近评价" in text and "待上传" in text, text
    result = run("export", "--config", path, "-o", tmp_path / "nowhere" / "x.csv", code=1)
    assert "文件夹" in result.output and "未写入任何文件" in result.output
    # No readable config: the technician's LANG decides.
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    zh = run("init", "--config", tmp_path / "new.toml", "--yes", "--no-doctor", code=2)
    assert "请设置技术员 PIN" in zh.output
    monkeypatch.setenv("LANG", "C.UTF-8")
    en = run("init", "--config", tmp_path / "new.toml", "--yes", "--no-doctor", code=2)
    assert "set a technician PIN" in en.output


def test_an_upload_cycle_failing_mid_way_is_explained_not_dumped(tmp_path):
    """`kiosk-setup sync` runs the uploader's own cycle, which fails on sync/httpclient.py's
    errors (not requests'): they get the same one-line explanation."""
    from kiosk.setup.data import _upload_trouble
    from sync.outbox import NewRating, Store
    from sync.uploader import Uploader, _Failure

    url = _closed_port_url()
    store = Store(tmp_path / "ratings.db")
    store.record(NewRating(level=5, window=3, ticket="A001", case_key="c1", device_id="k1"))
    up = Uploader(tmp_path / "ratings.db", url, timeout_s=2)
    try:
        up._cycle(store, up._session())
    except _Failure as exc:
        text = _upload_trouble(exc, url)
    finally:
        store.close()
    assert "refused the connection" in text and "ConnectError" not in text
