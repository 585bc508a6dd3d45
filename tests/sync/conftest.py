"""Fixtures for the uploader: a real server on loopback, a temp kiosk store, a free port."""
import socket

import pytest

from server.runner import ServerThread
from sync.outbox import NewRating, Store
from sync.uploader import Uploader


@pytest.fixture
def server(tmp_path):
    srv = ServerThread(tmp_path / "server.db").start()
    yield srv
    srv.stop()


@pytest.fixture
def kiosk_db(tmp_path):
    return tmp_path / "kiosk" / "ratings.db"


@pytest.fixture
def kiosk_store(kiosk_db):
    store = Store(kiosk_db)
    yield store
    store.close()


@pytest.fixture
def free_port():
    """A loopback port nothing listens on (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def record(kiosk_store):
    """Record ratings like the flow does: record(n, **overrides) -> list of stored rows."""
    counter = iter(range(1, 10**6))

    def record(n=1, **fields):
        rows = []
        for _ in range(n):
            i = next(counter)
            values = dict(level=5, window=3, ticket=f"A{i:03d}", case_key=f"case-{i}",
                          device_id="kiosk-07", staff_id="S-017", boot_id="b0", mono_s=float(i))
            values.update(fields)
            rows.append(kiosk_store.record(NewRating(**values)))
        return rows
    return record


@pytest.fixture
def uploaders():
    """Start uploaders through this; every one is stopped at teardown."""
    started = []

    def start(db_path, base_url, **kwargs):
        kwargs.setdefault("base_delay_s", 0.05)
        kwargs.setdefault("max_delay_s", 0.2)
        kwargs.setdefault("timeout_s", 5.0)
        up = Uploader(db_path, base_url, **kwargs).start()
        started.append(up)
        return up
    yield start
    for up in started:
        up.stop()
