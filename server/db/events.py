"""Service events on the server (issue 27): stored once per (device, uuid), clock-corrected as
ratings are, hall and window the enrolled device's. Queries written once for both stores.

The table is server/db/event_tables.py's; what facts are derived from it is another module's.
An upload is one set insert (executemany on SQLite, one JSON-array INSERT on PostgreSQL, rows
in uuid order there so that two uploads of the same events cannot deadlock); a row that did
not land was already stored (the only unique key is (device_id, uuid)): a duplicate.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from functools import partial
from itertools import repeat
from operator import attrgetter
from uuid import UUID

from pydantic import TypeAdapter

from server.db.base import utc_iso
from server.db.clock_fix import DeviceClock, correct, same_boot_age
from server.db.rating_rows import LATEST, iso, utc_texts
from server.db.ratings import Accepted
from sync.wire.event_check import OPTIONAL

log = logging.getLogger(__name__)

COLUMNS = ("device_id", "uuid", "kind", "hall", "window", "staff_id", "ticket", "case_key",
           "case_id", "reason", "cause", "at", "corrected_at", "time_trusted", "boot_id",
           "mono_s", "received_at")
COLUMN_SQL = ", ".join(f'"{c}"' for c in COLUMNS)
INSERT_SQL = (f"INSERT INTO service_events ({COLUMN_SQL}) VALUES "
              f"({', '.join('?' * len(COLUMNS))}) ON CONFLICT DO NOTHING")
PG_TYPES = ("text", "text", "text", "text", "integer", "text", "text", "text", "text", "text",
            "text", "text", "text", "smallint", "text", "float8", "text")
PG_INSERT_SQL = (f"INSERT INTO service_events ({COLUMN_SQL}) SELECT "
                 + ", ".join(f"(r->>{i})::{t}" for i, t in enumerate(PG_TYPES))
                 + " FROM jsonb_array_elements(?::jsonb) AS r"
                 + " ON CONFLICT DO NOTHING RETURNING device_id, uuid")
_UUIDS = TypeAdapter(list[UUID])


def _result(uuid: str, status: str, reason: str | None = None) -> dict:
    return {"uuid": uuid, "status": status, "reason": reason}


def build(events: list, hall: str, clock: DeviceClock, now: datetime
          ) -> tuple[list[list], list[int], list[tuple[int, str, str]]]:
    """(rows in COLUMNS order, the index in `events` of each row, and (index, uuid, reason)
    of each event refused because its time leaves the calendar once corrected). The time is
    corrected exactly as a rating's (server/db/clock_fix.py, server/db/rating_rows.py)."""
    n = len(events)
    received_at = utc_iso(now)
    now_naive = now.astimezone(timezone.utc).replace(tzinfo=None)
    uuids = _UUIDS.dump_python([e.uuid for e in events], mode="json")
    ats = utc_texts([e.at for e in events])
    ages = [same_boot_age(e.boot_id, e.mono_s, clock) for e in events]
    if None not in ages:  # the usual upload: every event from the boot that sends it
        # now - timedelta(seconds=age) for each, in C: timedelta(0, age) is the same value
        corrected = utc_texts(list(map(now_naive.__sub__, map(timedelta, repeat(0), ages))))
        trusted = [1] * n
    else:
        corrected, trusted = _corrected(events, ages, clock, now, now_naive)
    where = [i for i in range(n) if ats[i].__class__ is str
             and corrected[i].__class__ is str and corrected[i] < LATEST]
    refused = []
    if len(where) < n:  # a time off the calendar: that event only is refused
        kept = set(where)
        for i in range(n):
            if i in kept:
                continue
            fixed = corrected[i]
            if fixed.__class__ is str:  # in the calendar's last year
                fixed = f"{fixed} is in the calendar's last year; the kiosk's clock is wrong"
            why = ats[i] if ats[i].__class__ is not str else fixed
            refused.append((i, uuids[i], f"at out of range: {why}"[:200]))
    if len(where) < n:
        events, uuids, ats, corrected, trusted = ([column[i] for i in where] for column in
                                                   (events, uuids, ats, corrected, trusted))
    column = partial(_column, events)  # each column read in C, rows zipped in COLUMNS order
    rows = list(zip(column("device_id"), uuids, column("kind"), repeat(hall),
                    column("window"), *map(column, OPTIONAL), ats, corrected, trusted,
                    column("boot_id"), map(float, column("mono_s")), repeat(received_at)))
    return rows, where, refused


