"""The embedded store: one SQLite file (WAL, synchronous=FULL), one connection per thread."""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from server.db.base import BaseStore, Tx
from server.db.audit import AUDIT_TABLES
from server.db.audit_scope import SCOPE_TABLES
from server.db.devices import DEVICE_TABLES, DevicesMixin
from server.db.event_tables import EVENT_TABLES
from server.facts.tables import FACT_SCALARS, FACT_TABLES
from server.assess.inspection_tables import INSPECTION_TABLES
from server.assess.tables import ASSESS_TABLES
from server.db.business_tables import BUSINESS_TABLES
from server.db.org_units import UNIT_TABLES
from server.export.hold_tables import EXPORT_HOLD_TABLES
from server.db.group_commit import GroupCommit
from server.db.org import ORG_TABLES
from server.db.staff_pins import STAFF_PIN_TABLES
from server.db.outbox import OUTBOX_CASE_KEY, OUTBOX_TABLES
from server.db.rankings import RANKING_TABLES
from server.db.ratings import RatingsMixin, per_device_uuid_sqlite
from server.db.rollups import ROLLUP_TABLES
from server.db.users import USER_TABLES
from server.db.visit_tables import VISIT_TABLES
from server.db.voice_tables import VOICE_TABLES
from server.display.tables import DISPLAY_TABLES
from server.papers.tables import PAPER_TABLES
from server.workflow.record_tables import CASE_RECORD_TABLES
from server.db.workflow_tables import LIST_INDEXES, WORKFLOW_TABLES

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_S = 1.0
AUTOCHECKPOINT_PAGES = 8000  # ~32 MiB of log before a writer would checkpoint itself

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
    """
    ALTER TABLE ratings ADD COLUMN corrected_at TEXT;
    ALTER TABLE ratings ADD COLUMN time_trusted INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE ratings ADD COLUMN case_key TEXT;
    ALTER TABLE ratings ADD COLUMN source TEXT NOT NULL DEFAULT 'kiosk';
    ALTER TABLE ratings ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
    UPDATE ratings SET corrected_at = rated_at, case_key = 'legacy/' || uuid;
    CREATE UNIQUE INDEX ratings_case ON ratings (device_id, case_key) WHERE superseded = 0;
    CREATE INDEX ratings_corrected ON ratings (corrected_at);
    """ + DEVICE_TABLES,
    AUDIT_TABLES,
    WORKFLOW_TABLES,
    ORG_TABLES + ";" + USER_TABLES,
    per_device_uuid_sqlite,
    ROLLUP_TABLES + ";" + RANKING_TABLES,
    OUTBOX_TABLES,
    OUTBOX_CASE_KEY,
    LIST_INDEXES,
    SCOPE_TABLES,  # audit entries scoped to halls/regions; login failure notice
    EVENT_TABLES,  # service events (issue 27)
    STAFF_PIN_TABLES,  # staff sign-in PIN hashes (issue 27 item 2)
    FACT_TABLES,  # hall hours, facts per window and day, 空岗 notes (issue 27)
    UNIT_TABLES,  # departments' 统一社会信用代码 (issue 28 item 1)
    ASSESS_TABLES,  # assessment schemes and closed results (issue 28)
    INSPECTION_TABLES,  # 督察 records (issue 28 item 3)
    BUSINESS_TABLES,  # business systems and their 办件 (issue 29 item 1)
    EXPORT_HOLD_TABLES,  # export holds and retractions (issue 29 items 2-3)
    VOICE_TABLES,  # a hall's own voice recordings (issue 26 item 9)
    FACT_SCALARS,  # facts' figures beside their JSON for the 考核 close (issue 28)
    VISIT_TABLES,  # when a console user last looked at a page (issue 25 item 1)
    CASE_RECORD_TABLES,  # 核实/整改/反馈 records, 延期, appeal rules (issue 25 items 3-5)
    PAPER_TABLES,  # a region's issuing office and report recipients, mailings (issue 25 item 8)
    DISPLAY_TABLES,  # a hall's public display links (issue 25 item 11)
]


def private(path: Path) -> None:
    """Make the database file 0600 before SQLite opens it (its -wal and -shm files copy the
    mode): it holds secrets that must stay usable (alert signing keys, the SMTP password, the
    phone-uuid key). A file someone else owns keeps its mode, with a warning."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except OSError as exc:
        log.warning("cannot make %s private (0600): %s", path, exc)


class SQLiteStore(RatingsMixin, DevicesMixin, BaseStore):
    """Embedded store: one sqlite3 connection per thread (uvicorn runs sync work in a pool).

    Writes take the database lock at BEGIN (IMMEDIATE), so concurrent ingests serialise
    instead of failing on upgrade; several processes on one file work too, but a province
    runs PostgreSQL (db_postgres.py).

    One writer: in this process writes queue on a lock before BEGIN IMMEDIATE, instead of
    each thread polling SQLite's busy handler (which sleeps in growing steps: the multi-second
    tail of 50 kiosks on one file). WAL checkpoints run on a background thread every
    CHECKPOINT_EVERY_S, so no request pays for copying the log back into the database.
    """

    kind = "sqlite"
    paramstyle = "qmark"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        private(self.path)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._closed = False
        self._writer = threading.Lock()
        self._group = GroupCommit(self._writer, self._begin_write)
        self._checkpointer: threading.Thread | None = None
        self._migrate()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    def _checkpoint_loop(self) -> None:
        conn = sqlite3.connect(str(self.path), timeout=10, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=10000")
        try:
            while not self._stop.wait(CHECKPOINT_EVERY_S):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as exc:  # busy now: the next round catches up
                    log.debug("checkpoint skipped: %s", exc)
        finally:
            conn.close()

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
            # The background checkpointer does the regular work; this is the safety net.
            conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        conn = self._conn()
        if not write:
            conn.execute("BEGIN")
            try:
                yield Tx(conn.cursor(), self.paramstyle)
            finally:
                conn.execute("COMMIT")
            return
        with self._writer:
            tx, conn = self._begin_write()
            try:
                yield tx
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _begin_write(self) -> tuple[Tx, sqlite3.Connection]:
        """BEGIN IMMEDIATE on this thread's connection (the caller holds self._writer)."""
        if self._checkpointer is None and not self._closed:
            self._start_checkpointer()
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        return Tx(conn.cursor(), self.paramstyle), conn

    def write_grouped(self, work):
        """work(tx) in a write transaction shared with the writes queued meanwhile: one
        COMMIT, one fsync, for the group (server/db/group_commit.py)."""
        return self._group.run(work)

    def _start_checkpointer(self) -> None:
        with self._conns_lock:
            if self._checkpointer is None:
                self._stop = threading.Event()
                self._checkpointer = threading.Thread(target=self._checkpoint_loop,
                                                      name="sqlite-checkpoint", daemon=True)
                self._checkpointer.start()

    def close(self) -> None:
        self._closed = True
        if self._checkpointer is not None:
            self._stop.set()
            self._checkpointer.join(5)
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
                if callable(script):  # a step plain SQL cannot express (a table rebuild)
                    script(conn)
                    conn.execute(f"PRAGMA user_version = {number}")
                    continue
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
