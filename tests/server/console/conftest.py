"""Console fixtures: a real server on a free loopback port with the sample org and one account
per role, requests sessions logged in through the real form, and Debian's headless Chromium.

The server is module-scoped (start-up plus six argon2 hashes is ~1 s); tests that change
state use names of their own so they do not disturb each other.
"""
import re

import pytest
import requests

from server.console.sample import seed
from server.runner import ServerThread
from tests.helpers.browser import chromium
from tests.helpers.databases import PgSchema, pg_unreachable_reason

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """A seeded server (SQLite)."""
    srv = ServerThread(tmp_path_factory.mktemp("console") / "server.db", open_ingest=False)
    srv.start()
    seed(srv.store, PASSWORD)
    yield srv
    srv.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console_both(request, tmp_path_factory):
    """The same on SQLite and on PostgreSQL (scope checks depend on the store's queries)."""
    schema = None
    if request.param == "postgresql":
        reason = pg_unreachable_reason()
        if reason:
            pytest.skip(reason)
        schema = PgSchema()
        srv = ServerThread(schema.url, schema=schema.name, open_ingest=False)
    else:
        srv = ServerThread(tmp_path_factory.mktemp("console") / "server.db", open_ingest=False)
    srv.start()
    seed(srv.store, PASSWORD)
    yield srv
    srv.stop()
    if schema:
        schema.drop()


def csrf_in(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def login(server, username, password=PASSWORD, session=None,
          lands="/console/") -> requests.Session:
    """A session logged in through the real login form (asserts it worked)."""
    session = session or requests.Session()
    page = session.get(f"{server.url}/console/login")
    r = session.post(f"{server.url}/console/login",
                     data={"csrf_token": csrf_in(page.text), "username": username,
                           "password": password, "next": "/console/"})
    notice = re.search(r'id="login-notice".*?href="([^"]+)"', r.text, re.S)
    if notice:  # failed attempts since the last login are shown first; then on
        r = session.get(f"{server.url}{notice.group(1)}")
    assert r.status_code == 200 and r.url.endswith(lands), (r.status_code, r.text[:300])
    return session


def post_form(session, server, page_path, action_path, data):
    """POST a console form the way a browser does: with the CSRF token from the page."""
    page = session.get(f"{server.url}{page_path}")
    return session.post(f"{server.url}{action_path}",
                        data={"csrf_token": csrf_in(page.text), **data}, allow_redirects=False)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through selenium (one per test module)."""
    driver = chromium("--window-size=1366,768", "--lang=zh-CN")
    driver.implicitly_wait(10)  # only a missing element waits: a loaded CI machine is slow
    yield driver
    driver.quit()


def follow(browser, element) -> None:
    """Click a link or submit button and wait until the next page has replaced this one, so
    the next find reads the new page, not the old one (a loaded CI machine is slow)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = browser.find_element(By.TAG_NAME, "html")

    def replaced(_driver) -> bool:
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            # Asked mid-navigation, Chromium answers this instead of "stale" (seen in CI):
            # the old page is gone all the same.
            if "does not belong to the document" in str(exc):
                return True
            if "unhandled inspector error" in str(exc):  # also mid-navigation: ask again
                return False
            raise
        return False

    element.click()
    WebDriverWait(browser, 10).until(replaced)
