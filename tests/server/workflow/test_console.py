"""The case and appeal pages over a real server (HTTP sessions through the login form, and
Debian's headless Chromium): the list sorted by due date with overdue said in words, the step
form with CSRF, window staff seeing only state and due day, appeals decided by someone else."""
import re
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from selenium.webdriver.common.by import By

from server.api.enrol import create_code, redeem
from server.workflow import holidays
from server.workflow.actors import SYSTEM
from sync.wire import RatingWire
from tests.server.console.conftest import (PASSWORD, browser, console,  # noqa: F401
                                           csrf_in, follow, login)


def bad(device_id, window, days_ago, ticket):
    when = datetime.now(timezone.utc) - timedelta(days=days_ago)
    return RatingWire.model_validate({
        "uuid": str(uuid.uuid4()), "level": 1, "reasons": ["attitude"], "window": window,
        "staff_id": "S001", "ticket": ticket, "case_id": f"C-{uuid.uuid4().hex[:8]}",
        "device_id": device_id, "rated_at": when.isoformat().replace("+00:00", "Z"),
        "boot_id": "b", "mono_s": 1.0}), when


@pytest.fixture(scope="module")
def cases(console):  # noqa: F811
    """Two 差评 at H01 window 1: one 30 days old (overdue), one from today."""
    store = console.store
    year = datetime.now(timezone.utc).year   # known whatever year the suite runs in
    holidays.load(store, {date(y, 1, 1): ("holiday", "元旦") for y in (year, year + 1)},
                  SYSTEM)
    device = redeem(store, create_code(store, "H01", 1).code).device_id
    ids = {}
    for name, days, ticket in (("old", 30, "A901"), ("new", 0, "A902")):
        rating, when = bad(device, 1, days, ticket)
        store.ingest([rating], now=when)
        with store.transaction(write=False) as tx:
            ids[name] = tx.one("SELECT id FROM cases WHERE rating_uuid = ?",
                               [str(rating.uuid)])[0]
    return ids


def page(session, console, path):  # noqa: F811
    r = session.get(f"{console.url}{path}", allow_redirects=False)
    return r.status_code, r.text


def test_supervisor_list_is_sorted_by_due_and_says_overdue(console, cases):  # noqa: F811
    sup = login(console, "sup1")
    status, html = page(sup, console, "/console/cases")
    assert status == 200
    rows = re.findall(r'<tr class="(overdue|)" data-case="([^"]+)"', html)
    assert rows[:2] == [("overdue", cases["old"]), ("", cases["new"])]
    assert "⚠ 逾期" in html
    status, html = page(sup, console, "/console/cases?sort=opened")
    order = re.findall(r'data-case="([^"]+)"', html)
    assert order.index(cases["new"]) < order.index(cases["old"])
    for odd in ("?all=yes", "?sort=nonsense", "?sort=due&all=2"):
        assert page(sup, console, "/console/cases" + odd)[0] == 200
    assert page(sup, console, "/console/appeals?state=%ff")[0] == 200
    status, html = page(sup, console, f"/console/cases/{cases['new']}")
    assert status == 200 and "A902" in html and "待核实" in html


def test_other_halls_and_unknown_cases_are_refused(console, cases):  # noqa: F811
    assert page(login(console, "sup2"), console, f"/console/cases/{cases['old']}")[0] == 403
    _, html = page(login(console, "sup2"), console, "/console/cases")
    assert cases["old"] not in html
    assert page(login(console, "sup1"), console, "/console/cases/nope")[0] == 404
    assert page(login(console, "audit1"), console, f"/console/cases/{cases['old']}")[0] == 200


def test_window_staff_see_state_and_due_day_only(console, cases):  # noqa: F811
    staff = login(console, "staff1")
    status, html = page(staff, console, "/console/cases")
    assert status == 200 and "关于我的差评工单" in html
    for secret in (cases["old"], cases["new"], "A901", "A902", "非常不满意"):
        assert secret not in html
    assert "逾期" in html
    assert page(staff, console, f"/console/cases/{cases['old']}")[0] == 403


