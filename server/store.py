"""Server-side rating storage: a small `Store` protocol and its embedded SQLite implementation.

The SQL is kept portable (ON CONFLICT ... DO NOTHING, LIMIT/OFFSET, plain types) so that a
PostgreSQL store can be added later behind the same methods; only the parameter style
(`?` here, `%s` for psycopg) and the connection handling differ.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol, runtime_checkable

from sync.wire import ItemResult, RatingWire

log = logging.getLogger(__name__)

# Each entry moves the schema one version up; never edit a shipped one, append.
MIGRATIONS = [
    """
    CREATE TABLE ratings (
        uuid TEXT PRIMARY KEY,
        level INTEGER NOT NULL,
        reasons TEXT NOT NULL,
        "window" INTEGER NOT NULL,
        staff_id TEXT,
        ticket TEXT NOT NULL,
        case_id TEXT,
        item_code TEXT,
        device_id TEXT NOT NULL,
        rated_at TEXT NOT NULL,
        boot_id TEXT NOT NULL,
        mono_s REAL NOT NULL,
        received_at TEXT NOT NULL
    );
    CREATE INDEX ratings_device ON ratings (device_id, rated_at);
    CREATE INDEX ratings_window ON ratings ("window", rated_at);
    CREATE INDEX ratings_rated ON ratings (rated_at);
    """,
]

COLUMNS = ("uuid", "level", "reasons", "window", "staff_id", "ticket", "case_id", "item_code",
           "device_id", "rated_at", "boot_id", "mono_s", "received_at")
# "window" is a reserved word in PostgreSQL (and a keyword in SQLite): always quote columns.
COLUMN_SQL = ", ".join(f'"{c}"' for c in COLUMNS)


def utc_iso(value: datetime | None = None) -> str:
    """UTC, ISO 8601 with milliseconds and a Z (sorts as text, same form the kiosk uses)."""
    value = (value or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _row(rating: RatingWire, received_at: str) -> tuple:
    return (str(rating.uuid), rating.level, json.dumps(list(rating.reasons)), rating.window,
            rating.staff_id, rating.ticket, rating.case_id, rating.item_code, rating.device_id,
            utc_iso(rating.rated_at), rating.boot_id, float(rating.mono_s), received_at)


def _decode(row: sqlite3.Row | tuple) -> dict:
    out = dict(zip(COLUMNS, row))
    out["reasons"] = json.loads(out["reasons"])
    return out


@runtime_checkable
class Store(Protocol):
    """What the app needs from a rating store (SQLite now, PostgreSQL later)."""

    def ingest(self, ratings: list[RatingWire]) -> list[ItemResult]:
        """Store all ratings in one transaction, idempotent by uuid; one result per rating."""

    def list_ratings(self, limit: int, offset: int, device_id: str | None = None,
                     window: int | None = None) -> tuple[list[dict], int]:
        """A page of stored ratings (oldest rated first) and the total matching the filters."""

    def count(self) -> int:
        """How many ratings are stored."""

    def close(self) -> None:
        """Release connections."""


class SQLiteStore:
    """Embedded store: one sqlite3 connection per thread (uvicorn runs sync work in a pool)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._closed = False
        self._migrate()

    # -- connections -------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise RuntimeError("store is closed")
            # check_same_thread=False only so close() may close every thread's connection.
            conn = sqlite3.connect(str(self.path), timeout=10, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        self._closed = True
        with self._conns_lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:  # pragma: no cover - best effort
                pass

    @property
    def schema_version(self) -> int:
        return self._conn().execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                log.info("migrating %s to schema %d", self.path, number)
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- the Store protocol -------------------------------------------------------------------
    def ingest(self, ratings: list[RatingWire]) -> list[ItemResult]:
        received_at = utc_iso()
        sql = (f"INSERT INTO ratings ({COLUMN_SQL}) "
               f"VALUES ({', '.join('?' * len(COLUMNS))}) ON CONFLICT (\"uuid\") DO NOTHING")
        conn = self._conn()
        results: list[ItemResult] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for rating in ratings:
                cursor = conn.execute(sql, _row(rating, received_at))
                status = "accepted" if cursor.rowcount == 1 else "duplicate"
                results.append(ItemResult(uuid=str(rating.uuid), status=status))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        accepted = sum(r.status == "accepted" for r in results)
        log.info("ingested %d ratings: %d accepted, %d duplicate", len(results), accepted,
                 len(results) - accepted)
        return results

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
        conn = self._conn()
        total = conn.execute(f"SELECT count(*) FROM ratings{clause}", params).fetchone()[0]
        rows = conn.execute(f"SELECT {COLUMN_SQL} FROM ratings{clause} "
                            f"ORDER BY rated_at, uuid LIMIT ? OFFSET ?",
                            [*params, limit, offset]).fetchall()
        return [_decode(r) for r in rows], total

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM ratings").fetchone()[0]
