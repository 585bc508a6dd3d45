"""Rating queries shared by both stores: idempotent ingest, one counted rating per case, listing.

一次一评 on the server: the first rating of a case (device + case key) counts; a later one
from the other channel (kiosk vs phone) is kept with superseded = 1 so nothing a citizen said
is lost, but reports count only superseded = 0. A kiosk "not rated" (level 0, the screen
timed out) does not hold the case against a real answer: a phone rating after it takes the
case and the level-0 row becomes the superseded one.

A partial unique index on (device_id, case_key) WHERE superseded = 0 enforces this in the
database, so it also holds with several server processes on one PostgreSQL.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from server.db.base import utc_iso
from server.db.clock_fix import DeviceClock, correct
from sync.wire import ItemResult, RatingWire

log = logging.getLogger(__name__)

COLUMNS = ("uuid", "level", "reasons", "window", "staff_id", "ticket", "case_id", "item_code",
           "device_id", "rated_at", "boot_id", "mono_s", "received_at", "corrected_at",
           "time_trusted", "case_key", "source", "superseded")
# "window" is a reserved word in PostgreSQL (and a keyword in SQLite): always quote columns.
COLUMN_SQL = ", ".join(f'"{c}"' for c in COLUMNS)
INSERT_SQL = (f"INSERT INTO ratings ({COLUMN_SQL}) VALUES ({', '.join('?' * len(COLUMNS))}) "
              f"ON CONFLICT DO NOTHING")
# Halls are in China (UTC+8 all year): the local date a kiosk's case key starts with.
HALL_TZ = timezone(timedelta(hours=8))


def case_key_for(rating: RatingWire, corrected_at: datetime) -> str:
    """The kiosk's own key when it sent one, else the same shape (kiosk/flow.py _case_key)."""
    if rating.case_key:
        return rating.case_key
    day = corrected_at.astimezone(HALL_TZ).date().isoformat()
    return f"{day}/{rating.window}/{rating.ticket}/{rating.case_id or ''}"


def _decode(row: tuple) -> dict:
    out = dict(zip(COLUMNS, row))
    out["reasons"] = json.loads(out["reasons"])
    out["time_trusted"] = bool(out["time_trusted"])
    out["superseded"] = bool(out["superseded"])
    return out


@dataclass
class IngestChanges:
    """What one ingest transaction changed in the counted set, for the hooks that follow it.

    counted: rows (dicts of COLUMNS) that now count for their case (superseded = 0);
    uncounted: rows that stopped counting (a level-0 record a real rating took over from).
    Superseded and duplicate uploads change nothing that counts, so they are in neither.
    """

    counted: list[dict] = field(default_factory=list)
    uncounted: list[dict] = field(default_factory=list)


# A hook runs inside the ingest transaction, after the rows are written: what it writes
# commits or rolls back with the ratings (roll-ups, 差评 cases, alert and export outboxes).
IngestHook = Callable[[Any, IngestChanges], None]


