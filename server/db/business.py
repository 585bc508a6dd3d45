"""Business systems (办件系统) and their 办件 waiting to be rated: the queries, both stores.

A system is registered with the halls it may name (`kiosk-server business add`); its token is
shown once and kept as sha256 (server.auth.digest). A 办件 is one row of business_cases keyed
on its 办件编号: waiting (posted, no kiosk took it yet) → shown (a kiosk at its hall and window
took it from the long poll) → rated (a rating with case_id = 办件编号 was stored: ingest_hook).
A 办件 nobody took within the offer bound becomes offered: the business system is told to
offer it by QR/phone, and a kiosk asking later never gets it. Every write is one conditional
statement (INSERT ... ON CONFLICT DO NOTHING, UPDATE ... WHERE state = ...), so several
server processes on one PostgreSQL agree on who took a 办件.
"""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta, timezone

from server.auth import digest, new_secret
from server.db import audit
from server.db.base import parse_iso, utc_iso

CASE_FIELDS = ("case_no", "system_id", "hall", "window", "item_code", "item_name",
               "applicant_type", "staff_id", "requested_at", "state", "rating_uuid")
CASE_SQL = ", ".join(f'"{c}"' for c in CASE_FIELDS)
SAME = ("hall", "window", "item_code", "item_name", "applicant_type", "staff_id")  # a repost
SYSTEM_FIELDS = ("id", "name", "halls", "created_at", "created_by", "revoked_at")


def _system(row) -> dict:
    out = dict(zip(SYSTEM_FIELDS, row))
    out["halls"] = json.loads(out["halls"])
    return out


def add_system(store, name: str, halls: list[str], actor: str) -> tuple[dict, str]:
    """Register a system for these halls; (system, token). The token is never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("name: 1..100 characters")
    halls = sorted({h.strip() for h in halls if h.strip()})
    if not halls:
        raise ValueError("--hall: at least one hall")
    token = new_secret()
    system_id = "bs-" + secrets.token_hex(4)
    now = utc_iso()
    with store.transaction() as tx:
        tx.q("INSERT INTO business_systems (id, name, token_hash, halls, created_at, "
             "created_by) VALUES (?, ?, ?, ?, ?, ?)",
             [system_id, name, digest(token), json.dumps(halls), now, actor])
        audit.append(tx, actor, "business.add", f"business:{system_id}",
                     {"name": name, "halls": halls}, at=now,
                     scopes={f"hall:{h}" for h in halls})
    return get_system(store, system_id), token


def get_system(store, system_id: str) -> dict | None:
    with store.transaction(write=False) as tx:
        row = tx.one(f"SELECT {', '.join(SYSTEM_FIELDS)} FROM business_systems WHERE id = ?",
                     [system_id])
    return _system(row) if row else None


def list_systems(store) -> list[dict]:
    with store.transaction(write=False) as tx:
        rows = tx.all(f"SELECT {', '.join(SYSTEM_FIELDS)} FROM business_systems "
                      "ORDER BY created_at, id")
    return [_system(r) for r in rows]


def revoke_system(store, system_id: str, actor: str) -> bool:
    """Revoke a system's token (401 from now on); False when unknown or already revoked."""
    now = utc_iso()
    with store.transaction() as tx:
        done = tx.q("UPDATE business_systems SET revoked_at = ? WHERE id = ? AND "
                    "revoked_at IS NULL", [now, system_id]).rowcount == 1
        if done:
            row = tx.one("SELECT halls FROM business_systems WHERE id = ?", [system_id])
            audit.append(tx, actor, "business.revoke", f"business:{system_id}", {}, at=now,
                         scopes={f"hall:{h}" for h in json.loads(row[0])})
    return done


def system_by_token(store, token: str) -> dict | None:
    with store.transaction(write=False) as tx:
        row = tx.one(f"SELECT {', '.join(SYSTEM_FIELDS)} FROM business_systems "
                     "WHERE token_hash = ?", [digest(token)])
    return _system(row) if row else None


def window_known(store, hall: str, window: int) -> bool:
    """A window of the org model, or one a kiosk is enrolled for."""
    with store.transaction(write=False) as tx:
        return bool(tx.one("SELECT 1 FROM windows WHERE hall_id = ? AND number = ?",
                           [hall, window]) or
                    tx.one('SELECT 1 FROM devices WHERE hall = ? AND "window" = ? AND '
                           "revoked_at IS NULL", [hall, window]))


def _case(row) -> dict:
    return dict(zip(CASE_FIELDS, row))


