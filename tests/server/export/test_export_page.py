"""The console's export page on a real server: each viewer sees the counts and failures of their
own halls only, window staff none; a region admin queues given-up records again (CSRF, audit);
and it reads right in headless Chromium."""
import pytest
from selenium.webdriver.common.by import By

from server.api.enrol import create_code, redeem
from server.db import outbox
from server.delivery import Deliverer
from server.export import sender, targets
from server.export.testing import Receiver
from tests.server.console.conftest import browser, console, login, post_form  # noqa: F401
from tests.server.console.test_browser import sign_in
from tests.server.workflow.conftest import rating


@pytest.fixture(scope="module")
def exported(console):  # noqa: F811
    """H01 and H02 each sent two ratings; the target answers 500: the first record tried is
    given up (max_attempts=1), the rest of that round wait for their retry untried."""
    store = console.store
    rx = Receiver().start()
    rx.fail_with = 500
    with store.transaction() as tx:
        targets.set_target(tx, "province", "provincial", rx.url)
    for hall, window in (("H01", 1), ("H02", 1)):
        device = redeem(store, create_code(store, hall, window).code).device_id
        store.ingest([rating(device, level=lv, window=window) for lv in (1, 5)])
    Deliverer(store, kinds={"export": sender.deliver}, backoff=outbox.Backoff(0.01, 0.01),
              max_attempts=1).run_once()
    yield console, rx
    rx.stop()


def test_each_viewer_sees_only_their_halls(exported):
    srv, _ = exported
    sup1 = login(srv, "sup1").get(f"{srv.url}/console/export").text
    assert "H01" in sup1 and "H02" not in sup1 and "HTTP 500" in sup1
    assert "Try the given-up records again" not in sup1 and "重新发送" not in sup1
    admin = login(srv, "admin").get(f"{srv.url}/console/export").text
    assert "H01" in admin and "H02" in admin
    staff = login(srv, "staff1").get(f"{srv.url}/console/export")
    assert staff.status_code == 403 and "H01" not in staff.text
    csv = login(srv, "sup2").get(f"{srv.url}/console/export/failures.csv").text
    assert "H02" in csv and "H01" not in csv


def test_the_page_in_chromium(exported, browser, tmp_path):  # noqa: F811
    srv, _ = exported
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.server.console.conftest import follow
    sign_in(browser, srv, "admin")
    WebDriverWait(browser, 5).until(lambda d: d.current_url.endswith("/console/"))
    follow(browser, browser.find_element(By.LINK_TEXT, "省级平台推送"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "省级平台推送"
    assert "province" in browser.find_element(By.ID, "targets").text
    browser.save_screenshot("/tmp/export-page.png")
    assert "HTTP 500" in browser.find_element(By.ID, "failures").text


def test_a_region_admin_retries_and_it_is_audited(exported):
    srv, rx = exported
    sup1 = login(srv, "sup1")
    refused = post_form(sup1, srv, "/console/export", "/console/export/retry", {})
    assert refused.status_code == 403
    admin = login(srv, "admin")
    no_csrf = admin.post(f"{srv.url}/console/export/retry", allow_redirects=False)
    assert no_csrf.status_code == 403
    rx.fail_with = None
    done = post_form(admin, srv, "/console/export", "/console/export/retry", {})
    assert done.status_code == 303
    Deliverer(srv.store, kinds={"export": sender.deliver}).run_once()
    assert len(rx.wait_for(4)) == 4
    with srv.store.transaction(write=False) as tx:
        assert tx.one("SELECT actor FROM audit_log WHERE action = 'export.retry'")[0] \
            == "user:admin"
    page = admin.get(f"{srv.url}/console/export").text
    assert "HTTP 500" not in page


def test_held_records_are_counted_listed_and_downloadable_within_scope(exported):
    """A caller68 rating (no case id) at H01 is held for the target, never sent: H01's
    supervisor sees it counted and listed with a CSV; H02's does not; nothing reached the
    target for it."""
    srv, rx = exported
    store = srv.store
    device = redeem(store, create_code(store, "H01", 2).code).device_id
    local = rating(device, level=5, window=2, case_id=None)
    store.ingest([local])
    before = len(rx.attempts)
    rx.fail_with = None
    Deliverer(store, kinds={"export": sender.deliver}).run_once()
    assert len(rx.attempts) == before  # nothing was sent for it
    assert sender.status(store)["targets"]["province"]["held"] == 1
    page = login(srv, "sup1").get(f"{srv.url}/console/export").text
    assert str(local.uuid) in page and 'id="held"' in page
    assert "办件编号" in page and ": 1</h2>" in page
    other = login(srv, "sup2").get(f"{srv.url}/console/export").text
    assert str(local.uuid) not in other and ": 0</h2>" in other
    csv = login(srv, "sup1").get(f"{srv.url}/console/export/held.csv").text
    assert str(local.uuid) in csv and "held: no 办件编号" in csv and "H01" in csv
    assert str(local.uuid) not in login(srv, "sup2").get(
        f"{srv.url}/console/export/held.csv").text
    assert login(srv, "staff1").get(f"{srv.url}/console/export/held.csv").status_code == 403
