"""The durable delivery outbox: alerts and provincial exports written with their rating, sent later.

Rows are inserted by ingest hooks INSIDE the rating's transaction (so a rating and the
promise to tell someone about it commit together), and sent by a worker that claims each
row with a conditional UPDATE, a few rows at a time (no more than one lease can send): two
server processes on one PostgreSQL never claim the same row, and a row marked sent is never claimed
again, across restarts. Every send ends (signing.Deadline cuts it) lease_margin() before
its lease runs out, so no worker takes a row over while its first send may still be on the
wire. A row whose sender died mid-send (claimed, never marked) is claimed again once its
lease runs out; the receiver sees the same idempotency key (the row id) both times.

States: pending → sending (claimed, lease running) → sent | pending again with back-off |
failed (gave up after max attempts; `retry` makes it pending) | cancelled (the rating
stopped counting before it was sent). The tables also hold where things go: alert channels
per hall and export targets, with their secrets (never logged, never listed).
"""
from __future__ import annotations

import hashlib
import logging
import os
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from server.db.base import parse_iso, utc_iso

log = logging.getLogger(__name__)

# Same SQL on both stores; one migration step in server/db/sqlite.py and server/db/postgres.py.
OUTBOX_TABLES = """
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        device_id TEXT NOT NULL,
        rating_uuid TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at TEXT NOT NULL,
        claimed_by TEXT,
        claimed_until TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE INDEX outbox_due ON outbox (kind, state, next_at);
    CREATE INDEX outbox_rating ON outbox (device_id, rating_uuid);
    CREATE INDEX outbox_target ON outbox (kind, target, state);
    CREATE TABLE alert_channels (
        hall TEXT NOT NULL,
        channel TEXT NOT NULL,
        config TEXT NOT NULL,
        secret TEXT NOT NULL DEFAULT '',
        enabled INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (hall, channel)
    );
    CREATE TABLE export_targets (
        name TEXT PRIMARY KEY,
        mapping TEXT NOT NULL,
        url TEXT NOT NULL,
        secret TEXT NOT NULL DEFAULT '',
        region TEXT NOT NULL DEFAULT '',
        enabled INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL
    )
"""

# Migration step 2: the case each item is about, so 评价次数 (how many records of the same
# case a target already has) is one index lookup instead of a join over everything sent.
OUTBOX_CASE_KEY = """
    ALTER TABLE outbox ADD COLUMN case_key TEXT;
    CREATE INDEX outbox_case ON outbox (kind, target, device_id, case_key)
"""

COLUMNS = ("id", "kind", "target", "device_id", "rating_uuid", "payload", "state", "attempts",
           "next_at", "claimed_by", "claimed_until", "last_error", "created_at", "sent_at",
           "case_key")
COLUMN_SQL = ", ".join(COLUMNS)
INSERT_SQL = (f"INSERT INTO outbox ({COLUMN_SQL}) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, "
              f"NULL, NULL, NULL, ?, NULL, ?) ON CONFLICT DO NOTHING")
BACKOFF_ENV = "KIOSK_SERVER_DELIVERY_BACKOFF_S"   # first retry delay (doubles each time)
MAX_BACKOFF_S = 3600.0
MAX_ATTEMPTS = 48          # at the 1 h cap that is about two days of trying, then `failed`
LEASE_S = 120.0            # a claim older than this was a sender that died: claim again
LEASE_ENV = "KIOSK_SERVER_DELIVERY_LEASE_S"
TIMEOUT_ENV = "KIOSK_SERVER_DELIVERY_TIMEOUT_S"   # one send, all of it (default 10 s)


class DeliveryError(Exception):
    """A send that did not work and should be tried again later (the message is listed)."""


class Cancelled(Exception):
    """An item that must not be sent any more (its rating stopped counting)."""


def item_id(kind: str, target: str, device_id: str, rating_uuid: str) -> str:
    """The row id and the idempotency key the receiver sees: the same rating, kind and target
    always give the same id, so enqueueing twice is a no-op and a resend is recognisable."""
    text = f"{kind}/{target}/{device_id}/{rating_uuid}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def enqueue(tx, kind: str, target: str, device_id: str, rating_uuid: str, payload: str,
            now: datetime | None = None, case_key: str | None = None) -> bool:
    """Add one item in the caller's transaction; False when it was already there."""
    at = utc_iso(now)
    return tx.q(INSERT_SQL, [item_id(kind, target, device_id, rating_uuid), kind, target,
                             device_id, rating_uuid, payload, at, at, case_key]).rowcount == 1