def put_case(store, system: dict, case: dict, offer_s: float) -> tuple[str, dict]:
    """Store a posted 办件: ("created" | "same" | "conflict", the stored row). The same
    办件编号 again is "same" when every field matches (a retry), else "conflict"."""
    now = utc_iso()
    with store.transaction() as tx:
        offer_overdue(tx, offer_s)
        created = tx.q(f"INSERT INTO business_cases ({CASE_SQL}) VALUES "
                       f"({', '.join('?' * len(CASE_FIELDS))}) ON CONFLICT DO NOTHING",
                       [case["case_no"], system["id"], case["hall"], case["window"],
                        case["item_code"], case["item_name"], case["applicant_type"],
                        case.get("staff_id"), now, "waiting", None]).rowcount == 1
        stored = _case(tx.one(f"SELECT {CASE_SQL} FROM business_cases WHERE case_no = ?",
                              [case["case_no"]]))
        if created:
            # Which 办件 and where; nothing about the applicant (only 个人/法人).
            audit.append(tx, f"business:{system['id']}", "business.case",
                         f"hall:{case['hall']}",
                         {"case_no": case["case_no"], "window": case["window"],
                          "item_code": case["item_code"]}, at=now,
                         scopes={f"hall:{case['hall']}"})
            return "created", stored
    same = stored["system_id"] == system["id"] and all(
        stored[k] == case.get(k) for k in SAME)
    return ("same" if same else "conflict"), stored


def get_case(store, case_no: str, offer_s: float) -> dict | None:
    with store.transaction() as tx:
        offer_overdue(tx, offer_s)
        row = tx.one(f"SELECT {CASE_SQL} FROM business_cases WHERE case_no = ?", [case_no])
    return _case(row) if row else None


def _cutoff(offer_s: float) -> str:
    return utc_iso(datetime.now(timezone.utc) - timedelta(seconds=offer_s))


def offer_overdue(tx, offer_s: float) -> int:
    """Waiting 办件 older than the bound become offered (by QR/phone); how many."""
    return tx.q("UPDATE business_cases SET state = 'offered' WHERE state = 'waiting' AND "
                "requested_at < ?", [_cutoff(offer_s)]).rowcount


def waiting_windows(store, offer_s: float) -> set[tuple[str, int]]:
    """The (hall, window)s a 办件 waits for: one indexed read per server process and tick,
    however many kiosks hold a poll (server/api/business.py Waiters)."""
    with store.transaction(write=False) as tx:
        rows = tx.all('SELECT DISTINCT hall, "window" FROM business_cases WHERE '
                      "state = 'waiting' AND requested_at >= ?", [_cutoff(offer_s)])
    return {(hall, int(window)) for hall, window in rows}


def take(store, hall: str, window: int, offer_s: float) -> list[dict]:
    """The 办件 waiting for this window, now marked shown (each taken by one caller only);
    oldest first. Those past the bound are offered instead, never handed out."""
    with store.transaction() as tx:
        offer_overdue(tx, offer_s)
        rows = tx.all(f"SELECT {CASE_SQL} FROM business_cases WHERE hall = ? AND "
                      "\"window\" = ? AND state = 'waiting' ORDER BY requested_at, case_no",
                      [hall, window])
        taken = [_case(r) for r in rows
                 if tx.q("UPDATE business_cases SET state = 'shown' WHERE case_no = ? AND "
                         "state = 'waiting'", [r[0]]).rowcount == 1]
    for case in taken:
        case["state"] = "shown"
    return taken


def link_rating(store, case_no: str, hall: str, window: int, rating_uuid: str) -> bool:
    """The kiosk at (hall, window) says its rating `rating_uuid` was this 办件's visit (the
    citizen rated before the 请评价 came, trigger = both): the 办件 is rated by it, and the
    export attaches the 办件编号 to that rating (server/export/records.py). False when the
    办件 is not this window's or is already rated."""
    with store.transaction() as tx:
        return tx.q("UPDATE business_cases SET state = 'rated', rating_uuid = ? WHERE "
                    'case_no = ? AND hall = ? AND "window" = ? AND rating_uuid IS NULL',
                    [rating_uuid, case_no, hall, window]).rowcount == 1


def age_s(case: dict) -> float:
    return (datetime.now(timezone.utc) - parse_iso(case["requested_at"])).total_seconds()


def ingest_hook(tx, changes) -> None:
    """A rating that counts, with a level, whose case id is a 办件编号 we know: that 办件 is
    rated (its rating's uuid kept). Runs in the ingest transaction (server/wiring.py)."""
    ids = changes.column("case_id")
    picks = [i for i, case_id in enumerate(ids) if case_id]
    if not picks:
        return
    for row in changes.picks(picks):
        if row["level"]:
            tx.q("UPDATE business_cases SET state = 'rated', rating_uuid = ? WHERE "
                 "case_no = ? AND \"window\" = ? AND rating_uuid IS NULL",
                 [str(row["uuid"]), row["case_id"], row["window"]])
