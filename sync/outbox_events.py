"""Service events in the kiosk's outbox (issue 27): staff in/out, calls, completions, pauses,
the queue link and the app, each committed before the kiosk acts on it and uploaded exactly
once, after the ratings (sync/uploader.py), to EVENTS_PATH.

record_event(kind, **fields) is the one way in. The flow binds the store to its device and
window once (bind_device); the wall clock, boot id and seconds since boot are taken here, as a
rating's are, so the server corrects a Pi's clock the same way. Nothing about a citizen and no
level: the fields a kind may carry are sync/wire/event_check.py's KIND_FIELDS, and anything
else is refused (ValueError) before it is written.
"""
from __future__ import annotations

import logging
import uuid as uuidlib

from sync import clocks
from sync.clocks import utc_now
from sync.wire.event_check import event_errors, kind_errors, to_event_wire

log = logging.getLogger(__name__)

EVENTS_TABLE = """
    CREATE TABLE events (
        uuid TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        device_id TEXT NOT NULL,
        "window" INTEGER NOT NULL,
        at TEXT NOT NULL,
        boot_id TEXT NOT NULL DEFAULT '',
        mono_s REAL NOT NULL DEFAULT 0,
        staff_id TEXT,
        ticket TEXT,
        case_key TEXT,
        case_id TEXT,
        reason TEXT,
        cause TEXT,
        sync_state TEXT NOT NULL DEFAULT 'pending',
        synced_at TEXT,
        sync_error TEXT
    );
    CREATE INDEX events_sync ON events (sync_state, at)
    """
COLUMNS = ("uuid", "kind", "device_id", "window", "at", "boot_id", "mono_s", "staff_id",
           "ticket", "case_key", "case_id", "reason", "cause", "sync_state")
_QUOTED = ", ".join(f'"{c}"' for c in COLUMNS)
_INSERT = f"INSERT INTO events ({_QUOTED}) VALUES ({', '.join('?' * len(COLUMNS))})"
_PENDING, _SYNCED, _REJECTED = "pending", "synced", "rejected"


class EventsMixin:
    """Needs self.db (sync/outbox.py Db) from the Store."""

    event_device: str | None = None
    event_window: int | None = None
    # The clocks stamped on what the outbox records (sync/clocks.py stamp); tests replace it
    # on the instance to lay out a working day (tests/test_service_day.py).
    stamp = staticmethod(clocks.stamp)

    def bind_device(self, device_id: str, window: int) -> None:
        """Whose events record_event() writes (the flow calls it with its own)."""
        self.event_device, self.event_window = device_id, window

    def record_event(self, kind: str, **fields) -> dict:
        """Commit one service event durably and return its row; act on it only after.

        kind: one of sync/wire/event_check.py KINDS; fields: those the kind carries
        (staff_id, cause, ticket, case_key, case_id, reason). device_id, window, at, boot_id
        and mono_s default to the bound device and the clocks now. ValueError for anything
        the server would refuse (an unknown kind, a field the kind does not carry)."""
        at, boot, mono = self.stamp()
        row = {"uuid": str(uuidlib.uuid4()), "kind": kind, "device_id": self.event_device,
               "window": self.event_window, "at": at, "boot_id": boot, "mono_s": mono,
               "staff_id": None, "ticket": None, "case_key": None,
               "case_id": None, "reason": None, "cause": None}
        unknown = set(fields) - set(row)
        if unknown:
            raise ValueError(f"{kind} event: unknown field(s) {', '.join(sorted(unknown))}")
        row.update(fields)
        errors = event_errors(to_event_wire(row)) + kind_errors(kind, row)
        if errors:
            raise ValueError(f"{kind} event refused: {'; '.join(errors)}")
        row["sync_state"] = _PENDING
        with self.db.conn:
            self.db.conn.execute(_INSERT, [row[c] for c in COLUMNS])
        log.info("recorded event %s %s", kind, row["uuid"])
        return row

    def pending_events(self, limit: int) -> list[dict]:
        """The oldest events not yet acknowledged by the server."""
        return list(self.db.query("SELECT * FROM events WHERE sync_state = ? "
                                  "ORDER BY at, rowid LIMIT ?", [_PENDING, limit]))

    def mark_events_synced(self, uuids: list[str]) -> None:
        self._mark_events(uuids, _SYNCED, None)

    def mark_event_rejected(self, uuid: str, reason: str) -> None:
        """Keep an event the server refused, out of the upload queue, with the reason."""
        self._mark_events([uuid], _REJECTED, reason)

    def _mark_events(self, uuids: list[str], state: str, error: str | None) -> None:
        if not uuids:
            return
        marks = ",".join("?" * len(uuids))
        with self.db.conn:
            self.db.execute(f"UPDATE events SET sync_state = ?, synced_at = ?, sync_error = ? "
                            f"WHERE uuid IN ({marks})", [state, utc_now(), error, *uuids])

    def events_backlog(self) -> int:
        return self.db.execute("SELECT count(*) FROM events WHERE sync_state = ?",
                               [_PENDING]).fetchone()[0]

    def events_rejected(self) -> int:
        return self.db.execute("SELECT count(*) FROM events WHERE sync_state = ?",
                               [_REJECTED]).fetchone()[0]

    def all_events(self) -> list[dict]:
        return list(self.db.query("SELECT * FROM events ORDER BY rowid"))

    def purge_synced_events(self, before: str, limit: int = 1000) -> int:
        """Delete up to limit synced events recorded before `before` (UTC ISO), oldest first;
        pending and rejected events are never touched. Returns how many went."""
        with self.db.conn:
            cursor = self.db.conn.execute(
                "DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE "
                "sync_state = ? AND at < ? ORDER BY at, rowid LIMIT ?)",
                [_SYNCED, before, limit])
        return cursor.rowcount
