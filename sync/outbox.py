"""The kiosk's local rating store: one SQLite file, WAL, synchronous=FULL, versioned schema."""
from __future__ import annotations

import json
import logging
import sqlite3
import uuid as uuidlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sync.clocks import utc_now
from sync.outbox_events import EVENTS_TABLE, EventsMixin

log = logging.getLogger(__name__)

PENDING, SYNCED, REJECTED = "pending", "synced", "rejected"

# Each entry moves the schema one version up; never edit a shipped one, append.
MIGRATIONS = [
    """
    CREATE TABLE ratings (
        uuid TEXT PRIMARY KEY,
        level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 5),
        reasons TEXT NOT NULL DEFAULT '[]',
        window INTEGER NOT NULL,
        staff_id TEXT,
        ticket TEXT NOT NULL,
        case_id TEXT,
        item_code TEXT,
        device_id TEXT NOT NULL,
        rated_at TEXT NOT NULL,
        boot_id TEXT NOT NULL DEFAULT '',
        mono_s REAL NOT NULL DEFAULT 0,
        case_key TEXT NOT NULL,
        sync_state TEXT NOT NULL DEFAULT 'pending',
        synced_at TEXT,
        sync_error TEXT
    );
    CREATE INDEX ratings_sync ON ratings (sync_state, rated_at);
    CREATE INDEX ratings_case ON ratings (case_key);
    """,
    # Every call of the day, numbered: a ticket number shown with three digits comes back
    # (A123, later B123, the 1,000th ticket), so without a case id the case is the call.
    """
    CREATE TABLE calls (
        day TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ticket TEXT NOT NULL,
        called_at TEXT NOT NULL,
        PRIMARY KEY (day, seq)
    );
    """,
    # Service events (issue 27): what happens at the counter, uploaded like ratings, after them.
    EVENTS_TABLE,
]
CALLS_KEPT_DAYS = 40  # a call older than this can no longer be rated or be confused


@dataclass
class NewRating:
    """What the flow knows when a case ends; the store adds uuid and sync state."""

    level: int
    window: int
    ticket: str
    case_key: str
    device_id: str
    staff_id: str | None = None
    case_id: str | None = None
    item_code: str | None = None
    reasons: list[str] = field(default_factory=list)
    rated_at: str = field(default_factory=utc_now)
    boot_id: str = ""
    mono_s: float = 0.0


class Db:
    """The two calls the store and the technician's CLI make on the connection.

    Plain sqlite3 rather than sqlite-utils: that library (with dateutil and friends) held
    ~13 MB of the kiosk's memory for an execute() and a dict cursor (bench/ui_latency.py).
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: list | tuple = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: list | tuple = ()):
        """Rows as dicts, column name to value."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row))


