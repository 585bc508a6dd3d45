"""Append-only, hash-chained audit log: who changed users, roles, the org model, cases, appeals.

Each entry's hash is sha256(previous entry's hash + canonical JSON of the entry), the entry
being {id, at, actor, action, target, detail}. Ids are assigned here from a one-row head
table (audit_head: the last id and hash), contiguous from 1, so verify() can name the FIRST
entry that was altered (its hash no longer matches) or removed (a gap, a broken link, or a
head that points past the last row). The head row is updated in the same transaction as the
entry; taking it first (UPDATE ... seq = seq + 1) serialises appends on PostgreSQL too, so
two server processes never fork the chain.

A chain kept in the same database cannot stop someone who rewrites every row and the head;
`kiosk-server audit verify` prints the head hash so an auditor can note it elsewhere and
compare later (an outside anchor).
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Iterator

from server.db import audit_scope
from server.db.base import BaseStore, Tx, utc_iso

log = logging.getLogger(__name__)

GENESIS = "0" * 64
COLUMNS = ("id", "at", "actor", "action", "target", "detail", "prev_hash", "hash")

# Same SQL on both stores; appended as one migration step in server/db/sqlite.py and
# server/db/postgres.py.
AUDIT_TABLES = f"""
    CREATE TABLE audit_log (
        id BIGINT PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_log_target ON audit_log (target, id);
    CREATE TABLE audit_head (
        k INTEGER PRIMARY KEY,
        seq BIGINT NOT NULL,
        last_hash TEXT NOT NULL
    );
    INSERT INTO audit_head (k, seq, last_hash) VALUES (1, 0, '{GENESIS}');
"""


def entry_hash(prev_hash: str, entry: dict) -> str:
    """sha256 hex of prev_hash + the canonical JSON (sorted keys, no spaces) of the entry."""
    body = {k: entry[k] for k in ("id", "at", "actor", "action", "target", "detail")}
    return hashlib.sha256((prev_hash + BaseStore.dumps(body)).encode("utf-8")).hexdigest()


def append(tx: Tx, actor: str, action: str, target: str, detail: dict | None = None,
           at: str | None = None, scopes: set[str] | None = None) -> int:
    """Add one entry inside the caller's transaction (so it commits or rolls back with the
    change it records); returns its id.

    actor: who ("user:alice", "cli:root", "device:hall01-w05", "system").
    action: what, dotted ("user.add", "org.import", "case.close").
    target: what it was done to ("user:bob", "hall:H01", "case:42").
    detail: JSON-able facts (never a password, token or anything identifying a citizen).
    scopes: the halls/regions it belongs to ("hall:H01", "region:440305"); by default derived
    from the target (server/db/audit_scope.py), so readers see only their own.
    """
    detail = json.loads(BaseStore.dumps(detail or {}))  # canonical and JSON-clean now
    tx.q("UPDATE audit_head SET seq = seq + 1 WHERE k = 1")
    seq, prev = tx.one("SELECT seq, last_hash FROM audit_head WHERE k = 1")
    entry = {"id": int(seq), "at": at or utc_iso(), "actor": str(actor),
             "action": str(action), "target": str(target), "detail": detail}
    digest = entry_hash(prev, entry)
    tx.q("INSERT INTO audit_log (id, at, actor, action, target, detail, prev_hash, hash) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
         [entry["id"], entry["at"], entry["actor"], entry["action"], entry["target"],
          BaseStore.dumps(detail), prev, digest])
    tx.q("UPDATE audit_head SET last_hash = ? WHERE k = 1", [digest])
    audit_scope.store_scope(tx, entry["id"], scopes or audit_scope.derive(
        tx, entry["actor"], entry["target"], detail))
    log.info("audit %d: %s %s %s", entry["id"], actor, action, target)
    return entry["id"]


def _row(row: tuple) -> dict:
    item = dict(zip(COLUMNS, row))
    item["id"] = int(item["id"])
    item["detail"] = json.loads(item["detail"])
    return item


def _scan(store, chunk: int = 2000) -> Iterator[dict]:
    """Every entry in id order, a chunk per transaction (the log may be long)."""
    after = 0
    while True:
        with store.transaction(write=False) as tx:
            rows = tx.all(f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE id > ? "
                          "ORDER BY id LIMIT ?", [after, chunk])
        if not rows:
            return
        for row in rows:
            yield _row(row)
        after = int(rows[-1][0])


def head(store) -> tuple[int, str]:
    """(last id, last hash) as the head row says."""
    with store.transaction(write=False) as tx:
        seq, last = tx.one("SELECT seq, last_hash FROM audit_head WHERE k = 1")
    return int(seq), last


def verify(store) -> tuple[int, str] | None:
    """None when the chain is whole, else (id, why) of the first entry altered or removed."""
    expected_id, prev = 1, GENESIS
    for entry in _scan(store):
        if entry["id"] != expected_id:
            return expected_id, "entry removed (the ids jump from " \
                f"{expected_id - 1} to {entry['id']})"
        if entry["prev_hash"] != prev:
            return entry["id"], "link broken: prev_hash is not the hash of the entry before " \
                "(an earlier entry was altered or removed)"
        if entry_hash(prev, entry) != entry["hash"]:
            return entry["id"], "entry altered: its content no longer matches its hash"
        prev, expected_id = entry["hash"], expected_id + 1
    seq, last = head(store)
    if seq != expected_id - 1:
        if seq > expected_id - 1:
            return expected_id, f"entries removed from the end ({seq - expected_id + 1} missing)"
        return seq + 1, "head row behind the log (head altered)"
    if last != prev:
        return max(seq, 1), "head hash does not match the last entry (last entry or head altered)"
    return None


def _where(target, actor, action) -> tuple[list[str], list]:
    where, params = [], []
    for column, value in (("target", target), ("actor", actor)):
        if value:
            where.append(f"a.{column} = ?")
            params.append(value)
    if action:
        where.append("a.action LIKE ?" if action.endswith(".") else "a.action = ?")
        params.append(action + "%" if action.endswith(".") else action)
    return where, params


def count(store, target: str | None = None, actor: str | None = None,
          action: str | None = None) -> int:
    """How many entries match (the whole log: for the CLI, not for a scoped reader)."""
    where, params = _where(target, actor, action)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    with store.transaction(write=False) as tx:
        return int(tx.one(f"SELECT count(*) FROM audit_log a{clause}", params)[0])


def entries(store, limit: int = 100, before: int | None = None, after: int | None = None,
            target: str | None = None, actor: str | None = None, action: str | None = None,
            scopes: list[str] | None = None) -> tuple[list[dict], bool]:
    """(a page of entries newest first, whether there are more beyond it), by keyset: those
    with ids below `before` (older pages) or, with `after`, the `limit` entries just above it
    (the newer page). Filters are exact; action may end in '.' to match a family, e.g.
    'org.'. scopes: only entries with one of these scope rows (server/db/audit_scope.py); None reads every entry."""
    audit_scope.backfill(store)
    where, params = _where(target, actor, action)
    if scopes is not None:
        if not scopes:
            return [], False
        where.append("EXISTS (SELECT 1 FROM audit_scope s WHERE s.entry_id = a.id AND "
                     f"s.scope IN ({', '.join('?' * len(scopes))}))")
        params.extend(scopes)
    if after is not None:
        where.append("a.id > ?")
        params.append(int(after))
    elif before:  # 0 or None: from the newest
        where.append("a.id < ?")
        params.append(int(before))
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    order = "ASC" if after is not None else "DESC"
    cols = ", ".join("a." + c for c in COLUMNS)
    with store.transaction(write=False) as tx:
        rows = tx.all(f"SELECT {cols} FROM audit_log a{clause} ORDER BY a.id {order} LIMIT ?",
                      [*params, limit + 1])
    found = [_row(r) for r in rows[:limit]]
    return (found[::-1] if after is not None else found), len(rows) > limit


def record(store, actor: str, action: str, target: str, detail: dict | None = None) -> int:
    """append() in a transaction of its own, for a change that has no transaction to join."""
    with store.transaction() as tx:
        return append(tx, actor, action, target, detail)
