"""The PostgreSQL store (psycopg 3): for a province, several stateless server processes on one
database. Same queries as SQLite (db_ratings, db_devices); only connections, types and
migrations differ.

* One connection per thread, autocommit, each unit of work in an explicit transaction.
* `schema=` puts every table in that schema (search_path); the tests use a fresh schema per
  run so that parallel runs never collide.
* Migrations run under a transaction-scoped advisory lock, so processes starting together
  migrate once; the version lives in table schema_version.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
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
from server.db.org import ORG_TABLES
from server.db.staff_pins import STAFF_PIN_TABLES
from server.db.outbox import OUTBOX_CASE_KEY, OUTBOX_TABLES
from server.db.rankings import RANKING_TABLES
from server.db.ratings import PER_DEVICE_UUID_PG, RatingsMixin
from server.db.rollups import ROLLUP_TABLES
from server.db.users import USER_TABLES
from server.db.visit_tables import VISIT_TABLES
from server.db.voice_tables import VOICE_TABLES
from server.display.tables import DISPLAY_TABLES
from server.papers.tables import PAPER_TABLES
from server.workflow.record_tables import CASE_RECORD_TABLES
from server.db.workflow_tables import LIST_INDEXES, WORKFLOW_TABLES

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x6B696F736B  # any constant shared by every server process

# Each entry moves the schema one version up; never edit a shipped one, append. Version 1
# here is SQLite's version 2 (PostgreSQL support arrived with it).
MIGRATIONS = [
    """
    CREATE TABLE ratings (
        uuid TEXT PRIMARY KEY,
        level SMALLINT NOT NULL,
        reasons TEXT NOT NULL,
        "window" INTEGER NOT NULL,
        staff_id TEXT,
        ticket TEXT NOT NULL,
        case_id TEXT,
        item_code TEXT,
        device_id TEXT NOT NULL,
        rated_at TEXT NOT NULL,
        boot_id TEXT NOT NULL,
        mono_s DOUBLE PRECISION NOT NULL,
        received_at TEXT NOT NULL,
        corrected_at TEXT,
        time_trusted SMALLINT NOT NULL DEFAULT 0,
        case_key TEXT,
        source TEXT NOT NULL DEFAULT 'kiosk',
        superseded SMALLINT NOT NULL DEFAULT 0
    );
    CREATE INDEX ratings_device ON ratings (device_id, rated_at);
    CREATE INDEX ratings_window ON ratings ("window", rated_at);
    CREATE INDEX ratings_rated ON ratings (rated_at);
    CREATE INDEX ratings_corrected ON ratings (corrected_at);
    CREATE UNIQUE INDEX ratings_case ON ratings (device_id, case_key) WHERE superseded = 0;
    """ + DEVICE_TABLES,
    AUDIT_TABLES,
    WORKFLOW_TABLES,
    ORG_TABLES + ";" + USER_TABLES,
    PER_DEVICE_UUID_PG,
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


class PostgresStore(RatingsMixin, DevicesMixin, BaseStore):
    kind = "postgresql"
    paramstyle = "format"

    def __init__(self, url: str, schema: str | None = None) -> None:
        import psycopg  # the "server" extra; imported here so SQLite-only installs need none

        self._psycopg = psycopg
        self.url = url
        self.schema = schema
        self._local = threading.local()
        self._conns: list = []
        self._conns_lock = threading.Lock()
        self._closed = False
        self._migrate()

    def __repr__(self) -> str:
        return f"PostgresStore(schema={self.schema!r})"  # never the URL: it may hold a password

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None and conn.closed:
            conn = None
        if conn is None:
            if self._closed:
                raise RuntimeError("store is closed")
            conn = self._psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            if self.schema:
                conn.execute("SELECT set_config('search_path', %s, false)", [self.schema])
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        conn = self._conn()
        try:
            with conn.transaction(), conn.cursor() as cursor:
                yield Tx(cursor, self.paramstyle)
        except self._psycopg.OperationalError:
            # A dropped connection: forget it so the next call on this thread reconnects.
            self._local.conn = None
            raise

    def close(self) -> None:
        self._closed = True
        with self._conns_lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - best effort
                pass

    @property
    def schema_version(self) -> int:
        with self.transaction(write=False) as tx:
            return tx.one("SELECT max(version) FROM schema_version")[0] or 0

    def _migrate(self) -> None:
        with self.transaction() as tx:
            tx.q("SELECT pg_advisory_xact_lock(?)", [MIGRATION_LOCK])
            tx.q("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                 "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            version = tx.one("SELECT coalesce(max(version), 0) FROM schema_version")[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                log.info("migrating PostgreSQL schema %s to %d", self.schema or "public", number)
                for statement in filter(str.strip, script.split(";")):
                    tx.q(statement)
                tx.q("INSERT INTO schema_version (version) VALUES (?)", [number])
