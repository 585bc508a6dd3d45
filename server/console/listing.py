"""What the paged lists (差评 cases, appeals) share: reading their filters from the query
string (checked: 404 unknown hall, 403 someone else's, 400 a window that is no number or a
damaged page link), the "next page" link, and a CSV of the whole filtered list streamed page
by page (one keyset query per 500 rows, so 40,000 rows never sit in memory at once).
"""
from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import StreamingResponse

from server.console.figure_views import bad_request, window_number
from server.console.scope import User, require_hall
from server.workflow import keyset
from sync.wire import cells

log = logging.getLogger(__name__)

CSV_BATCH = keyset.MAX_PAGE_SIZE


def filters(request: Request, user: User, states: tuple, default_state: str) -> dict:
    """The list's filters from ?hall=&window=&state=&after=&n=, checked against the scope."""
    p = request.query_params
    hall = p.get("hall") or None
    if hall:
        require_hall(user, hall)
    window = p.get("window") or None
    if window is not None:
        window = window_number(request, window)
    state = p.get("state") or default_state
    if state not in states:
        state = default_state
    return {"hall": hall, "window": window, "state": state, "after": p.get("after") or None,
            "size": keyset.page_size(p.get("n"))}


def keep(f: dict, **more) -> dict:
    """The filters a list's links carry on (page size only when not the default)."""
    out = {"hall": f["hall"], "window": f["window"], "state": f["state"], **more}
    if f["size"] != keyset.PAGE_SIZE:
        out["n"] = f["size"]
    return out


def query(values: dict, **changes) -> str:
    """The query string of a list URL: the filters (empty ones left out) with changes."""
    merged = {**values, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def page_or_400(request: Request, read: Callable[[], dict]) -> dict:
    """read() a page; a damaged "next page" cursor is a clear 400, never a 500."""
    try:
        return read()
    except keyset.KeysetError as exc:
        from server.console.templating import tr

        raise bad_request(request, tr(request, exc.msgid)) from None


def csv_stream(pages: Callable[[str | None], dict], headers: list[str],
               row: Callable[[dict], list], filename: str) -> StreamingResponse:
    """The rows of every page (pages(after) -> {"rows", "next"}) as a streamed CSV download:
    UTF-8 with a BOM for Excel, CRLF line ends, formula-safe cells."""
    def lines() -> Iterator[bytes]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headers)
        yield ("\ufeff" + out.getvalue()).encode()
        after = None
        while True:
            page = pages(after)
            out.seek(0)
            out.truncate()
            for item in page["rows"]:
                writer.writerow(cells.row("" if v is None else v for v in row(item)))
            yield out.getvalue().encode()
            after = page["next"]
            if after is None:
                return
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": disposition,
                                      "Cache-Control": "no-store"})
