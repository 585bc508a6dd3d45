"""Interactive `kiosk-setup init` checks each answer as it is typed, asks again on a bad one,
and keeps what was answered when the technician stops half way."""
from __future__ import annotations

import json
import socket
import stat

from kiosk import config
from kiosk.setup.common import verify_pin
from tests.kiosk.setup.conftest import run


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_url_and_code_are_checked_at_once_and_asked_again(tmp_path, server, enrol_code,
                                                          monkeypatch):
    from server.api.device_config import set_config

    set_config(server.store, "hall01", None, {"hall_name": "市民中心",
                                              "qr_base_url": "https://pj.example.gov.cn"})
    monkeypatch.setenv("LANG", "C.UTF-8")
    path = tmp_path / "kiosk.toml"
    host = server.url.split("://")[1]
    answers = "\n".join([
        host,                  # no scheme: asked again
        _closed_port_url(),    # nothing listens: asked again
        server.url,            # answers
        "AAAA-BBBB-CCCC-DDDD",  # a wrong code: asked again
        enrol_code(),          # redeemed at once
        "5", "综合受理", "市民中心", "line", "-", "-", "en", "0",
        "99",                  # PIN too short: asked again
        "2468", "2468",
    ]) + "\n"
    result = run("init", "--config", path, "--data-dir", tmp_path / "data", "--no-doctor",
                 input=answers)
    out = result.output
    assert f"has no scheme: type https://{host}" in out
    assert "refused the connection" in out and "HTTPConnectionPool" not in out
    assert "Max retries" not in out and "Traceback" not in out
    assert "the server refused code AAAA-BBBB-CCCC-DDDD" in out
    assert out.index("enrolled as hall01-w005-") < out.index("Window number"), \
        "the code is redeemed right after it is typed"
    assert "the PIN must be 4 to" in out
    assert "QR base URL: https://pj.example.gov.cn" in out, "what the server pushed is shown"
    cfg = config.load(path)
    assert cfg.server.url == server.url and cfg.device.id.startswith("hall01-w005-")
    assert verify_pin("2468", cfg.technician.pin_hash)
    assert not (tmp_path / ".kiosk.toml.answers").exists(), "a finished run keeps no answers"


def test_a_number_not_in_the_list_is_asked_again(tmp_path, queue_sim, monkeypatch):
    monkeypatch.setattr("kiosk.setup.init._serial_choices",
                        lambda: [(queue_sim.port_path, "(the simulator)")])
    path = tmp_path / "kiosk.toml"
    answers = "-\n5\n\n\nline\n7\n/dev/ttyUSB77\n1\n9600\n-\nen\n0\n1234\n1234\n"
    result = run("init", "--config", path, "--no-doctor", input=answers)
    assert "there is no number 7 in the list; type 1..1" in result.output
    assert "/dev/ttyUSB77 does not exist" in result.output
    assert config.load(path).queue.url == queue_sim.port_path


def test_stopping_half_way_keeps_the_answers_without_secrets(tmp_path, server, enrol_code):
    path = tmp_path / "kiosk.toml"
    code = enrol_code("hall01", None)  # hall-wide: the typed window stands (a window code wins)
    first = "\n".join([server.url, code, "9", "税务", "市民中心", "line", "-", "-", "en", "0",
                       "97531", "97531"]) + "\n"
    # The technician stops at the last question (no more input: like Ctrl-C).
    run("init", "--config", path, "--data-dir", tmp_path / "data", "--no-doctor",
        input=first.replace("\n0\n97531\n97531\n", "\n"), code=1)
    kept = tmp_path / ".kiosk.toml.answers"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    saved = json.loads(kept.read_text())
    assert saved["window"] == 9 and saved["server_url"] == server.url
    assert code not in kept.read_text() and "code" not in saved, "a used code is not kept"
    again = run("init", "--config", path, "--data-dir", tmp_path / "data", "--no-doctor",
                input="y\n90\n97531\n97531\n")
    assert "Window number: 9 (kept)" in again.output
    assert "Enrolment code" not in again.output, "the enrolment is kept, not asked again"
    cfg = config.load(path)
    assert (cfg.window.number, cfg.window.name, cfg.panel.rotation) == (9, "税务", 90)
    assert cfg.device.id == saved["device_id"] and verify_pin("97531", cfg.technician.pin_hash)
    assert not kept.exists()


def test_a_pin_is_kept_only_hashed(tmp_path):
    path = tmp_path / "kiosk.toml"
    run("init", "--config", path, "--no-doctor", input="-\n5\n\n\nline\n-\n-\nen\n0\n8642\n",
        code=1)  # stops at the PIN's confirmation
    kept = (tmp_path / ".kiosk.toml.answers").read_text()
    assert "8642" not in kept
