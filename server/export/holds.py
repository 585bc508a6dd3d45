"""Held export records: counted ratings a target's mapping will not send as they stand.

The sender holds a record instead of sending it when the mapping says so (mapping.Held):
no real 办件编号 for a mapping that requires one ("held: no 办件编号"), a reason the target's
catalogue has no code for, a required value the server does not know, or a value the mapping
never exports (a 系统默认评价 under 表9). The outbox item goes to state 'held' (no worker
claims it, nothing is sent) and export_holds says why. A hold is released when its cause is
gone: the sender's sweep (sender.release_ready) re-renders held records and makes those that
now render due again; release_rating() lets the business-system side release at once the
holds of a rating its 办件编号 was just attached to. A rating that stops counting drops its
holds (its items are cancelled).
"""
from __future__ import annotations

import logging

from server.db import outbox
from server.db.base import utc_iso

log = logging.getLogger(__name__)

KIND = "export"
COLUMNS = ("target", "hall", "window", "rating", "reason", "note", "catalogue", "held_at")
REASONS = ("no_case_no", "unknown_reason", "missing_field", "not_exported")


def hold(tx, item: dict, reason: str, note: str, catalogue: str = "") -> None:
    """Mark a claimed item held (in the sender's own transaction) and record why."""
    tx.q("UPDATE outbox SET state = 'held', last_error = ?, claimed_until = NULL WHERE "
         "id = ? AND state = 'sending'", [note[:500], item["id"]])
    tx.q("INSERT INTO export_holds (target, device_id, rating_uuid, reason, note, catalogue, "
         "held_at, released_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (target, "
         "device_id, rating_uuid) DO UPDATE SET reason = excluded.reason, note = "
         "excluded.note, catalogue = excluded.catalogue, held_at = excluded.held_at, "
         "released_at = NULL",
         [item["target"], item["device_id"], item["rating_uuid"], reason, note[:500],
          catalogue, utc_iso()])


def release(tx, target: str, device_id: str, rating_uuid: str) -> bool:
    """Make one held item due now (the sender checks it again when it is sent)."""
    done = tx.q("UPDATE outbox SET state = 'pending', next_at = ?, last_error = NULL, "
                "attempts = 0 WHERE id = ? AND state = 'held'",
                [utc_iso(), outbox.item_id(KIND, target, device_id, rating_uuid)]).rowcount
    tx.q("UPDATE export_holds SET released_at = ? WHERE target = ? AND device_id = ? AND "
         "rating_uuid = ? AND released_at IS NULL", [utc_iso(), target, device_id, rating_uuid])
    return done == 1


def release_rating(tx, device_id: str, rating_uuid: str) -> int:
    """Release every hold of one rating (call it in the transaction that attached a
    办件编号 to it); how many items are due again."""
    rows = tx.all("SELECT target FROM export_holds WHERE device_id = ? AND rating_uuid = ? "
                  "AND released_at IS NULL", [device_id, rating_uuid])
    return sum(release(tx, t, device_id, rating_uuid) for (t,) in rows)


def drop_for_rating(tx, device_id: str, rating_uuid: str) -> None:
    """A rating that stopped counting: its held items are cancelled, its holds forgotten."""
    tx.q("UPDATE outbox SET state = 'cancelled', last_error = 'the rating no longer counts' "
         "WHERE kind = ? AND device_id = ? AND rating_uuid = ? AND state = 'held'",
         [KIND, device_id, rating_uuid])
    tx.q("DELETE FROM export_holds WHERE device_id = ? AND rating_uuid = ?",
         [device_id, rating_uuid])


def open_holds(tx, limit: int = 1000) -> list[tuple[str, str, str]]:
    """(target, device_id, rating_uuid) of holds not released, oldest first."""
    return [tuple(r) for r in tx.all(
        "SELECT target, device_id, rating_uuid FROM export_holds WHERE released_at IS NULL "
        "ORDER BY held_at LIMIT ?", [limit])]


def listing(store, target: str | None = None, limit: int = 5000) -> list[dict]:
    """Open holds with the hall and window they came from (pages filter by hall); the
    rating's own time is not listed (staff never learn when someone rated them)."""
    where = " AND x.target = ?" if target else ""
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT x.target, d.hall, r.\"window\", x.rating_uuid, x.reason, "
                      "x.note, x.catalogue, x.held_at FROM export_holds x LEFT JOIN devices "
                      "d ON d.device_id = x.device_id LEFT JOIN ratings r ON r.device_id = "
                      "x.device_id AND r.uuid = x.rating_uuid WHERE x.released_at IS NULL"
                      + where + " ORDER BY x.target, x.held_at LIMIT ?",
                      ([target] if target else []) + [limit])
    return [dict(zip(COLUMNS, row), hall=row[1] or "?") for row in rows]


def remove_target(tx, name: str) -> None:
    """A removed target keeps no holds."""
    tx.q("DELETE FROM export_holds WHERE target = ?", [name])
