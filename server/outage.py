"""The database is away: 503 with Retry-After, never a 500.

When PostgreSQL stops (or restarts, or refuses connections) or the SQLite file is locked or
unreadable, every route that touches the store raises the driver's error. install() adds
one app-level handler for those errors (server.db.base.unavailable() tells them from bugs,
which still get the 500 handler): the API and the kiosks get
503 {"error": "database unavailable"} with Retry-After, so a kiosk keeps its ratings and
sends them again (nothing was acknowledged, nothing is lost or stored twice); a person on
the console or a phone page gets a plain page saying so, Chinese first, that needs neither
the database nor a session to render. Nothing is kept: the first request after the database
is back works (PostgresStore reconnects on the next call).
"""
from __future__ import annotations

import html
import logging
import sqlite3

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from server.db.base import unavailable
from server.edge import redact_path
from server.i18n import gettext_for
from sync.wire.labels import N_

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5
TITLE = N_("Database unavailable")
TEXT = N_("The server cannot reach its database just now, so nothing was saved. Please try "
          "again in a moment.")
HTML_PREFIXES = ("/console", "/r/")


def page() -> str:
    """The plain page: Chinese, then English; no template, no database, no session."""
    parts = []
    for lang in ("zh_CN", "en"):
        _ = gettext_for(lang)
        tag = "zh-CN" if lang == "zh_CN" else "en"
        parts.append(f'<section lang="{tag}"><h1>{html.escape(_(TITLE))}</h1>'
                     f"<p>{html.escape(_(TEXT))}</p></section>")
    title = " / ".join(html.escape(gettext_for(lang)(TITLE)) for lang in ("zh_CN", "en"))
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta '
            f'name="viewport" content="width=device-width, initial-scale=1"><title>{title}'
            f"</title></head><body>{''.join(parts)}</body></html>")


def response(request: Request):
    headers = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}
    path = request.url.path
    if path.startswith(HTML_PREFIXES) and not path.startswith("/console/api/"):
        return HTMLResponse(page(), status_code=503, headers=headers)
    return JSONResponse({"error": "database unavailable"}, status_code=503, headers=headers)


def install(app: FastAPI) -> None:
    """Answer the store's "away" errors with 503 (any other error goes on to the 500s)."""
    # RuntimeError: a group commit's "the write transaction failed", caused by the store.
    classes: list[type] = [sqlite3.Error, RuntimeError]
    try:
        import psycopg
        classes.append(psycopg.Error)
    except ImportError:  # a SQLite-only install
        pass

    async def _away(request: Request, exc: Exception):
        if not unavailable(exc):
            raise exc
        log.warning("database unavailable on %s %s: %s: %s", request.method,
                    redact_path(request.url.path), type(exc).__name__, str(exc)[:200])
        return response(request)

    for cls in classes:
        app.add_exception_handler(cls, _away)
