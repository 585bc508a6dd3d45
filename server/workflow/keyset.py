"""Keyset paging for the console's long lists (差评 cases, appeals): a page is "the next N rows
after this key", never OFFSET, so page 800 costs what page 1 costs and a row inserted or
closed meanwhile neither repeats nor skips a row of the others.

A sort is a tuple of SQL key expressions ending in a unique column (the id), all ascending or
all descending; the cursor in the "next page" link is the last row's key values, packed as
URL-safe base64 of JSON (opaque, never trusted: a bad one is a KeysetError, a 400).
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass

from server.workflow.actors import WorkflowError
from sync.wire.labels import N_

log = logging.getLogger(__name__)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class KeysetError(WorkflowError, ValueError):
    """A "next page" cursor that is not one this server made (edited, cut short)."""


@dataclass(frozen=True)
class Sort:
    keys: tuple[str, ...]       # SQL expressions; the last is unique (an id)
    descending: bool = False

    def order_by(self) -> str:
        way = " DESC" if self.descending else ""
        return ", ".join(f"{k}{way}" for k in self.keys)

    def select(self) -> str:
        """The key expressions as extra columns (the cursor is read from them)."""
        return ", ".join(self.keys)

    def after(self, cursor: str | None) -> tuple[str, list]:
        """The WHERE clause (with a leading AND) for the rows after the cursor."""
        if not cursor:
            return "", []
        values = decode(cursor, len(self.keys))
        return (f" AND ({', '.join(self.keys)}) {'<' if self.descending else '>'} "
                f"({', '.join('?' * len(values))})", values)


def encode(values) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, n: int) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != n or not all(
            isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        raise KeysetError("bad page cursor", N_("This page link is damaged or out of date: "
                                                "start again from the first page."))
    return values


def page_size(value) -> int:
    """?n= of a page: PAGE_SIZE unless a sensible number is given."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return PAGE_SIZE
    return min(max(n, 1), MAX_PAGE_SIZE)


def split(rows: list, size: int, width: int) -> tuple[list, str | None]:
    """rows fetched with LIMIT size + 1, each ending in its `width` key columns: (the page's
    rows without the key columns, the cursor of the next page or None)."""
    more = len(rows) > size
    rows = rows[:size]
    cursor = encode(rows[-1][-width:]) if more and rows else None
    return [r[:-width] for r in rows], cursor
