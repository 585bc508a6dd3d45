"""The demo's parts without a window: its config is valid and its driver plays the counter."""
from __future__ import annotations

import queue

import pytest

from drivers.events import Call, Done, LinkChanged, LinkState, Login
from kiosk.config import parse
from kiosk.demo import DemoDriver, demo_config
from tests.waiting import next_event


def test_demo_config_round_trips_through_toml(tmp_path):
    from kiosk.config import dump

    cfg = demo_config(tmp_path, "/dev/pts/9", "http://127.0.0.1:8123", windowed=True)
    again = parse(dump(cfg), "demo.toml")
    assert again.window.number == 5 and again.queue.url == "/dev/pts/9"
    assert again.server.url == "http://127.0.0.1:8123" and again.display.fullscreen is False


@pytest.fixture
def counter():
    """Simulator + demo driver, and the kiosk's side of the pty as a real LineLink."""
    from drivers.line_link import LineLink
    from drivers.sim.line import LineSimulator

    sim = LineSimulator(window=5).start()
    link = LineLink(sim.port_path, 5)
    link.start()
    # Opening the port flushes earlier bytes (as on a real serial line): play once it is open.
    assert link.events.get(timeout=5) == LinkChanged(LinkState.CONNECTED)
    driver = DemoDriver(sim, interval=1.0, done_after=1.5).start()
    yield link
    driver.stop()
    link.stop()
    sim.stop()


def test_driver_calls_completes_and_moves_on(counter):
    link = counter
    assert next_event(link) == Login("1024")
    assert next_event(link) == Call("A001")
    assert next_event(link) == Done("A001", "DEMO0001", "11410000")
    link.report_rated("A001", 4)             # the citizen rated: next ticket after the interval
    assert next_event(link) == Call("A002")
    assert next_event(link) == Done("A002", "DEMO0002", "11410000")
    link.request_next()                      # 下一位 on the kiosk: called at once
    assert next_event(link) == Call("A003")  # without NEXT it would never come
    with pytest.raises(queue.Empty):
        next_event(link, timeout=0.1)  # DONE A003 only comes 1.5 s later


def test_headless_citizen_demo_shows_every_screen_and_fills_the_server(tmp_path, display):
    """`kiosk demo --citizen` on a virtual screen: every screen photographed, ratings uploaded
    with the enrolled kiosk's token, nothing left in /tmp."""
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    shots, data = tmp_path / "shots", tmp_path / "data"
    shots.mkdir()
    (shots / "042-thanks.png").write_bytes(b"old run")  # a previous run's pictures go
    (shots / "holiday.png").write_bytes(b"mine")  # other pictures in the folder stay
    env = {**os.environ, "DISPLAY": display, "TMPDIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "kiosk.cli", "demo", "--citizen", "--interval",
                          "1", "--done-after", "1", "--duration", "14", "--seed", "7",
                          "--data-dir", str(data),
                          "--screenshots", str(shots)], check=False, env=env, capture_output=True,
                         text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr[-2000:]
    assert "kiosk enrolled as DEMO-w005-" in out.stdout and "Demo: stopped" in out.stdout
    names = sorted(p.name for p in shots.glob("*.png"))
    assert "042-thanks.png" not in names and (shots / "holiday.png").exists()
    names.remove("holiday.png")
    seen = {name.split("-", 1)[1].removesuffix(".png") for name in names}
    assert seen >= {"idle", "rating", "reasons", "thanks", "paused"}, names
    db = sqlite3.connect(data / "server.db")
    device = out.stdout.split("kiosk enrolled as ", 1)[1].split(";")[0]
    # The kiosk's own ratings (the console's seeded month has no case ids like DEMO0001).
    rows = db.execute("SELECT level, reasons, device_id FROM ratings WHERE case_id LIKE "
                      "'DEMO%' ORDER BY received_at").fetchall()
    assert rows and rows[0][0] in (1, 2) and rows[0][1] not in ("", "[]", None), rows
    assert all(r[2] == device for r in rows)
    assert not list(tmp_path.glob("kiosk-demo-*"))


def test_a_data_folder_the_demo_did_not_make_is_never_cleared(tmp_path):
    from kiosk.demo import MARKER, clear_previous

    (tmp_path / "server.db").write_text("a real server's database")
    with pytest.raises(SystemExit, match="no demo made"):
        clear_previous(tmp_path, None)
    assert (tmp_path / "server.db").exists()
    (tmp_path / MARKER).touch()  # made by the demo: the next run starts afresh
    clear_previous(tmp_path, None)
    assert not (tmp_path / "server.db").exists()
