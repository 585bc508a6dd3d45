"""Staff sign-in PINs (issue 27 item 2): one salted scrypt hash per 工号, set or reset by the
hall supervisor in the console (server/console/staff_pin_pages.py), sent to the kiosks of the
member's windows with the roster (org.kiosk_view) and verified there offline.

Only the hash is stored; the PIN itself is never written, logged or audited. A member removed
from the org loses their PIN with them.
"""
from __future__ import annotations

from datetime import datetime, timezone

STAFF_PIN_TABLES = """
CREATE TABLE staff_pins (
    staff_id TEXT PRIMARY KEY,
    pin_hash TEXT NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL
)
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def put(tx, staff_id: str, pin_hash: str, actor: str) -> None:
    """Set (or replace) a member's PIN hash, inside the caller's transaction."""
    tx.q("INSERT INTO staff_pins (staff_id, pin_hash, set_at, set_by) VALUES (?, ?, ?, ?) "
         "ON CONFLICT (staff_id) DO UPDATE SET pin_hash = excluded.pin_hash, "
         "set_at = excluded.set_at, set_by = excluded.set_by",
         [staff_id, pin_hash, _now(), actor])


def clear(tx, staff_id: str) -> None:
    tx.q("DELETE FROM staff_pins WHERE staff_id = ?", [staff_id])


def hashes(store, staff_ids) -> dict[str, str]:
    """staff_id -> PIN hash, for those of `staff_ids` who have one."""
    ids = list(staff_ids)
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    with store.transaction(write=False) as tx:
        rows = tx.all(f"SELECT staff_id, pin_hash FROM staff_pins WHERE staff_id IN ({marks})",
                      ids)
    return {r[0]: r[1] for r in rows}


def set_at(store, hall_id: str) -> dict[str, str]:
    """staff_id -> when their PIN was last set, for a hall's staff (the console's list)."""
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT p.staff_id, p.set_at FROM staff_pins p JOIN staff s "
                      "ON s.staff_id = p.staff_id WHERE s.hall_id = ?", [hall_id])
    return {r[0]: r[1] for r in rows}
