"""Console pages send a strict Content-Security-Policy (no inline script, style or eval; no
framing) with the usual headers, on both stores, and the main pages of each role run in
headless Chromium without a single CSP violation (their scripts, charts and styles all work
under it)."""
import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.server.console.conftest import browser, login  # noqa: F401
from tests.server.console.test_browser import sign_in

# Every CSP violation the page reports, recorded before any of its own scripts run.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" +
                    e.lineNumber);
});
"""


def directives(header: str) -> dict:
    out = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        out[name] = value.split()
    return out


def test_every_console_page_sends_a_strict_policy_and_the_usual_headers(console_both):
    srv = console_both
    anonymous = requests.get(f"{srv.url}/console/login")
    admin = login(srv, "admin")
    for r in (anonymous, admin.get(f"{srv.url}/console/"), admin.get(f"{srv.url}/console/audit"),
              admin.get(f"{srv.url}/console/org/halls/nowhere")):  # an error page too
        policy = directives(r.headers["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
        assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert r.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("username", ["admin", "sup1", "staff1"])
def test_main_pages_run_in_chromium_without_a_csp_violation(console_both, browser,  # noqa: F811
                                                            username):
    srv = console_both
    browser.delete_all_cookies()
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTEN})
    browser.get(f"{srv.url}/console/login")
    sign_in(browser, srv, username)
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/console/"))
    pages = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR,
                                                                    "nav.nav a")]
    pages += [f"{srv.url}/console/password"]
    if username != "staff1":
        pages += [f"{srv.url}/console/org/halls/H01"]
    assert len(pages) >= 4, pages
    browser.implicitly_wait(0)  # nothing below looks for an element that may be missing
    seen = {}
    for url in pages:
        browser.get(url)
        WebDriverWait(browser, 10).until(
            lambda d: d.execute_script("return document.readyState") == "complete")
        seen[url] = browser.execute_script("return window.__csp || null")
        assert seen[url] is not None, f"{url}: the violation listener did not run"
    browser.implicitly_wait(10)
    assert all(v == [] for v in seen.values()), {u: v for u, v in seen.items() if v}