def enqueue_many(tx, kind: str, items: list[tuple[str, str, str, str, str | None]],
                 now: datetime | None = None) -> None:
    """Add many (target, device_id, rating_uuid, payload, case_key) items with one
    executemany (the ingest hot path: 500 ratings for two targets is one call, not 1,000)."""
    if not items:
        return
    at = utc_iso(now)
    sql = INSERT_SQL.replace("?", "%s") if getattr(tx, "_pg", False) else INSERT_SQL
    tx.cursor.executemany(sql, [(item_id(kind, t, d, u), kind, t, d, u, p, at, at, c)
                                for t, d, u, p, c in items])


def cancel_for_rating(tx, device_id: str, rating_uuid: str, kind: str | None = None) -> int:
    """Cancel the unsent items of a rating that stopped counting; how many."""
    at = utc_iso()
    return tx.q("UPDATE outbox SET state = 'cancelled', last_error = 'the rating no longer "
                "counts', claimed_until = ? WHERE device_id = ? AND rating_uuid = ? AND "
                "state IN ('pending', 'failed')" + (" AND kind = ?" if kind else ""),
                [at, device_id, rating_uuid] + ([kind] if kind else [])).rowcount


@dataclass
class Backoff:
    """Exponential back-off with jitter: base, 2·base, 4·base … up to cap."""

    base_s: float = 0.0
    cap_s: float = MAX_BACKOFF_S

    def __post_init__(self) -> None:
        if not self.base_s:
            self.base_s = float(os.environ.get(BACKOFF_ENV, "5"))

    def delay(self, attempts: int) -> float:
        raw = min(self.cap_s, self.base_s * (2 ** max(0, attempts - 1)))
        return raw * random.uniform(0.8, 1.0)  # jitter: a fleet of retries does not march


def lease_margin(lease_s: float) -> float:
    """How long before its lease runs out a send must have ended: covers marking it sent and
    the clocks of two server hosts disagreeing (a quarter of the lease, at most 30 s)."""
    return min(30.0, lease_s / 4)


def claim(store, kind: str, worker: str, limit: int = 1, now: datetime | None = None,
          lease_s: float = LEASE_S) -> list[dict]:
    """Claim up to `limit` due items of one kind for `worker`, in one statement, oldest first.
    The caller must have sent and marked every one before the lease runs out, so it asks for
    no more than it can send in the lease (server/delivery.py: one, or as many sends of the
    full timeout as fit); 50 rows on one 120 s lease to a target answering in 5 s let a
    second worker take back the last 26 while the first was still sending them. On
    PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED, so concurrent workers each get
    other rows without waiting on each other; SQLite has one writer at a time. The UPDATE
    re-checks that each row is still due."""
    now = now or datetime.now(timezone.utc)
    at, until = utc_iso(now), utc_iso(now + timedelta(seconds=lease_s))
    due = "((state = 'pending' AND next_at <= ?) OR (state = 'sending' AND claimed_until < ?))"
    with store.transaction() as tx:
        lock = " FOR UPDATE SKIP LOCKED" if getattr(tx, "_pg", False) else ""
        rows = tx.all(f"UPDATE outbox SET state = 'sending', claimed_by = ?, claimed_until = ? "
                      f"WHERE id IN (SELECT id FROM outbox WHERE kind = ? AND {due} "
                      f"ORDER BY next_at, id LIMIT ?{lock}) AND {due} RETURNING {COLUMN_SQL}",
                      [worker, until, kind, at, at, limit, at, at])
    return sorted((dict(zip(COLUMNS, r)) for r in rows), key=lambda i: (i["next_at"], i["id"]))


def release(store, item: dict, worker: str) -> None:
    """Give back a claimed item untried (no attempt counted, due again at once): there was
    not enough of its lease left to send it."""
    with store.transaction() as tx:
        tx.q("UPDATE outbox SET state = 'pending', claimed_until = NULL WHERE id = ? AND "
             "state = 'sending' AND claimed_by = ?", [item["id"], worker])


