"""The manuals' site (issue 31): it builds with warnings as errors from generated screenshots
and the generated API reference; the README stays short and points into it; the server serves
it at /docs/ with the console's headers; every console page's 帮助 link opens an anchor that
exists in the built console manual.

One build for the module (scripts/docs_build.sh into a temporary folder: ~50 s, most of it
the console's and the kiosk's screenshots in headless Chromium and on Xvfb).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from server.console.manual import HELP_ANCHORS, help_url
from server.console.sample import seed
from server.runner import ServerThread
from tests.server.console.conftest import PASSWORD, login

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.skip("the console's screenshots need chromium and chromium-driver (bootstrap.sh)")
    out = tmp_path_factory.mktemp("site") / "manual"
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env["KIOSK_DOCS_SITE_DIR"] = str(out)
    proc = subprocess.run(["bash", "scripts/docs_build.sh"], cwd=ROOT, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=280)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout[-4000:]}"
    assert "WARNING" not in proc.stdout, proc.stdout[-4000:]
    return out


@pytest.fixture(scope="module")
def server(site, tmp_path_factory):
    os.environ["KIOSK_SERVER_DOCS_DIR"] = str(site)
    srv = ServerThread(tmp_path_factory.mktemp("docs") / "server.db", open_ingest=False)
    srv.start()
    seed(srv.store, PASSWORD)
    yield srv
    srv.stop()
    os.environ.pop("KIOSK_SERVER_DOCS_DIR", None)


def test_every_manual_page_and_generated_picture_is_built(site):
    for page in ("deploy", "technician", "console", "api", "api/reference", "api/export",
                 "api/mapping-files", "queue-link", "develop", "performance"):
        assert (site / page / "index.html").is_file(), page
    console = (site / "console" / "index.html").read_text(encoding="utf-8")
    for name in re.findall(r"img/console/([\w-]+)\.png", (ROOT / "docs" / "console.md").read_text()):
        assert (site / "img" / "console" / f"{name}.png").stat().st_size > 5000, name
        assert f"{name}.png" in console
    reference = (site / "api" / "reference" / "index.html").read_text(encoding="utf-8")
    for route in ("/api/v1/ratings/batch", "/api/v1/events/batch", "/api/v1/admin/enrol-codes"):
        assert route in reference, f"the generated reference lacks {route}"


def test_the_readme_is_short_and_starts_with_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150
    blocks = re.findall(r"^```sh\n(.*?)\n```", "\n".join(lines[:60]), re.S | re.M)
    assert [b.split("#")[0].strip() for b in blocks[:2]] == ["./scripts/demo.sh",
                                                             "./scripts/test.sh"]


def test_the_readme_links_and_pictures_exist(site):
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert any(t.endswith("rating.png") for t in targets)
    assert any(t.endswith("ranking.png") for t in targets)
    for target in targets:  # the pictures are generated into docs/img by the build above
        assert (ROOT / target).exists(), f"README links to {target}, which does not exist"


@pytest.mark.parametrize("path", sorted(HELP_ANCHORS))
def test_each_console_page_help_anchor_exists_in_the_manual(path, site):
    anchor = help_url(path).split("#", 1)[1]
    html = (site / "console" / "index.html").read_text(encoding="utf-8")
    assert f'id="{anchor}"' in html, f"{path}: the console manual has no #{anchor}"


def test_console_pages_link_to_their_section_and_the_server_serves_it(server):
    session = login(server, "sup1")
    page = session.get(f"{server.url}/console/ranking")
    link = re.search(r'<a href="([^"]+)" class="help"[^>]*>([^<]+)</a>', page.text)
    assert link and link.group(2) == "帮助", page.text[:500]
    assert link.group(1) == "/docs/console/#ranking"
    manual = requests.get(f"{server.url}{link.group(1)}")  # no login: manuals are not secret
    assert manual.status_code == 200 and 'id="ranking"' in manual.text
    csp = manual.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert "'sha256-" in csp and manual.headers["X-Content-Type-Options"] == "nosniff"
    picture = requests.get(f"{server.url}/docs/img/console/ranking.png")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert requests.get(f"{server.url}/docs/no-such-page/").status_code == 404
    escape = requests.get(f"{server.url}/docs/%2e%2e/%2e%2e/server.db")
    assert escape.status_code == 404 and b"SQLite" not in escape.content


def test_without_a_built_site_docs_says_how_to_build_it(tmp_path, monkeypatch):
    # monkeypatch puts back the module server's KIOSK_SERVER_DOCS_DIR afterwards (the server
    # reads it per request): popping it made the next test see this 404 page
    monkeypatch.setenv("KIOSK_SERVER_DOCS_DIR", str(tmp_path / "nothing"))
    with ServerThread(tmp_path / "server.db", open_ingest=False) as srv:
        answer = requests.get(f"{srv.url}/docs/")
    assert answer.status_code == 404 and "scripts/docs_build.sh" in answer.text
    assert "Content-Security-Policy" in answer.headers


def test_the_manual_renders_in_chromium_without_csp_errors(server):
    from tests.helpers.browser import chromium

    driver = chromium("--window-size=1366,768", "--lang=zh-CN")
    try:
        driver.get(f"{server.url}/docs/console/#service")
        assert "窗口服务" in driver.page_source
        # The inline boot lines ran (allowed by their hash) and so did the theme's bundle (a
        # file): a CSP that blocked either leaves these undefined.
        assert driver.execute_script("return typeof __md_get") == "function"
        assert driver.execute_script("return typeof document$") == "object"
    finally:
        driver.quit()


def test_every_console_nav_page_has_its_own_help_section():
    import importlib

    from server.console import PAGES
    from server.console.templating import NAV

    for name in PAGES:  # each page module adds its nav entry when imported
        importlib.import_module(f"server.console.{name}")
    missing = [item.url for item in NAV if item.url not in HELP_ANCHORS]
    assert not missing, f"add these pages to HELP_ANCHORS (server/console/manual.py): {missing}"
