"""`kiosk-setup doctor`: each fault fails its own check, with a fix, and exit code 1."""
from __future__ import annotations

import json
import os
import socket
import threading

from drivers import frame_codec as fc
from drivers.sim.pty_pair import PtyPair
from kiosk.setup.common import write_private
from tests.kiosk.setup.conftest import doctor_json, run, write_config


def _good_kiosk(tmp_path, server, enrol_code, queue_sim):
    path = tmp_path / "kiosk.toml"
    run("init", "--config", path, "--yes", "--server-url", server.url, "--code", enrol_code(),
        "--window", 5, "--port", queue_sim.port_path, "--pin", "2580",
        "--data-dir", tmp_path / "data", "--language", "en", "--no-doctor")
    return path


def test_a_healthy_kiosk_passes_server_token_and_queue(tmp_path, server, enrol_code, queue_sim,
                                                       kiosk_env):
    path = _good_kiosk(tmp_path, server, enrol_code, queue_sim)
    timer = threading.Timer(0.1, queue_sim.send_ping)
    timer.start()
    report = doctor_json(path, "--listen", "3")
    timer.join()
    checks = report["by_name"]
    for name in ("config", "queue", "keypad", "server", "token", "backlog", "display"):
        assert checks[name]["status"] == "pass", checks[name]
    assert "PING" in checks["queue"]["message"]
    failing = {n for n, c in checks.items() if c["status"] == "fail"}
    assert failing <= {"clock", "fonts", "disk"}, failing  # this machine's own business
    assert report["exit_code"] == (1 if failing else 0)


def test_a_silent_line_port_is_a_warning_that_says_what_was_not_verified(tmp_path, queue_sim,
                                                                        kiosk_env):
    path = write_config(tmp_path / "k.toml", queue={"url": queue_sim.port_path},
                        device={"data_dir": str(tmp_path)})
    queue = doctor_json(path)["by_name"]["queue"]
    assert queue["status"] == "warn"
    assert "opens" in queue["message"] and "not verified" in queue["message"]


def test_a_removed_port_fails_the_queue_check(tmp_path, server, enrol_code, queue_sim,
                                              kiosk_env):
    path = _good_kiosk(tmp_path, server, enrol_code, queue_sim)
    queue_sim.stop()  # the pty disappears, like a pulled USB adapter
    report = doctor_json(path, code=1)
    queue = report["by_name"]["queue"]
    assert queue["status"] == "fail" and "does not exist" in queue["message"]
    assert "kiosk-setup ports" in queue["fix"]
    assert report["by_name"]["token"]["status"] == "pass"


def test_a_wrong_token_fails_the_token_check_only(tmp_path, server, enrol_code, queue_sim,
                                                  kiosk_env):
    path = _good_kiosk(tmp_path, server, enrol_code, queue_sim)
    token_file = tmp_path / "data" / "device-token.json"
    creds = json.loads(token_file.read_text())
    write_private(token_file, json.dumps({**creds, "token": "not-the-token"}))
    report = doctor_json(path, "--skip", "queue", code=1)
    assert report["by_name"]["server"]["status"] == "pass"
    token = report["by_name"]["token"]
    assert token["status"] == "fail" and "refuses" in token["message"]
    assert "init --code" in token["fix"]


def test_a_missing_token_says_not_enrolled(tmp_path, server, kiosk_env):
    path = write_config(tmp_path / "k.toml",
                        server={"url": server.url, "token_file": str(tmp_path / "none")},
                        device={"data_dir": str(tmp_path)})
    token = doctor_json(path, code=1)["by_name"]["token"]
    assert token["status"] == "fail" and "not enrolled" in token["message"]


def test_an_unreachable_server_fails_the_server_check(tmp_path, server, enrol_code, queue_sim,
                                                      kiosk_env):
    path = _good_kiosk(tmp_path, server, enrol_code, queue_sim)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    text = path.read_text().replace(server.url, dead)
    path.write_text(text)
    report = doctor_json(path, code=1)
    assert report["by_name"]["server"]["status"] == "fail"
    assert "refused the connection" in report["by_name"]["server"]["message"]
    assert report["by_name"]["token"]["status"] == "skip"


