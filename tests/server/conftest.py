"""Fixtures that start a real collection server on a free loopback port over a temp SQLite db."""
import uuid

import pytest
import requests

from server.runner import ServerThread


@pytest.fixture
def server(tmp_path):
    srv = ServerThread(tmp_path / "server.db").start()
    yield srv
    srv.stop()


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


@pytest.fixture
def make_rating():
    """A valid wire rating as JSON; keyword arguments override fields."""
    def make(**fields):
        rating = {
            "uuid": str(uuid.uuid4()), "level": 5, "reasons": [], "window": 3,
            "staff_id": "S-017", "ticket": "A012", "case_id": "C20240501-0001",
            "item_code": "RES-01", "device_id": "kiosk-07",
            "rated_at": "2024-05-01T08:00:00.123Z", "boot_id": "b0", "mono_s": 12.5,
        }
        rating.update(fields)
        return rating
    return make
