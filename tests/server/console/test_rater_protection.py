"""Rater protection (廊坊 第十三条: 严格规范信息查询权限, no 打击报复评价人), over HTTP on SQLite and
PostgreSQL: a window staff account polls every console page it can open while 差评 about it
arrive through the real upload API, and nothing it sees changes until the server's clock
reaches the next local day; at a window shared by two staff members each sees and appeals
only the cases naming them; staff never see a rating's level, time, ticket or case number."""
import csv
import io
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from server.api.enrol import create_code, redeem
from server.console.sample import seed
from server.db import users
from server.db.stats import HALL_TZ
from server.runner import ServerThread
from server.workflow.case_views import staff_ref
from sync.enrol import enrol
from sync.wire import BATCH_PATH, RatingWire
from tests.server.console.conftest import PASSWORD, csrf_in, login

# Every GET page a window staff account may open (the test below checks the app has no other).
STAFF_PAGES = ["/console/", "/console/login", "/console/password", "/console/figures",
               "/console/figures/days.csv", "/console/figures/reasons.csv",
               "/console/figures/drill", "/console/figures/drill.csv",
               "/console/figures/drill?hall=H01", "/console/figures/drill?hall=H01&window=1",
               "/console/figures/drill.csv?hall=H01&window=1", "/console/cases",
               "/console/cases.csv", "/console/appeals", "/console/appeals?state=all",
               "/console/appeals.csv", "/console/service", "/console/service.csv"]


@pytest.fixture
def hall(db):
    """A seeded server (H01: S001 at windows 1 and 2, S002 at window 1) with a staff2
    account for S002; the console's clock frozen at the real now."""
    srv = ServerThread(db[0], schema=db[1], open_ingest=False).start()
    seed(srv.store, PASSWORD)
    with srv.store.transaction() as tx:
        users.add(tx, "staff2", "李四", PASSWORD, "window_staff", "S002")
    start = datetime.now(timezone.utc)
    srv.app.state.clock = lambda: start
    yield srv
    srv.stop()


def wire(device_id, staff_id, level, when, ticket):
    return {"uuid": str(uuid.uuid4()), "level": level, "reasons": ["attitude"] if level < 3
            else [], "window": 1, "staff_id": staff_id, "ticket": ticket,
            "case_id": f"C-{uuid.uuid4().hex[:8]}", "item_code": "RES-01",
            "device_id": device_id, "rated_at": when.isoformat().replace("+00:00", "Z"),
            "boot_id": "boot-1", "mono_s": 100.0}


def earlier(store, staff_id, days_ago, ticket, level=1):
    """A 差评 stored days ago (through the store's ingest, as the server did then)."""
    device = redeem(store, create_code(store, "H01", 1).code).device_id
    when = datetime.now(timezone.utc) - timedelta(days=days_ago)
    rating = RatingWire.model_validate(wire(device, staff_id, level, when, ticket))
    store.ingest([rating], now=when)
    return rating, when


def snapshot(session, server):
    out = {}
    for path in STAFF_PAGES:
        r = session.get(server.url + path, allow_redirects=False)
        out[path] = (r.status_code, r.text)
    return out


def test_every_page_a_staff_account_opens_is_in_the_polled_list(hall):
    staff = login(hall, "staff1")
    listed = {p.split("?")[0] for p in STAFF_PAGES}
    for route in hall.app.routes:
        path = getattr(route, "path", "")
        if "GET" not in (getattr(route, "methods", None) or ()) or \
                not path.startswith("/console") or "{" in path:
            continue
        status = staff.get(hall.url + path, allow_redirects=False).status_code
        assert status != 200 or path in listed, f"{path} opens for staff and is not polled"


