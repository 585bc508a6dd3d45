"""`kiosk run` as its own process uploads, beats, pulls its config and a staff photo without
ever importing requests or pydantic (together ~14 MB of its RSS, bench/memory_breakdown.py),
nor click (1.2 MB, for kiosk.service's command line, kiosk/launch.py): Python's own import log
(PYTHONPROFILEIMPORTTIME) of the real process is the evidence."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from bench.common import unit_python
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "lean-admin-token"
HEAVY = ("requests", "pydantic", "pydantic_core", "urllib3", "charset_normalizer", "idna",
         "click")


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def photo_server():
    body = png()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server(tmp_path):
    from server.runner import ServerThread

    srv = ServerThread(tmp_path / "server.db", open_ingest=False, admin_token=ADMIN).start()
    yield srv
    srv.stop()


def enrolled_config(tmp_path: Path, server, photo_url: str) -> Path:
    """kiosk.toml for an enrolled kiosk with no queue link, a roster with one photo, and three
    ratings waiting in its store."""
    from kiosk.config import Config, Device, Display, Server, Voice, Window, dump
    from server.api.device_config import set_config
    from server.api.enrol import create_code
    from sync.enrol import enrol
    from sync.outbox import NewRating, Store

    cfg = Config(device=Device(id="lean", data_dir=str(tmp_path / "kiosk")),
                 window=Window(number=5, name="综合受理", hall_name="市民服务中心"),
                 server=Server(url=server.url, timeout_s=5.0, heartbeat_s=10),
                 display=Display(fullscreen=False, width=800, height=480),
                 voice=Voice(mute=True))
    Path(cfg.device.data_dir).mkdir(parents=True)
    out = enrol(server.url, create_code(server.store, "hallL", 5).code,
                token_file=cfg.token_path)
    cfg.device.id = out.device_id
    set_config(server.store, "hallL", None, {"staff": [
        {"staff_id": "1024", "name": "张敏", "photo_url": photo_url}]})
    store = Store(cfg.db_path)
    for i in range(3):
        store.record(NewRating(level=4, window=5, ticket=f"A{i:03d}", case_key=f"case-{i}",
                               device_id=out.device_id, boot_id="b0", mono_s=float(i)))
    store.close()
    path = tmp_path / "kiosk.toml"
    path.write_text(dump(cfg), encoding="utf-8")
    return path


def imported(import_log: str) -> set[str]:
    """Module names from `-X importtime` lines: "import time: self | cumulative | name"."""
    return {line.rsplit("|", 1)[1].strip() for line in import_log.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


def test_the_running_kiosk_syncs_without_importing_requests_pydantic_or_click(
        display, tmp_path, server, photo_server):
    config = enrolled_config(tmp_path, server, photo_server + "/p/1024.png")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "NOTIFY_"))}
    env.update(PYTHONPROFILEIMPORTTIME="1", DISPLAY=display, KIVY_NO_ARGS="1",
               KIVY_HOME=str(tmp_path / "kivy"), CACHE_DIRECTORY=str(tmp_path / "cache"))
    # The interpreter as kiosk.service runs it: bytecode written to (and, after the first
    # start, read from) the cache directory, not beside the read-only sources.
    env.update(unit_python(tmp_path / "cache"))
    log = tmp_path / "kiosk.log"
    with open(log, "wb") as err:
        # The console script's module, as kiosk.service runs `kiosk run --config ...`.
        proc = subprocess.Popen([sys.executable, "-m", "kiosk.launch", "run", "--config",
                                 str(config)], env=env, cwd=ROOT, stdout=err, stderr=err)
    try:
        admin = {"Authorization": f"Bearer {ADMIN}"}

        def synced():
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            ratings = requests.get(server.url + "/api/v1/ratings", headers=admin,
                                   timeout=5).json()["total"]
            [device] = requests.get(server.url + "/api/v1/devices", headers=admin,
                                    timeout=5).json()["devices"]
            photos = list((tmp_path / "kiosk" / "photos").glob("1024-*.png"))
            return ratings == 3 and device["last_heartbeat_at"] and photos

        wait_for(synced, timeout=60)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert any((tmp_path / "cache" / "pycache").rglob("flow.cpython-*.pyc"))
    modules = imported(log.read_text(errors="replace"))
    assert {"sync.uploader", "sync.heartbeat", "sync.photos", "sync.httpclient"} <= modules
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy, f"the running kiosk imported {heavy}"
