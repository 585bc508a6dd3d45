"""Rendering console pages: one Jinja2 environment, gettext per request, the nav, CSV answers.

Templates live in server/console/templates/ (base.html gives the nav, language switch and
print stylesheet; macros.html the table macro). `render(request, "x.html", user, **ctx)`
picks the language (?lang= sets a cookie; else the cookie; else zh_CN), installs the
catalog's gettext for that render only (the environment is shared between threads, so the
callables go in the render context, not in env globals) and answers HTML.
"""
from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2.ext import _make_new_gettext, _make_new_ngettext  # the i18n extension's own
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from server.i18n import ALIASES, DEFAULT_LANGUAGE, LANGUAGES, level_label, reason_label, \
    translations
from sync.wire import cells

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TEMPLATE_DIRS = [HERE / "templates"]
LANG_COOKIE = "console_lang"
# Console pages run only their own files: no inline script, style element or style attribute,
# no eval, no other origin; nothing may frame them and forms post only here. Scripts and
# charts data come as files and <script type="application/json"> blocks (data, not code).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY",
                    "Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff",
                    "Cross-Origin-Opener-Policy": "same-origin",
                    "Permissions-Policy": "camera=(), microphone=(), geolocation=()"}

env = Environment(loader=FileSystemLoader([str(d) for d in TEMPLATE_DIRS]),
                  autoescape=select_autoescape(["html"]), extensions=["jinja2.ext.i18n"],
                  trim_blocks=True, lstrip_blocks=True)
env.newstyle_gettext = True  # {% trans %} and _() both format with %(name)s, autoescaped


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str            # English msgid, marked with N_ where it is defined
    roles: frozenset      # roles that see the entry
    order: int = 50


NAV: list[NavItem] = []


def add_nav(url: str, label: str, roles, order: int = 50) -> None:
    """Put a page in the top navigation for the given roles (once per url)."""
    if all(item.url != url for item in NAV):
        NAV.append(NavItem(url, label, frozenset(roles), order))
        NAV.sort(key=lambda item: (item.order, item.url))


def language(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or ""
    asked = ALIASES.get(asked, asked)
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def help_url(path: str) -> str:
    from server.console.manual import help_url as manual_help  # the manual imports this module

    return manual_help(path)


def page_context(request: Request, user, lang: str) -> dict:
    t = translations(lang)
    gettext = _make_new_gettext(t.gettext)
    return {
        "request": request, "user": user, "lang": lang,
        "gettext": gettext, "_": gettext, "ngettext": _make_new_ngettext(t.ngettext),
        "level_label": lambda level: level_label(level, lang),
        "reason_label": lambda code: reason_label(code, lang),
        "nav": [item for item in NAV if user is not None and user.role in item.roles],
        "csrf": getattr(user, "csrf", None),
        "path": request.url.path,
        "help_url": help_url(request.url.path),
    }


def render(request: Request, template: str, user=None, status_code: int = 200,
           headers: dict | None = None, **context) -> HTMLResponse:
    """An HTML page; user None for pages before login (the login form)."""
    lang = language(request)
    ctx = page_context(request, user, lang)
    ctx.update(context)
    body = env.get_template(template).render(ctx)
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    response.headers.setdefault("Cache-Control", "no-store")
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/console",
                            samesite="strict", httponly=True,
                            secure=request.url.scheme == "https")
    return response


def tr(request: Request, message: str, **params) -> str:
    """A Python-side string (an N_-marked msgid) in the request's language, formatted."""
    text = translations(language(request)).gettext(message)
    return text.format(**params) if params else text


def csv_response(rows, headers: list[str], filename: str) -> Response:
    """rows (lists or dicts keyed by headers) as a CSV download: UTF-8 with a BOM so Excel
    shows Chinese right, CRLF line ends, the file name in ASCII and RFC 5987 forms. Every
    cell goes through sync.wire.cells.cell(): no text from the data opens as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(cells.row(headers))
    for row in rows:
        writer.writerow(cells.row([row.get(h, "") for h in headers] if isinstance(row, dict)
                                  else row))
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})