class Store(EventsMixin):
    """One connection per thread: the UI thread records, the uploader thread syncs.
    Service events (record_event, pending_events, ...) are sync/outbox_events.py's."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), timeout=10, isolation_level=None)
        self.db = Db(conn)
        # WAL lets the uploader read while the UI writes; FULL makes a commit survive power loss.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self._migrate()

    def close(self) -> None:
        self.db.conn.close()

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self.schema_version
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            log.info("migrating %s to schema %d", self.path, number)
            with self.db.conn:
                self.db.conn.execute("BEGIN IMMEDIATE")
                for statement in filter(str.strip, script.split(";")):
                    self.db.conn.execute(statement)
                self.db.conn.execute(f"PRAGMA user_version = {number}")

    def record(self, rating: NewRating) -> dict:
        """Commit one rating durably and return its row; only then may the UI say thank you."""
        row = asdict(rating)
        row["uuid"] = str(uuidlib.uuid4())
        row["reasons"] = json.dumps(rating.reasons)
        row["sync_state"] = PENDING
        # A plain prepared INSERT: sqlite-utils' insert() introspects the table on every call,
        # which cost ~40% of a tap-to-durable commit (bench/store.py).
        names = list(row)
        with self.db.conn:
            self.db.conn.execute(f"INSERT INTO ratings ({', '.join(names)}) VALUES "
                                 f"({', '.join('?' * len(names))})", [row[n] for n in names])
        log.info("recorded rating %s level %d for ticket %s", row["uuid"], rating.level,
                 rating.ticket)
        return self._decode(row)

    def add_call(self, day: str, ticket: str) -> int:
        """Number a new call of `day` (1, 2, ...) durably, so a restart goes on counting."""
        with self.db.conn:
            self.db.conn.execute("BEGIN IMMEDIATE")
            seq = self.db.conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM calls WHERE day = ?",
                                       [day]).fetchone()[0]
            self.db.conn.execute("INSERT INTO calls (day, seq, ticket, called_at) VALUES "
                                 "(?, ?, ?, ?)", [day, seq, ticket, utc_now()])
            self.db.conn.execute("DELETE FROM calls WHERE day < date(?, ?)",
                                 [day, f"-{CALLS_KEPT_DAYS} days"])
        return seq

    def calls(self, day: str) -> list[tuple[int, str]]:
        """(seq, ticket) of every call of `day`, in order."""
        return [tuple(r) for r in self.db.execute(
            "SELECT seq, ticket FROM calls WHERE day = ? ORDER BY seq", [day]).fetchall()]

    def has_case(self, case_key: str) -> bool:
        """Was this case already rated or timed out (一次一评)?"""
        return self.db.execute("SELECT 1 FROM ratings WHERE case_key = ? LIMIT 1",
                               [case_key]).fetchone() is not None

    def pending(self, limit: int) -> list[dict]:
        """The oldest ratings not yet acknowledged by the server."""
        rows = self.db.query("SELECT * FROM ratings WHERE sync_state = ? ORDER BY rated_at, rowid "
                             "LIMIT ?", [PENDING, limit])
        return [self._decode(r) for r in rows]

    def mark_synced(self, uuids: list[str]) -> None:
        self._mark(uuids, SYNCED, None)

    def mark_rejected(self, uuid: str, reason: str) -> None:
        """Keep a rating the server refused, out of the upload queue, with the reason."""
        self._mark([uuid], REJECTED, reason)

    def _mark(self, uuids: list[str], state: str, error: str | None) -> None:
        if not uuids:
            return
        marks = ",".join("?" * len(uuids))
        with self.db.conn:
            self.db.execute(f"UPDATE ratings SET sync_state = ?, synced_at = ?, sync_error = ? "
                            f"WHERE uuid IN ({marks})", [state, utc_now(), error, *uuids])

    def backlog(self) -> int:
        return self.db.execute("SELECT count(*) FROM ratings WHERE sync_state = ?",
                               [PENDING]).fetchone()[0]

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM ratings").fetchone()[0]

    def all(self) -> list[dict]:
        return [self._decode(r) for r in self.db.query("SELECT * FROM ratings ORDER BY rowid")]

    @staticmethod
    def _decode(row: dict) -> dict:
        row = dict(row)
        if isinstance(row.get("reasons"), str):
            row["reasons"] = json.loads(row["reasons"])
        return row

    # -- retention (sync/retention.py): only ever synced rows ---------------------------------
    def purge_synced(self, rated_before: str, limit: int = 1000) -> int:
        """Delete up to limit synced ratings rated before rated_before (UTC ISO), oldest
        first. Pending and rejected ratings are never touched. Returns how many went."""
        with self.db.conn:
            cursor = self.db.conn.execute(
                "DELETE FROM ratings WHERE rowid IN (SELECT rowid FROM ratings WHERE "
                "sync_state = ? AND rated_at < ? ORDER BY rated_at, rowid LIMIT ?)",
                [SYNCED, rated_before, limit])
        return cursor.rowcount

    def used_bytes(self) -> int:
        """Bytes of the database file in use (free pages, reused by SQLite, not counted)."""
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        free = self.db.execute("PRAGMA freelist_count").fetchone()[0]
        size = self.db.execute("PRAGMA page_size").fetchone()[0]
        return (pages - free) * size