def mark_sent(store, item: dict, worker: str, now: datetime | None = None) -> bool:
    with store.transaction() as tx:
        return tx.q("UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, "
                    "last_error = NULL WHERE id = ? AND state = 'sending' AND claimed_by = ?",
                    [utc_iso(now), item["id"], worker]).rowcount == 1


def mark_cancelled(store, item: dict, worker: str, why: str) -> None:
    with store.transaction() as tx:
        tx.q("UPDATE outbox SET state = 'cancelled', last_error = ? WHERE id = ? AND "
             "state = 'sending' AND claimed_by = ?", [why[:500], item["id"], worker])


def mark_failed(store, item: dict, worker: str, error: str, backoff: Backoff,
                now: datetime | None = None, count: bool = True,
                max_attempts: int = MAX_ATTEMPTS) -> str:
    """Put a claimed item back with back-off (or give up: 'failed'); the new state.
    count=False releases an item that was not tried (its target just failed)."""
    now = now or datetime.now(timezone.utc)
    attempts = item["attempts"] + (1 if count else 0)
    state = "failed" if attempts >= max_attempts else "pending"
    next_at = utc_iso(now + timedelta(seconds=backoff.delay(max(attempts, 1))))
    with store.transaction() as tx:
        tx.q("UPDATE outbox SET state = ?, attempts = ?, next_at = ?, last_error = ?, "
             "claimed_until = NULL WHERE id = ? AND state = 'sending' AND claimed_by = ?",
             [state, attempts, next_at, error[:500], item["id"], worker])
    return state


def retry_failed(store, kind: str, target: str | None = None,
                 halls: list[str] | None = None, other_halls_than: list[str] | None = None
                 ) -> int:
    """Make failed items pending again, due now; how many. halls: only items of devices in
    these halls (a console user's scope), plus, with other_halls_than, of devices in any hall
    not in that list (a top-level scope also owns devices of halls the org lacks)."""
    where, params = ["kind = ?", "state = 'failed'"], [kind]
    if target:
        where.append("target = ?")
        params.append(target)
    if halls is not None:
        ors = []
        if halls:
            ors.append(f"hall IN ({', '.join('?' * len(halls))})")
            params.extend(halls)
        if other_halls_than is not None:
            ors.append(f"hall NOT IN ({', '.join('?' * len(other_halls_than))})"
                       if other_halls_than else "1 = 1")
            params.extend(other_halls_than)
        if not ors:
            return 0
        where.append(f"device_id IN (SELECT device_id FROM devices WHERE {' OR '.join(ors)})")
    with store.transaction() as tx:
        return tx.q(f"UPDATE outbox SET state = 'pending', attempts = 0, next_at = ? WHERE "
                    f"{' AND '.join(where)}", [utc_iso(), *params]).rowcount


def summary(store, kind: str) -> dict[str, dict[str, int]]:
    """{target: {state: count}} for one kind."""
    out: dict[str, dict[str, int]] = {}
    with store.transaction(write=False) as tx:
        for target, state, n in tx.all("SELECT target, state, count(*) FROM outbox WHERE "
                                       "kind = ? GROUP BY target, state", [kind]):
            out.setdefault(target, {})[state] = n
    return out


def problems(store, kind: str, target: str | None = None, limit: int = 200) -> list[dict]:
    """Items that failed at least once and are not sent: given up first, then oldest."""
    sql = (f"SELECT {COLUMN_SQL} FROM outbox WHERE kind = ? AND state IN ('pending', "
           f"'sending', 'failed') AND last_error IS NOT NULL"
           + (" AND target = ?" if target else "")
           + " ORDER BY CASE state WHEN 'failed' THEN 0 ELSE 1 END, created_at LIMIT ?")
    with store.transaction(write=False) as tx:
        rows = tx.all(sql, [kind] + ([target] if target else []) + [limit])
    return [dict(zip(COLUMNS, r)) for r in rows]


def age_s(item: dict, now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    return (now - parse_iso(item["created_at"])).total_seconds()