def test_frame_doctor_waits_for_a_poll_to_our_address(tmp_path, kiosk_env):
    pty = PtyPair(lambda data: None)
    pty.start()
    try:
        path = write_config(tmp_path / "k.toml", device={"data_dir": str(tmp_path)},
                            queue={"url": pty.port_path, "dialect": "frame", "address": 7})
        stop = threading.Event()

        def master(addr):
            while not stop.wait(0.05):
                pty.send_bytes(fc.encode(fc.Frame(addr, fc.POLL)))

        poller = threading.Thread(target=master, args=(3,), daemon=True)
        poller.start()
        queue = doctor_json(path, "--listen", "1")["by_name"]["queue"]
        stop.set()
        poller.join()
        assert queue["status"] == "warn" and "nobody polled address 7" in queue["message"]

        stop.clear()
        poller = threading.Thread(target=master, args=(7,), daemon=True)
        poller.start()
        queue = doctor_json(path, "--listen", "3")["by_name"]["queue"]
        stop.set()
        poller.join()
        assert queue["status"] == "pass" and "polls address 7" in queue["message"]
    finally:
        pty.stop()


def test_a_broken_config_fails_the_config_check(tmp_path, kiosk_env):
    path = tmp_path / "k.toml"
    path.write_text("[queue]\nbaudrate = 1\n")
    report = doctor_json(path, code=1)
    assert report["by_name"]["config"]["status"] == "fail"
    assert "[queue] baudrate" in report["by_name"]["config"]["message"]


def test_no_display_fails_with_the_kms_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("kiosk.setup.doctor.Path",
                        lambda p: __import__("pathlib").Path(str(tmp_path / "nodri")
                                                             if p == "/dev/dri" else p))
    path = write_config(tmp_path / "k.toml", device={"data_dir": str(tmp_path)})
    display = doctor_json(path, code=1)["by_name"]["display"]
    assert display["status"] == "fail" and "vc4-kms-v3d" in display["fix"]


def test_text_output_has_a_fix_under_each_fault(tmp_path, kiosk_env):
    path = write_config(tmp_path / "k.toml", queue={"url": "/dev/ttyUSB-gone"},
                        device={"data_dir": str(tmp_path)})
    result = run("doctor", "--config", path, "--listen", "0", code=1)
    lines = result.output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("FAIL  queue"))
    assert lines[at + 1].strip().startswith("fix:")
    assert lines[-1] == "some checks failed"


def test_keypad_check_finds_the_configured_device_or_fails(tmp_path, kiosk_env):
    fifo = tmp_path / "keypad"
    os.mkfifo(fifo)  # the keypad driver reads a FIFO like an evdev node in tests
    path = write_config(tmp_path / "k.toml", device={"data_dir": str(tmp_path)},
                        keypad={"device": str(fifo)})
    assert doctor_json(path, "--skip", "queue")["by_name"]["keypad"]["status"] == "pass"
    fifo.unlink()
    keypad = doctor_json(path, "--skip", "queue", code=1)["by_name"]["keypad"]
    assert keypad["status"] == "fail" and "kiosk-setup keypads" in keypad["fix"]


def test_doctor_shows_each_setting_in_force_and_where_it_comes_from(tmp_path, server,
                                                                     enrol_code, kiosk_env):
    """Issue 23.2: the server set only the window name; the timeout is kiosk.toml's, the
    reasons the built-in default, and doctor says so for each."""
    from server.api.device_config import set_config
    from sync.enrol import enrol

    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[device]\nid = "k5"\nlanguage = "en"\ndata_dir = "{tmp_path / "data"}"\n'
        f'[window]\nnumber = 5\n[rating]\ntimeout_s = 10\n'
        f'[server]\nurl = "{server.url}"\n', encoding="utf-8")
    enrol(server.url, enrol_code(), token_file=tmp_path / "data" / "device-token.json")
    set_config(server.store, "hall01", 5, {"window_name": "不动产登记"})
    skip = ("--skip", "queue", "--skip", "clock", "--skip", "display", "--skip", "fonts")
    settings = doctor_json(path, *skip)["by_name"]["settings"]
    assert settings["status"] == "pass"
    lines = [line.strip() for line in settings["message"].splitlines()]
    assert "Rating timeout: 10 s  (kiosk.toml)" in lines
    assert "Window name: 不动产登记  (server device config)" in lines
    assert "Bad-review reasons: Poor service attitude, Slow to get things done, Not familiar " \
           "with the business, Not told everything at once, Had to come back several times, " \
           "Other  (built-in default)" in lines
    text = run("doctor", "--config", path, "--listen", "0.3", *skip, code=None).output
    assert "settings in force:" in text and "Rating timeout: 10 s  (kiosk.toml)" in text
