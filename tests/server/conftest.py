"""Fixtures: a real collection server (uvicorn on a free loopback port) over a real store.

Every server test runs against SQLite, and against PostgreSQL too when KIOSK_TEST_PG_URL
is set and answers (a fresh schema per test, dropped afterwards); otherwise the PostgreSQL
variants skip and say why. The server checks tokens like production: `http` is a session
of an enrolled device, `admin` one with the admin token.
"""
import secrets
import uuid

import pytest
import requests

from server import wiring
from server.api.enrol import create_code
from server.db.store import open_store
from server.runner import ServerThread
from sync.enrol import enrol
from tests.helpers.databases import PgSchema, pg_unreachable_reason

ADMIN_TOKEN = "admin-" + secrets.token_urlsafe(16)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """(db, schema) for open_store / ServerThread: a SQLite file or a fresh PG schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "server.db"), None
        return
    reason = pg_unreachable_reason()
    if reason:
        pytest.skip(reason)
    schema = PgSchema()
    try:
        yield schema.url, schema.name
    finally:
        schema.drop()


@pytest.fixture
def store(db):
    """The store alone (no HTTP), on the same database kinds, with the product's ingest
    hooks as every store the server opens."""
    st = wiring.attach(open_store(db[0], schema=db[1]))
    yield st
    st.close()


@pytest.fixture
def server(db):
    srv = ServerThread(db[0], schema=db[1], open_ingest=False, admin_token=ADMIN_TOKEN).start()
    yield srv
    srv.stop()


@pytest.fixture
def enrolled(server):
    """enrolled(hall, window) -> EnrolOut of a new device, through the real endpoint."""
    def make(hall="hall01", window=3):
        code = create_code(server.store, hall, window).code
        return enrol(server.url, code)
    return make


@pytest.fixture
def device(enrolled):
    return enrolled()


def session_with(token):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


@pytest.fixture
def http(device):
    """A session authenticated as `device`."""
    with session_with(device.token) as session:
        yield session


@pytest.fixture
def admin():
    with session_with(ADMIN_TOKEN) as session:
        yield session


@pytest.fixture
def make_rating(device):
    """A valid wire rating of `device` as JSON; keyword arguments override fields."""
    def make(**fields):
        rating = {
            "uuid": str(uuid.uuid4()), "level": 5, "reasons": [], "window": 3,
            "staff_id": "S-017", "ticket": "A012", "case_id": f"C-{uuid.uuid4().hex[:12]}",
            "item_code": "RES-01", "device_id": device.device_id,
            "rated_at": "2024-05-01T08:00:00.123Z", "boot_id": "b0", "mono_s": 12.5,
        }
        rating.update(fields)
        return rating
    return make
