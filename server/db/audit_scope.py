"""Which halls and regions an audit entry belongs to, so a reader sees only their own.

Each entry gets one or more rows in audit_scope when it is written (same transaction):
"hall:<id>", "region:<code>", or "*" for entries that touch no one hall or region (an org
import, an export target, the holiday table). The scope is what the entry touched when it was
written: a user's hall or region, a case's hall, a rating's hall. The rows are outside the
hash chain (the chain covers what happened; the scope only who may read it), so
`kiosk-server audit verify` is unchanged.

A reader sees an entry when one of its rows is a hall or region in their scope; a top-level
region admin or auditor (the province) sees every entry. Entries written before this table
existed (schema migration) are scoped on first read by the same rules (backfill()).
"""
from __future__ import annotations

import json
import logging

log = logging.getLogger(__name__)

EVERYONE = "*"

SCOPE_TABLES = """
    CREATE TABLE audit_scope (
        entry_id BIGINT NOT NULL,
        scope TEXT NOT NULL,
        PRIMARY KEY (entry_id, scope)
    );
    CREATE INDEX audit_scope_by ON audit_scope (scope, entry_id);
    ALTER TABLE audit_head ADD COLUMN unscoped_through BIGINT NOT NULL DEFAULT 0;
    UPDATE audit_head SET unscoped_through = seq;
    ALTER TABLE login_throttle ADD COLUMN last_at TEXT
"""


def _hall_or_region(tx, name: str) -> set[str]:
    if tx.one("SELECT 1 FROM halls WHERE hall_id = ?", [name]):
        return {f"hall:{name}"}
    if tx.one("SELECT 1 FROM regions WHERE code = ?", [name]):
        return {f"region:{name}"}
    return set()


def _user(tx, username: str) -> set[str]:
    row = tx.one("SELECT role, scope FROM users WHERE username = ?", [username])
    if row is None:
        return set()
    role, scope = row
    if role == "window_staff":
        return _staff(tx, scope)
    if role == "hall_supervisor":
        return {f"hall:{scope}"}
    return {f"region:{scope}"}


def _staff(tx, staff_id: str) -> set[str]:
    row = tx.one("SELECT hall_id FROM staff WHERE staff_id = ?", [staff_id])
    return {f"hall:{row[0]}"} if row else set()


def _rating(tx, uuid: str) -> set[str]:
    rows = tx.all("SELECT d.hall FROM ratings r JOIN devices d ON d.device_id = r.device_id "
                  "WHERE r.uuid = ?", [uuid])
    return {f"hall:{r[0]}" for r in rows}


def derive(tx, actor: str, target: str, detail: dict) -> set[str]:
    """The scope rows of an entry, from its target (and a "hall" in its detail)."""
    kind, _, ident = target.partition(":")
    found: set[str] = set()
    if kind == "hall":
        found = {f"hall:{ident}"}
    elif kind in ("window", "alerts"):
        found = {f"hall:{ident.split('/', 1)[0]}"}
    elif kind == "region":
        found = {f"region:{ident}"}
    elif kind == "user":
        found = _user(tx, ident)
    elif kind == "staff":
        found = _staff(tx, ident)
    elif kind == "case":
        row = tx.one("SELECT hall FROM cases WHERE id = ?", [ident])
        found = {f"hall:{row[0]}"} if row else set()
    elif kind == "appeal":
        row = tx.one("SELECT d.hall FROM appeals a JOIN devices d ON d.device_id = a.device_id "
                     "WHERE a.id = ?", [ident])
        found = {f"hall:{row[0]}"} if row else set()
    elif kind == "rating":
        found = _rating(tx, ident)
    elif kind == "policy":
        found = {ident} if ident.startswith(("hall:", "region:")) else set()
    elif kind == "ranking":
        parts = ident.split(":")
        found = _hall_or_region(tx, parts[1] if len(parts) >= 3 else parts[0])
    if isinstance(detail.get("hall"), str) and detail["hall"]:
        found.add(f"hall:{detail['hall']}")
    return found or {EVERYONE}


def store_scope(tx, entry_id: int, scopes: set[str]) -> None:
    for scope in sorted(scopes):
        tx.q("INSERT INTO audit_scope (entry_id, scope) VALUES (?, ?) ON CONFLICT DO NOTHING",
             [entry_id, scope[:200]])


def backfill(store, chunk: int = 1000) -> int:
    """Scope the entries written before audit_scope existed (once; later calls are one read).
    Returns how many were scoped."""
    with store.transaction(write=False) as tx:
        if not tx.one("SELECT unscoped_through FROM audit_head WHERE k = 1")[0]:
            return 0
    done = 0
    while True:
        with store.transaction() as tx:
            through = tx.one("SELECT unscoped_through FROM audit_head WHERE k = 1")[0]
            if not through:
                return done
            rows = tx.all("SELECT id, actor, target, detail FROM audit_log WHERE id <= ? "
                          "ORDER BY id DESC LIMIT ?", [through, chunk])
            for entry_id, actor, target, detail in rows:
                store_scope(tx, entry_id, derive(tx, actor, target, json.loads(detail)))
            rest = int(rows[-1][0]) - 1 if rows and len(rows) == chunk else 0
            tx.q("UPDATE audit_head SET unscoped_through = ? WHERE k = 1", [rest])
            done += len(rows)
        log.info("audit: scoped %d entries written before scopes existed", done)


def visible_scopes(user) -> list[str] | None:
    """The scope rows a console user reads, or None for everything (the top level)."""
    if user.sees_unassigned:
        return None
    return sorted({f"hall:{h}" for h in user.halls} | {f"region:{r}" for r in user.regions})