class RatingsMixin:
    """Needs self.transaction() from the concrete store.

    self.ingest_hooks: callables (tx, IngestChanges) run in the same transaction as ingest;
    server/wiring.py attaches the product's hooks to every store the server opens.
    """

    ingest_hooks: list[IngestHook]

    def ingest(self, ratings: list[RatingWire], clock: DeviceClock | None = None,
               source: str = "kiosk", now: datetime | None = None) -> list[ItemResult]:
        """Store ratings in one transaction, idempotent by uuid; one result per rating, in
        order. Rows are written in uuid order so that concurrent overlapping batches on
        PostgreSQL always take their row locks in the same order (no deadlock)."""
        now = now or datetime.now(timezone.utc)
        clock = clock or DeviceClock(None, None, None)
        received_at = utc_iso(now)
        order = sorted(range(len(ratings)), key=lambda i: str(ratings[i].uuid))
        results: list[ItemResult | None] = [None] * len(ratings)
        changes = IngestChanges()
        with self.transaction() as tx:
            for i in order:
                results[i] = self._ingest_one(tx, ratings[i], clock, source, now, received_at,
                                              changes)
            for hook in getattr(self, "ingest_hooks", ()):
                hook(tx, changes)
        accepted = sum(r.status == "accepted" for r in results)
        log.info("ingested %d ratings: %d accepted, %d duplicate", len(results), accepted,
                 len(results) - accepted)
        return results

    def _ingest_one(self, tx, rating: RatingWire, clock: DeviceClock, source: str,
                    now: datetime, received_at: str, changes: IngestChanges) -> ItemResult:
        uuid = str(rating.uuid)
        corrected, trusted = correct(rating.rated_at, rating.boot_id, float(rating.mono_s),
                                     clock, now)
        key = case_key_for(rating, corrected)
        row = [uuid, rating.level, json.dumps(list(rating.reasons)), rating.window,
               rating.staff_id, rating.ticket, rating.case_id, rating.item_code,
               rating.device_id, utc_iso(rating.rated_at), rating.boot_id,
               float(rating.mono_s), received_at, utc_iso(corrected), int(trusted), key,
               source, 0]
        if tx.q(INSERT_SQL, row).rowcount == 1:
            changes.counted.append(dict(zip(COLUMNS, row)))
            return ItemResult(uuid=uuid, status="accepted")
        if tx.one("SELECT 1 FROM ratings WHERE uuid = ?", [uuid]) is not None:
            return ItemResult(uuid=uuid, status="duplicate")
        # The case is already rated: by the other channel, or a level-0 timeout, or a
        # 系统默认评价 (server/workflow/defaults.py) that any real rating replaces.
        if rating.level > 0:
            taken = tx.all(f"UPDATE ratings SET superseded = 1 WHERE device_id = ? AND "
                           f"case_key = ? AND superseded = 0 AND (level = 0 OR "
                           f"source = 'default') "
                           f"RETURNING {COLUMN_SQL}", [rating.device_id, key])
            if taken and tx.q(INSERT_SQL, row).rowcount == 1:
                changes.uncounted += [dict(zip(COLUMNS, r)) for r in taken]
                changes.counted.append(dict(zip(COLUMNS, row)))
                return ItemResult(uuid=uuid, status="accepted",
                                  reason="took the case from a not-rated (level 0) record")
        row[-1] = 1
        if tx.q(INSERT_SQL, row).rowcount == 1:
            return ItemResult(uuid=uuid, status="accepted",
                              reason="superseded: this case was already rated")
        return ItemResult(uuid=uuid, status="duplicate")

    def case_rating(self, device_id: str, case_key: str) -> dict | None:
        """The rating that counts for a case, or None."""
        with self.transaction(write=False) as tx:
            row = tx.one(f"SELECT {COLUMN_SQL} FROM ratings WHERE device_id = ? AND "
                         f"case_key = ? AND superseded = 0", [device_id, case_key])
        return _decode(row) if row else None

    def get_rating(self, uuid: str) -> dict | None:
        with self.transaction(write=False) as tx:
            row = tx.one(f"SELECT {COLUMN_SQL} FROM ratings WHERE uuid = ?", [uuid])
        return _decode(row) if row else None

    def list_ratings(self, limit: int, offset: int, device_id: str | None = None,
                     window: int | None = None) -> tuple[list[dict], int]:
        where, params = [], []
        if device_id is not None:
            where.append("device_id = ?")
            params.append(device_id)
        if window is not None:
            where.append('"window" = ?')
            params.append(window)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self.transaction(write=False) as tx:
            total = tx.one(f"SELECT count(*) FROM ratings{clause}", params)[0]
            rows = tx.all(f"SELECT {COLUMN_SQL} FROM ratings{clause} "
                          f"ORDER BY rated_at, uuid LIMIT ? OFFSET ?", [*params, limit, offset])
        return [_decode(r) for r in rows], total

    def count(self) -> int:
        with self.transaction(write=False) as tx:
            return tx.one("SELECT count(*) FROM ratings")[0]
