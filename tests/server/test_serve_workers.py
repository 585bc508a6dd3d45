"""`kiosk-server serve --workers N`: several processes on one PostgreSQL database share the
port and store each rating once; SQLite refuses more than one worker (its single writer)."""
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests
from click.testing import CliRunner

from server.api.enrol import create_code, redeem
from server.cli import main
from server.db.store import open_store
from sync.wire import BATCH_PATH
from tests.helpers.databases import PgSchema, pg_unreachable_reason


def test_sqlite_refuses_several_workers(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "s.db"),
                                       "--workers", "2"])
    assert result.exit_code == 2 and "SQLite is served by one process" in result.output


def test_two_workers_on_postgresql_store_each_rating_once():
    reason = pg_unreachable_reason()
    if reason:
        pytest.skip(reason)
    schema = PgSchema()
    url = f"{schema.url}?options=-csearch_path%3D{schema.name}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = open_store(url)
    device = redeem(store, create_code(store, "hallW", 1).code)
    store.close()
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port),
                             "--db", url, "--workers", "2", "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        ratings = [{"uuid": str(uuid.uuid4()), "level": 5, "window": 1, "ticket": f"A{i}",
                    "device_id": device.device_id, "rated_at": "2026-05-04T08:00:00Z"}
                   for i in range(40)]
        with requests.Session() as s:
            s.headers["Authorization"] = f"Bearer {device.token}"
            for i in range(0, 40, 4):  # new connections: the kernel spreads them over workers
                s.headers["Connection"] = "close"
                statuses = [r["status"] for r in s.post(
                    base + BATCH_PATH, json={"ratings": ratings[i:i + 8]}, timeout=10
                ).json()["results"]]
                assert set(statuses) <= {"accepted", "duplicate"}
        store = open_store(url)
        try:
            assert store.count() == 40
        finally:
            store.close()
    finally:
        proc.terminate()
        proc.wait(30)
        schema.drop()
