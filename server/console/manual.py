"""The manuals at /docs/ (issue 31): the site scripts/docs_build.sh builds from docs/ into
server/console/manual/ (shipped in the package; KIOSK_SERVER_DOCS_DIR points elsewhere), served
to console users because the hall network often reaches nothing else.

Chosen: no login (the manuals are not secret; the login page links to them too), but the
console's security headers, with the CSP's script-src widened only by the sha256 of each inline
script the built site holds (MkDocs Material's few boot lines), read once per build. Until the
site is built, /docs/ answers 404 with a page naming the command that builds it.

Each console page links to its section of the console manual: help_url(path) maps the page's
path to an anchor of docs/console.md (tests/test_docs_site.py checks every anchor exists).
"""
from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
import re
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from server.console.templating import CSP, SECURITY_HEADERS

HERE = Path(__file__).resolve().parent
PREFIX = "/docs"
# Console path prefix -> anchor in the console manual; the longest matching prefix wins.
HELP_ANCHORS = {
    "/console/login": "login", "/console/password": "password", "/console/org": "org",
    "/console/users": "users", "/console/audit": "audit", "/console/fleet": "fleet",
    "/console/figures": "figures", "/console/ranking": "ranking", "/console/cases": "cases",
    "/console/appeals": "appeals-page", "/console/export": "export",
    "/console/service": "service", "/console/": "home",
    "/console/assess": "assess", "/console/assess/scheme": "assess-scheme",
    "/console/inspections": "inspections",
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S)
NOT_BUILT = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>手册尚未生成</title>
<h1>手册尚未生成 / The manuals are not built</h1>
<p>在服务器上运行 <code>scripts/docs_build.sh</code>（源码目录中），然后刷新本页。</p>
<p>Run <code>scripts/docs_build.sh</code> in the source tree on this server, then reload.</p>
<p><a href="/console/">返回管理后台 / Back to the console</a></p></html>"""

router = APIRouter()
_csp_cache: dict[tuple[str, float], str] = {}


def help_url(path: str) -> str:
    """The console manual's section for a console page path."""
    for prefix in sorted(HELP_ANCHORS, key=len, reverse=True):
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return f"{PREFIX}/console/#{HELP_ANCHORS[prefix]}"
    return f"{PREFIX}/console/"


def site_dir() -> Path:
    return Path(os.environ.get("KIOSK_SERVER_DOCS_DIR") or HERE / "manual")


def site_csp(site: Path) -> str:
    """The console's CSP, its script-src allowing the built site's inline scripts by hash."""
    index = site / "index.html"
    key = (str(site), index.stat().st_mtime)
    if key not in _csp_cache:
        hashes = set()
        for page in site.rglob("*.html"):
            for attrs, body in INLINE_SCRIPT.findall(page.read_text(encoding="utf-8")):
                if "application/json" not in attrs:
                    digest = hashlib.sha256(body.encode("utf-8")).digest()
                    hashes.add(f"'sha256-{base64.b64encode(digest).decode()}'")
        extra = " ".join(sorted(hashes))
        _csp_cache.clear()
        _csp_cache[key] = CSP.replace("script-src 'self'", f"script-src 'self' {extra}".strip())
    return _csp_cache[key]


def _headers(csp: str) -> dict:
    headers = dict(SECURITY_HEADERS, **{"Content-Security-Policy": csp})
    headers["Cache-Control"] = "no-cache"
    return headers


@router.get(PREFIX, include_in_schema=False)
def docs_root() -> Response:
    return RedirectResponse(f"{PREFIX}/", status_code=307)


@router.get(PREFIX + "/{path:path}", include_in_schema=False)
def docs_file(path: str) -> Response:
    site = site_dir().resolve()
    if not (site / "index.html").is_file():
        return HTMLResponse(NOT_BUILT, status_code=404, headers=_headers(CSP))
    csp = site_csp(site)
    target = (site / path).resolve()
    if not target.is_relative_to(site):  # ../ out of the site: nothing outside is served
        return FileResponse(site / "404.html", status_code=404, media_type="text/html",
                            headers=_headers(csp))
    if target.is_dir():
        if not path.endswith("/") and path:
            return RedirectResponse(f"{PREFIX}/{path}/", status_code=307)
        target = target / "index.html"
    status = 200
    if not target.is_file():
        target, status = site / "404.html", 404
    media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, status_code=status, media_type=media, headers=_headers(csp))


def mount(app: FastAPI) -> None:
    app.include_router(router)