def test_nothing_a_staff_account_sees_moves_before_the_next_local_day(hall):
    store = hall.store
    earlier(store, "S001", 3, "A300")                 # something to see from before
    staff, sup = login(hall, "staff1"), login(hall, "sup1")
    today = datetime.now(HALL_TZ).date().isoformat()
    STAFF_PAGES.extend([f"/console/figures?from={today}&to={today}",
                        f"/console/figures/days.csv?from={today}&to={today}"])
    try:
        before = snapshot(staff, hall)
        assert all(status == 200 for status, _ in before.values()), \
            {p: s for p, (s, _) in before.items() if s != 200}
        assert before["/console/cases"][1].count('name="ref"') == 1
        sup_before = sup.get(f"{hall.url}/console/cases").text
        device = enrol(hall.url, create_code(store, "H01", 1).code)
        upload = requests.Session()
        upload.headers["Authorization"] = f"Bearer {device.token}"
        for n, level in enumerate((1, 2, 5, 1)):       # three 差评 about S001, one good
            now = datetime.now(timezone.utc)
            r = upload.post(hall.url + BATCH_PATH, json={
                "ratings": [wire(device.device_id, "S001", level, now, f"B{n:03d}")],
                "device_now": now.isoformat().replace("+00:00", "Z"), "boot_id": "boot-1",
                "mono_s": 100.5}, timeout=30)
            assert r.status_code == 200 and r.json()["results"][0]["status"] == "accepted"
            after = snapshot(staff, hall)
            changed = [p for p in STAFF_PAGES if after[p] != before[p]]
            assert changed == [], f"changed in step with rating {n}: {changed}"
        # The supervisor sees them at once (the uploads did make cases).
        assert sup.get(f"{hall.url}/console/cases").text.count("data-case=") == \
            sup_before.count("data-case=") + 3

        # The next local day: everything appears.
        tomorrow = datetime.combine(datetime.now(HALL_TZ).date() + timedelta(days=1),
                                    datetime.min.time(), HALL_TZ) + timedelta(hours=8)
        hall.app.state.clock = lambda: tomorrow
        assert staff.get(f"{hall.url}/console/cases").text.count('name="ref"') == 4
        text = staff.get(f"{hall.url}/console/figures/days.csv").text.lstrip("\ufeff")
        rows = {r["day"]: r for r in csv.DictReader(io.StringIO(text))}
        assert int(rows[today]["level_1"]) == 2 and int(rows[today]["level_2"]) == 1
        assert int(rows[today]["level_5"]) == 1
        assert len(staff.get(f"{hall.url}/console/cases.csv").text.strip().splitlines()) == 5
    finally:
        del STAFF_PAGES[-2:]


def refs(html):
    return re.findall(r'name="ref" value="([0-9a-f]{20})"', html)


def test_staff_at_a_shared_window_see_and_appeal_only_their_own_cases(hall):
    store = hall.store
    mine, when = earlier(store, "S001", 2, "A501", level=2)
    theirs, _ = earlier(store, "S002", 2, "A502", level=1)
    staff1, staff2 = login(hall, "staff1"), login(hall, "staff2")
    html1 = staff1.get(f"{hall.url}/console/cases").text
    html2 = staff2.get(f"{hall.url}/console/cases").text
    with store.transaction(write=False) as tx:
        cases = {sid: dict(zip(("id", "rating_uuid"), tx.one(
            "SELECT id, rating_uuid FROM cases WHERE rating_uuid = ?", [str(r.uuid)])))
            for sid, r in (("S001", mine), ("S002", theirs))}
    assert refs(html1) == [staff_ref(cases["S001"])]
    assert refs(html2) == [staff_ref(cases["S002"])]
    assert when.astimezone(HALL_TZ).date().isoformat() in html1   # opened date, to tell apart

    url = f"{hall.url}/console/cases/staff-appeal"
    form = {"csrf_token": csrf_in(html1), "kind": "mistaken", "reason": "不是我办理的",
            "evidence": ""}
    r = staff1.post(url, data={**form, "ref": staff_ref(cases["S002"])},
                    allow_redirects=False)
    assert r.status_code in (403, 404)
    with store.transaction(write=False) as tx:
        assert tx.one("SELECT count(*) FROM appeals")[0] == 0
    r = staff1.post(url, data={**form, "ref": staff_ref(cases["S001"])},
                    allow_redirects=False)
    assert r.status_code == 303

    # What staff see of it: no level, time, ticket or case number anywhere.
    rated = when.astimezone(HALL_TZ).strftime("%Y-%m-%d %H:%M")
    for path in ("/console/appeals", "/console/appeals?state=all", "/console/appeals.csv",
                 "/console/cases", "/console/cases.csv", "/console/appeals?lang=en"):
        text = staff1.get(hall.url + path).text
        assert "不满意" not in text and "issatisfied" not in text, path
        for secret in ("A501", "A502", cases["S001"]["id"], cases["S002"]["id"],
                       str(mine.uuid), mine.case_id, rated):
            assert secret not in text, (path, secret)
    assert "不是我办理的" in staff1.get(f"{hall.url}/console/appeals").text
    assert "不是我办理的" not in staff2.get(f"{hall.url}/console/appeals").text
    # The supervisor, who decides it, sees the level.
    assert "不满意" in login(hall, "sup1").get(f"{hall.url}/console/appeals").text