def _column(events: list, name: str):
    return map(attrgetter(name), events)


def _corrected(events: list, ages: list, clock: DeviceClock, now: datetime,
               now_naive: datetime) -> tuple[list, list[int]]:
    """build()'s corrected times (text, or the error of one off the calendar) and trust
    flags when some events come from another boot or carry no monotonic clock."""
    n = len(events)
    corrected: list = [None] * n
    trusted = [0] * n
    same = [i for i in range(n) if ages[i] is not None]
    for i, text in zip(same, utc_texts([now_naive - timedelta(seconds=ages[i]) for i in same])):
        corrected[i], trusted[i] = text, 1
    for i, e in enumerate(events):
        if ages[i] is not None:
            continue
        aware, good = correct(e.at, e.boot_id, e.mono_s, clock, now)
        try:  # another boot, or no monotonic clock: as correct() decides
            corrected[i], trusted[i] = iso(aware), int(good)
        except (OverflowError, ValueError) as exc:
            corrected[i] = exc
    return corrected, trusted


def ingest_events(store, events: list, hall: str, clock: DeviceClock | None = None,
              now: datetime | None = None) -> list[dict] | Accepted:
    """Store validated events (EventWire) in one transaction of `store` (either kind),
    idempotent per (device, uuid); one result {uuid, status, reason} per event, in order
    (Accepted when every event was new). hall: the enrolled device's."""
    now = now or datetime.now(timezone.utc)
    clock = clock or DeviceClock(None, None, None)
    results: list = [None] * len(events)
    rows, where, refused = build(events, hall, clock, now)
    for i, uuid, reason in refused:
        results[i] = _result(uuid, "rejected", reason)
    if store.kind == "postgresql":
        pairs = sorted(zip(rows, where), key=lambda p: (p[0][0], p[0][1]))
        rows, where = [p[0] for p in pairs], [p[1] for p in pairs]
    landed = store.write_grouped(lambda tx: _insert(store, tx, rows)) if rows else None
    if landed is None and not refused:
        uuids: list = [None] * len(rows)
        for i, row in zip(where, rows):
            uuids[i] = row[1]
        return Accepted(uuids)
    for i, row in zip(where, rows):
        key = (row[0], row[1])
        if landed is None or key in landed:
            results[i] = _result(row[1], "accepted")
            if landed is not None:
                landed.discard(key)  # a second copy in the batch is a duplicate
        else:
            results[i] = _result(row[1], "duplicate")
    log.info("ingested %d events: %d accepted", len(results),
             sum(r["status"] == "accepted" for r in results))
    return results


def _insert(store, tx, rows: list[list]) -> set[tuple[str, str]] | None:
    """Insert every row not stored yet; the (device_id, uuid) that landed, or None when
    every row did."""
    if store.kind == "postgresql":
        landed = tx.all(PG_INSERT_SQL, [json.dumps(rows)])
        return None if len(landed) == len(rows) else {tuple(r) for r in landed}
    before = tx.one("SELECT coalesce(max(rowid), 0) FROM service_events")[0]
    if tx.cursor.executemany(INSERT_SQL, rows).rowcount == len(rows):
        return None
    return set(tx.all("SELECT device_id, uuid FROM service_events WHERE rowid > ?",
                      [before]))


def list_events(store, device_id: str | None = None, limit: int = 1000) -> list[dict]:
    """Stored events (oldest corrected time first), for tests and tools."""
    sql, params = f"SELECT {COLUMN_SQL} FROM service_events", []
    if device_id is not None:
        sql, params = sql + " WHERE device_id = ?", [device_id]
    with store.transaction(write=False) as tx:
        rows = tx.all(sql + " ORDER BY corrected_at, uuid LIMIT ?", [*params, limit])
    return [dict(zip(COLUMNS, r)) for r in rows]
