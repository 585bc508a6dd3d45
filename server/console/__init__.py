"""The supervisors' web console at /console: server-rendered pages over the store, per role.

How to add a page (B, C1, C2 and whoever follows):

1. Write a module here, e.g. server/console/ranking.py, with `router = APIRouter()` and
   routes relative to /console:

       from fastapi import APIRouter, Depends, Request
       from server.console.auth import page_user
       from server.console.scope import User, require_hall, require_role
       from server.console.templating import add_nav, csv_response, render
       from sync.wire.labels import N_

       router = APIRouter()
       add_nav("/console/ranking", N_("Ranking"), {"region_admin", "hall_supervisor"}, 30)

       @router.get("/ranking/{hall_id}")
       def ranking(request: Request, hall_id: str, user: User = Depends(page_user)):
           require_hall(user, hall_id)          # 404 unknown hall, 403 someone else's
           rows = ...                           # query with request.app.state.store
           return render(request, "ranking.html", user, rows=rows)

   Sync `def` routes run in the thread pool (the store is synchronous). page_user gives the
   session User (server/console/scope.py), sends a visitor without a session to the login
   page (401 JSON under /console/api/), and refuses a POST without the session's CSRF token.
2. Add the module's name to PAGES below (one line).
3. Templates go in server/console/templates/: `{% extends "base.html" %}`, fill
   `{% block title %}` and `{% block content %}`; with
   `{% import "macros.html" as m with context %}`, `{{ m.table(headers, rows, csv_url) }}`
   draws a table with a CSV link and `{{ m.csrf_input() }}` goes in every POST form.
   Strings are `{{ _("...") }}` (or `{% trans %}`) with an English msgid; add the Chinese to
   server/locale/zh_CN/LC_MESSAGES/server.po (append). Print-only tweaks:
   `{% block print_css %}` or the `.no-print` / `.print-only` classes.
4. A CSV of any table: `csv_response(rows, headers, "name.csv")` from templating.
5. Record changes with server.db.audit.append(tx, user.actor, "thing.verb", "thing:id", {...})
   in the same transaction as the change.
6. Add the page to scripts/console_screenshots.py's PAGES list and look at the PNGs.
"""
from __future__ import annotations

import importlib
import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from server.console.scope import ConsoleError, LoginRequired
from server.console.templating import HERE, render

log = logging.getLogger(__name__)

PREFIX = "/console"
# Page modules under server/console/, each with a `router`; add yours here.
PAGES = ["auth", "home", "org_pages", "user_pages", "audit_pages", "fleet", "figures", "ranking_pages", "case_pages", "appeal_pages",
         "export_pages", "service_pages",
         "assess_pages", "assess_print", "assess_scheme_pages",
         "inspection_pages"]

ERROR_TITLES = {403: "Not allowed", 404: "Not found", 400: "Bad request"}


def mount(app: FastAPI) -> None:
    """Add the console's routes, static files and error pages to the app."""
    for name in PAGES:
        module = importlib.import_module(f"server.console.{name}")
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(HERE / "static")),
              name="console-static")
    from server.console import manual

    manual.mount(app)  # the manuals at /docs/, each console page's 帮助 link goes there

    @app.exception_handler(ConsoleError)
    async def _console_error(request: Request, exc: ConsoleError):
        api = request.url.path.startswith(f"{PREFIX}/api/")
        if isinstance(exc, LoginRequired):
            if api:
                return JSONResponse({"error": "login required"}, status_code=401)
            from server.console.auth import login_redirect
            return login_redirect(request)
        if exc.status_code in (302, 303) and exc.headers and "Location" in exc.headers:
            return RedirectResponse(exc.headers["Location"], exc.status_code)
        if api:
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        # The error page shows the status and a way back; never figures or whose hall it was.
        # The nav stays when there is a session, so a 403 or 404 is not a dead end.
        from server.console.auth import session_user
        from server.console.templating import tr

        try:
            user = await session_user(request)
        except Exception:  # noqa: BLE001 - the error page must render whatever happened
            user = None
        return render(request, "error.html", user, status_code=exc.status_code,
                      status=exc.status_code, message=tr(request, str(exc.detail)))