def test_step_form_needs_csrf_and_a_note(console, cases):  # noqa: F811
    sup = login(console, "sup1")
    path = f"/console/cases/{cases['new']}"
    url = f"{console.url}{path}/advance"
    assert sup.post(url, data={"note": "x"}, allow_redirects=False).status_code == 403
    token = csrf_in(page(sup, console, path)[1])
    r = sup.post(url, data={"csrf_token": token, "step": "verify", "note": "  "},
                 allow_redirects=False)
    assert r.status_code == 400 and "请写明办理情况" in r.text
    r = sup.post(url, data={"csrf_token": token, "step": "verify", "note": "已核实：态度生硬"},
                 allow_redirects=False)
    assert r.status_code == 303
    _, html = page(sup, console, path)
    assert "已核实：态度生硬" in html and "整改中" in html
    staff = login(console, "staff1")
    assert staff.post(url, data={"csrf_token": csrf_in(page(staff, console, "/console/cases")[1]),
                                 "note": "me"}, allow_redirects=False).status_code == 403


def test_an_appeal_is_decided_by_someone_else_with_a_higher_role(console, cases):  # noqa: F811
    sup = login(console, "sup1")
    path = f"/console/cases/{cases['old']}"
    token = csrf_in(page(sup, console, path)[1])
    r = sup.post(f"{console.url}{path}/appeal", allow_redirects=False, data={
        "csrf_token": token, "kind": "malicious", "reason": "同一人反复差评",
        "evidence": "监控 10:02"})
    assert r.status_code == 303
    _, html = page(sup, console, "/console/appeals")
    [appeal_id] = re.findall(r'data-appeal="([^"]+)"', html)
    assert "同一人反复差评" in html and "批准" not in html     # no buttons for the filer
    r = sup.post(f"{console.url}/console/appeals/{appeal_id}/decide", allow_redirects=False,
                 data={"csrf_token": token, "decision": "approve", "note": "mine"})
    assert r.status_code == 400 and "须由另一位" in r.text
    admin = login(console, "nanshan")
    _, html = page(admin, console, "/console/appeals")
    r = admin.post(f"{console.url}/console/appeals/{appeal_id}/decide",
                   allow_redirects=False, data={"csrf_token": csrf_in(html),
                                                "decision": "approve", "note": "属实"})
    assert r.status_code == 303
    _, html = page(admin, console, "/console/appeals?state=approved")
    assert appeal_id in html and "已通过" in html
    _, html = page(sup, console, "/console/cases")
    assert cases["old"] not in html                                   # withdrawn
    assert page(login(console, "sup2"), console, "/console/appeals")[1].count("data-appeal") == 0


def test_window_staff_appeal_through_an_opaque_reference(console, cases):  # noqa: F811
    store = console.store         # a case of two days ago: staff see up to yesterday
    device = redeem(store, create_code(store, "H01", 1).code).device_id
    rating, when = bad(device, 1, 2, "A903")
    store.ingest([rating], now=when)
    staff = login(console, "staff1")
    _, html = page(staff, console, "/console/cases")
    refs = re.findall(r'name="ref" value="([0-9a-f]{20})"', html)
    assert refs and not any(cases[k] in html for k in cases)
    url = f"{console.url}/console/cases/staff-appeal"
    form = {"csrf_token": csrf_in(html), "kind": "mistaken", "reason": "群众点错了",
            "evidence": ""}
    r = staff.post(url, data={**form, "ref": "0" * 20}, allow_redirects=False)
    assert r.status_code == 404 and "没有这条关于您的工单" in r.text
    r = staff.post(url, data={**form, "ref": refs[0]}, allow_redirects=False)
    assert r.status_code == 303
    _, html = page(staff, console, "/console/appeals")
    assert "群众点错了" in html and "批准" not in html
    sup = login(console, "sup1")
    assert sup.post(url, data={**form, "csrf_token": csrf_in(page(sup, console,
                    "/console/cases")[1]), "ref": refs[0]},
                    allow_redirects=False).status_code == 403


def test_the_case_list_in_a_real_browser(browser, console, cases):  # noqa: F811
    browser.get(f"{console.url}/console/login")
    browser.find_element(By.NAME, "username").send_keys("sup1")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]"))
    follow(browser, browser.find_element(By.LINK_TEXT, "差评工单"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "差评工单"
    follow(browser, browser.find_element(By.LINK_TEXT, "最新"))
    assert "sort=opened" in browser.current_url
    follow(browser, browser.find_element(By.LINK_TEXT, "到期日"))
    first = browser.find_element(By.CSS_SELECTOR, "#cases tbody tr")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#cases tbody tr a"))
    form = browser.find_element(By.ID, "step-form")
    form.find_element(By.NAME, "note").send_keys("浏览器里填写的整改措施")
    follow(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "浏览器里填写的整改措施" in browser.find_element(By.ID, "steps").text
    assert first is not None
