"""Workflow fixtures: people in each role, ratings stored through the real ingest."""
import uuid
from datetime import datetime, timezone

import pytest

from server import wiring
from server.api.enrol import create_code
from server.db.store import open_store
from server.workflow.actors import Actor
from sync.wire import RatingWire

HALL = "hall01"


@pytest.fixture
def wired(db):
    """A store with the product's ingest hooks, on SQLite and PostgreSQL, with one device of
    hall01 window 3 enrolled (so cases know their hall)."""
    st = wiring.attach(open_store(db[0], schema=db[1]))
    code = create_code(st, HALL, 3).code
    st.device_id = _enrol(st, code)
    yield st
    st.close()


def _enrol(store, code):
    from server.api.enrol import redeem  # noqa: PLC0415 - only this fixture needs it
    return redeem(store, code).device_id


@pytest.fixture
def people():
    return {
        "staff": Actor("wang", "window_staff", frozenset({HALL}), windows=frozenset({3}),
                       staff_id="S-017"),
        "staff2": Actor("li", "window_staff", frozenset({HALL}), windows=frozenset({3}),
                        staff_id="S-018"),
        "sup": Actor("zhao", "hall_supervisor", frozenset({HALL})),
        "sup2": Actor("qian", "hall_supervisor", frozenset({HALL})),
        "other_sup": Actor("sun", "hall_supervisor", frozenset({"hall02"})),
        "admin": Actor("zhou", "region_admin"),
        "auditor": Actor("wu", "auditor"),
    }


def rating(device_id, level=1, **fields):
    base = {"uuid": str(uuid.uuid4()), "level": level, "reasons": ["attitude"] if level < 3
            and level else [], "window": 3, "staff_id": "S-017", "ticket": "A012",
            "case_id": f"C-{uuid.uuid4().hex[:10]}", "item_code": "RES-01",
            "device_id": device_id, "rated_at": "2025-09-26T08:00:00.000Z", "boot_id": "b0",
            "mono_s": 10.0}
    base.update(fields)
    return RatingWire.model_validate(base)


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=timezone.utc)


REGION = "131000"   # 廊坊市
PASSWORD = "correct horse battery"
ACCOUNTS = {"zhao": ("hall_supervisor", HALL), "qian": ("hall_supervisor", HALL),
            "zhou": ("region_admin", REGION), "wang": ("window_staff", "S-017"),
            "li": ("window_staff", "S-018"), "wu": ("auditor", REGION)}


def add_org_and_accounts(store):
    """Langfang's region with hall01 (window 3, staff S-017 and S-018) and one console account
    per role, as `kiosk-server org import` and `user add` would make them."""
    from server.db import org, users

    with store.transaction() as tx:
        org.put_region(tx, org.Region(REGION, "廊坊市"))
        org.put_hall(tx, org.Hall(HALL, "市民服务中心", REGION))
        org.put_window(tx, org.Window(HALL, 3, "综合受理"))
        org.put_staff(tx, org.Staff("S-017", "王芳", HALL, windows=(3,)))
        org.put_staff(tx, org.Staff("S-018", "李强", HALL, windows=(3,)))
        for name, (role, scope) in ACCOUNTS.items():
            users.add(tx, name, name.title(), PASSWORD, role, scope)


def db_with_one_case(db: str) -> tuple[str, RatingWire]:
    """A SQLite file at `db` with add_org_and_accounts, hall01 window 3's device enrolled and
    one 差评 stored through the real ingest (so one case is open): (device id, that rating).
    For tests that drive `kiosk-server` on the file."""
    from server.api.enrol import redeem

    store = wiring.attach(open_store(db))
    try:
        add_org_and_accounts(store)
        device = redeem(store, create_code(store, HALL, 3).code).device_id
        bad = rating(device, level=1)
        store.ingest([bad], now=at(2025, 9, 26, 8))
    finally:
        store.close()
    return device, bad
