"""Scopes hold when a URL or a form is edited by hand, on SQLite and PostgreSQL: another hall
is 403 with no figures, an unknown hall 404, window staff see only themselves, and the fleet
page lists only the user's kiosks, offline first."""
import json
from datetime import datetime, timedelta, timezone

import requests

from server.api.enrol import create_code, redeem
from server.console.scope import User, redact
from server.db import org
from server.db.base import utc_iso
from tests.server.console.conftest import login, post_form


def test_another_halls_url_is_403_and_shows_nothing_of_it(console_both):
    sup1 = login(console_both, "sup1")
    own = sup1.get(f"{console_both.url}/console/org/halls/H01")
    assert own.status_code == 200 and "社保综合受理" in own.text
    other = sup1.get(f"{console_both.url}/console/org/halls/H02")
    assert other.status_code == 403 and "无权访问" in other.text
    for secret in ("宝安", "企业开办", "赵六", "S101"):
        assert secret not in other.text
    assert sup1.get(f"{console_both.url}/console/org/halls/NOPE").status_code == 404
    assert sup1.get(f"{console_both.url}/console/org/halls/..%2FH02").status_code == 404
    listing = sup1.get(f"{console_both.url}/console/org").text
    assert "南山区政务服务中心" in listing and "宝安区政务服务中心" not in listing


def test_a_hand_made_post_for_another_hall_writes_nothing(console_both):
    sup1 = login(console_both, "sup1")
    r = post_form(sup1, console_both, "/console/org/halls/H01", "/console/org/halls/H02/windows",
                  {"number": "7", "name": "越权窗口"})
    assert r.status_code == 403
    r = post_form(sup1, console_both, "/console/org/halls/H01", "/console/org/halls/H01/staff",
                  {"staff_id": "S101", "name": "抢人", "windows": "1"})
    assert r.status_code == 400 and "已在其他大厅工作" in r.text
    assert [w.number for w in org.windows(console_both.store, "H02")] == [1, 2]
    assert org.staff(console_both.store, staff_id="S101")[0].hall_id == "H02"


def test_roles_see_their_own_scope_only(console_both):
    nanshan = login(console_both, "nanshan")  # region admin of 440305 (H01 only)
    assert nanshan.get(f"{console_both.url}/console/org/halls/H01").status_code == 200
    assert nanshan.get(f"{console_both.url}/console/org/halls/H02").status_code == 403
    staff = login(console_both, "staff1")
    home = staff.get(f"{console_both.url}/console/").text
    assert "S001" in home and "李四" not in home
    for path in ("/console/org", "/console/org/halls/H01", "/console/fleet", "/console/users",
                 "/console/audit"):
        assert staff.get(f"{console_both.url}{path}").status_code == 403, path
    auditor = login(console_both, "audit1")
    assert auditor.get(f"{console_both.url}/console/audit").status_code == 200
    r = post_form(auditor, console_both, "/console/org/halls/H01",
                  "/console/org/halls/H01/windows", {"number": "8", "name": "审计加的"})
    assert r.status_code == 403
    assert login(console_both, "sup2").get(f"{console_both.url}/console/users").status_code \
        == 403
    api = requests.get(f"{console_both.url}/console/api/anything", allow_redirects=False)
    assert api.status_code in (401, 404)


def test_fleet_lists_the_users_kiosks_offline_first(console_both):
    store = console_both.store
    now = datetime.now(timezone.utc)
    ids = {}
    for hall, window, age_s in (("H01", 1, 30), ("H01", 2, 900), ("H02", 1, 20)):
        device = redeem(store, create_code(store, hall, window).code)
        ids[(hall, window)] = device.device_id
        beat = {"backlog": window * 3, "link_state": "up", "server_offset_s": 1.5,
                "version": "1.0"}
        store.put_heartbeat(device.device_id, json.dumps(beat), utc_iso(now - timedelta(
            seconds=age_s)))
    sup1 = login(console_both, "sup1")
    page = sup1.get(f"{console_both.url}/console/fleet").text
    assert ids[("H02", 1)] not in page
    assert page.index(ids[("H01", 2)]) < page.index(ids[("H01", 1)])  # offline first
    csv_rows = sup1.get(f"{console_both.url}/console/fleet.csv").text.lstrip("\ufeff")
    lines = csv_rows.strip().splitlines()
    assert lines[0].startswith("device_id,hall,window,status")
    assert [line.split(",")[3] for line in lines[1:]] == ["offline", "online"]
    admin = login(console_both, "admin")
    assert ids[("H02", 1)] in admin.get(f"{console_both.url}/console/fleet").text


def test_window_staff_never_see_ticket_case_or_time_of_a_rating():
    row = {"uuid": "u1", "level": 1, "ticket": "A012", "case_id": "C1", "window": 1,
           "staff_id": "S001", "rated_at": "2026-11-01T01:00:00.000Z", "reasons": '["attitude"]'}
    staff = User("staff1", "张三", "window_staff", "S001", "t", staff_id="S001")
    sup = User("sup1", "张主任", "hall_supervisor", "H01", "t")
    seen = redact(staff, row)
    assert seen["ticket"] is None and seen["case_id"] is None and seen["rated_at"] is None
    assert seen["level"] == 1 and seen["reasons"] == '["attitude"]' and seen["bad"]
    assert redact(sup, row) == row
