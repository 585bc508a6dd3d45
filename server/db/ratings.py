"""Rating queries shared by both stores: idempotent ingest, one counted rating per case, listing.

A uuid is unique per device (primary key (device_id, uuid)): a device can neither block
another device's rating nor be told `duplicate` for a uuid it never stored.

一次一评 on the server: the first rating of a case (device + case key) counts; a later one
from the other channel (kiosk vs phone) is kept with superseded = 1 so nothing a citizen said
is lost, but reports count only superseded = 0. A kiosk "not rated" (level 0, the screen
timed out) does not hold the case against a real answer: a phone rating after it takes the
case and the level-0 row becomes the superseded one.

A partial unique index on (device_id, case_key) WHERE superseded = 0 enforces this in the
database, so it also holds with several server processes on one PostgreSQL.
"""
from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Callable

from pydantic import TypeAdapter

from server.db import rating_rows
from server.db.clock_fix import DeviceClock
from sync.wire import ItemResult, RatingWire

log = logging.getLogger(__name__)

COLUMNS = ("uuid", "level", "reasons", "window", "staff_id", "ticket", "case_id", "item_code",
           "device_id", "rated_at", "boot_id", "mono_s", "received_at", "corrected_at",
           "time_trusted", "case_key", "source", "superseded")
# "window" is a reserved word in PostgreSQL (and a keyword in SQLite): always quote columns.
COLUMN_SQL = ", ".join(f'"{c}"' for c in COLUMNS)
INSERT_SQL = (f"INSERT INTO ratings ({COLUMN_SQL}) VALUES ({', '.join('?' * len(COLUMNS))}) "
              f"ON CONFLICT DO NOTHING")
# One statement for the whole batch on PostgreSQL, its rows sent as one JSON array of arrays:
# psycopg dumps a list parameter element by element in Python (a regex per string), which
# was ~20 us per rating as 18 arrays; json.dumps is C, and PostgreSQL unpacks it in C.
PG_TYPES = ("text", "smallint", "text", "integer", "text", "text", "text", "text", "text",
            "text", "text", "float8", "text", "text", "smallint", "text", "text", "smallint")
PG_INSERT_SQL = (f"INSERT INTO ratings ({COLUMN_SQL}) SELECT "
                 + ", ".join(f"(r->>{i})::{t}" for i, t in enumerate(PG_TYPES))
                 + " FROM jsonb_array_elements(?::jsonb) AS r"
                 + " ON CONFLICT DO NOTHING RETURNING device_id, uuid")
PG_LOCK_SQL = ("SELECT pg_advisory_xact_lock(hashtextextended(d, 7)) "
               "FROM unnest(?::text[]) AS d ORDER BY d")


# Migration step (both stores): uuids unique per device, and the server's own secrets (the
# key phone-rating uuids are derived from, so nobody who sees a QR code can compute one).
SECRETS_TABLE = "CREATE TABLE server_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
PER_DEVICE_UUID_PG = ("ALTER TABLE ratings DROP CONSTRAINT ratings_pkey; "
                      "ALTER TABLE ratings ADD PRIMARY KEY (device_id, uuid); " + SECRETS_TABLE)


def per_device_uuid_sqlite(conn) -> None:
    """SQLite cannot change a primary key in place: rebuild ratings with (device_id, uuid),
    keeping every column, index and trigger other migrations gave it."""
    cols = conn.execute("PRAGMA table_info(ratings)").fetchall()  # cid name type notnull dflt
    defs = ", ".join(f'"{c[1]}" {c[2]}' + (" NOT NULL" if c[3] else "")
                     + (f" DEFAULT {c[4]}" if c[4] is not None else "") for c in cols)
    extras = [r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE tbl_name = "
                                         "'ratings' AND type IN ('index', 'trigger') "
                                         "AND sql IS NOT NULL")]
    conn.execute(f"CREATE TABLE ratings_v ({defs}, PRIMARY KEY (device_id, uuid))")
    conn.execute("INSERT INTO ratings_v SELECT * FROM ratings")
    conn.execute("DROP TABLE ratings")
    conn.execute("PRAGMA legacy_alter_table = ON")  # views naming ratings stay as written
    conn.execute("ALTER TABLE ratings_v RENAME TO ratings")
    conn.execute("PRAGMA legacy_alter_table = OFF")
    for sql in extras:
        conn.execute(sql)
    conn.execute(SECRETS_TABLE)


# Results are dicts ({uuid, status, reason}); ingest() validates them as one list (one call
# into pydantic-core instead of 500 model constructions), ingest_plain() leaves them as they are.
RESULTS = TypeAdapter(list[ItemResult])


def _result(uuid: str, status: str, reason: str | None = None) -> dict:
    return {"uuid": uuid, "status": status, "reason": reason}


class Accepted(Sequence):
    """The results of a batch whose every rating was stored as new (the usual upload), held as
    the uuids in order: each result {uuid, status: accepted, reason: None} is made only when
    asked for, and the upload's answer is written from the uuids in one join
    (server/api/ingest.py answer())."""

    __slots__ = ("uuids",)

    def __init__(self, uuids: list[str]) -> None:
        self.uuids = uuids

    def __len__(self) -> int:
        return len(self.uuids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [_result(u, "accepted") for u in self.uuids[index]]
        return _result(self.uuids[index], "accepted")

    def __iter__(self):
        return (_result(u, "accepted") for u in self.uuids)


def _decode(row: tuple) -> dict:
    out = dict(zip(COLUMNS, row))
    out["reasons"] = json.loads(out["reasons"])
    out["time_trusted"] = bool(out["time_trusted"])
    out["superseded"] = bool(out["superseded"])
    return out


class IngestChanges:
    """What one ingest transaction changed in the counted set, for the hooks that follow it.

    counted: rows (dicts of COLUMNS) that now count for their case (superseded = 0);
    uncounted: rows that stopped counting (a level-0 record a real rating took over from).
    Superseded and duplicate uploads change nothing that counts, so they are in neither.

    An upload that lands whole gives its rows as lists (`rows`, in COLUMNS order): a hook
    that needs a few columns of every row reads column() and picks(), and the 500 dicts of
    `counted` are only made if a hook asks for them. Hooks must not change the rows.
    """

    def __init__(self, counted: list[dict] | None = None, uncounted: list[dict] | None = None,
                 rows: list[list] | None = None) -> None:
        self._rows = rows
        self._counted = counted if counted is not None or rows is not None else []
        self.uncounted = uncounted if uncounted is not None else []

    @property
    def counted(self) -> list[dict]:
        if self._counted is None:
            self._counted = [dict(zip(COLUMNS, row)) for row in self._rows]
        return self._counted

    def size(self) -> int:
        """How many rows now count."""
        return len(self._rows) if self._counted is None else len(self._counted)

    def column(self, name: str) -> list:
        """One column of the counted rows, in their order."""
        if self._counted is None:
            at = COLUMNS.index(name)
            return [row[at] for row in self._rows]
        return [row.get(name) for row in self._counted]

    def picks(self, indexes: list[int]) -> list[dict]:
        """The counted rows at these indexes (as dicts)."""
        if self._counted is None:
            return [dict(zip(COLUMNS, self._rows[i])) for i in indexes]
        return [self._counted[i] for i in indexes]


# A hook runs inside the ingest transaction, after the rows are written: what it writes
# commits or rolls back with the ratings (roll-ups, 差评 cases, alert and export outboxes).
IngestHook = Callable[[Any, IngestChanges], None]


class NotWired(RuntimeError):
    """A store without the product's ingest hooks was asked to store ratings."""


class RatingsMixin:
    """Needs self.transaction() from the concrete store.

    self.ingest_hooks: callables (tx, IngestChanges) run in the same transaction as ingest;
    server/wiring.py attaches the product's hooks to every store the server opens.
    """

    ingest_hooks: list[IngestHook] | None = None  # None: not wired, ingest refuses

    def ingest(self, ratings: list[RatingWire], clock: DeviceClock | None = None,
               source: str = "kiosk", now: datetime | None = None) -> list[ItemResult]:
        """Store ratings in one transaction, idempotent per (device, uuid); one result per
        rating, in order (see ingest_plain)."""
        return RESULTS.validate_python(list(self.ingest_plain(ratings, clock, source, now)))

    def ingest_plain(self, ratings: list[RatingWire], clock: DeviceClock | None = None,
                     source: str = "kiosk", now: datetime | None = None
                     ) -> list[dict] | Accepted:
        """ingest() with each result a dict {uuid, status, reason}, for a caller that writes
        them out itself (the upload route); Accepted when every rating was stored as new.

        The batch goes in as one set (executemany on SQLite, one JSON-array INSERT on
        PostgreSQL, in (device, uuid) order there); only the rows that did not land are looked
        at one by one (duplicate, superseded, or taking over a level-0 record)."""
        self._hooks()  # refused before anything is written
        now = now or datetime.now(timezone.utc)
        clock = clock or DeviceClock(None, None, None)
        results: list[dict | None] = [None] * len(ratings)
        rows, where, refused = rating_rows.build(ratings, clock, source, now)
        for i, uuid, reason in refused:  # a date out of range after correction
            results[i] = _result(uuid, "rejected", reason)
        if self.kind == "postgresql":  # the order rows take their index entries in
            pairs = sorted(zip(rows, where), key=lambda p: (p[0][8], p[0][0]))
            rows, where = [p[0] for p in pairs], [p[1] for p in pairs]

        def write(tx) -> list | None:
            return self.ingest_rows(tx, rows)

        # Batches arriving together may share one commit (SQLite's group commit); each is
        # still all or nothing, and answered only once its rows are durable.
        settled = self.write_grouped(write)
        if settled is None and not refused:  # the usual upload: every rating is new
            log.info("ingested %d ratings: all accepted", len(rows))
            uuids: list = [None] * len(rows)
            for i, row in zip(where, rows):  # in the order they came (PostgreSQL sorted them)
                uuids[i] = row[0]
            return Accepted(uuids)
        if settled is None:
            for i, row in zip(where, rows):
                results[i] = _result(row[0], "accepted")
            accepted = len(rows)
        else:
            for i, result in zip(where, settled):
                results[i] = result
            accepted = sum(r["status"] == "accepted" for r in settled)
        log.info("ingested %d ratings: %d accepted, %d not", len(results), accepted,
                 len(results) - accepted)
        return results

    def ingest_rows(self, tx, rows: list[list], take_only: bool = False) -> list | None:
        """THE way a rating enters the ratings table, inside the caller's transaction: write
        the rows (lists in COLUMNS order), then run every ingest hook on what now counts
        (roll-ups, 差评 case, alert, export queue). Kiosk upload, phone, `kiosk-server import`
        and the demo seed come through ingest(); a 系统默认评价 (server/workflow/defaults.py)
        comes here directly. None when every row landed as new, else each row's result.

        take_only: a row may only take its case from a not-rated or default record; when a
        real rating holds the case it is not stored at all (a default rating made late).
        A store nobody wired (server/wiring.py attach) refuses: a rating stored without
        its hooks is a 差评 with no case, figures without it, and no export."""
        hooks = self._hooks()
        landed = self._insert_set(tx, rows) if rows else set()
        settled = None
        if landed is None:  # every row landed: no row to look at again
            changes = IngestChanges(rows=rows)
        else:
            changes, settled = IngestChanges(), []
            for row in rows:
                if (row[8], row[0]) in landed:
                    landed.discard((row[8], row[0]))  # a second copy in the batch: duplicate
                    changes.counted.append(dict(zip(COLUMNS, row)))
                    settled.append(_result(row[0], "accepted"))
                else:
                    settled.append(self._settle(tx, row, changes, take_only))
        for hook in hooks:
            hook(tx, changes)
        return settled

    def _hooks(self) -> list[IngestHook]:
        if self.ingest_hooks is None:
            raise NotWired("ratings stored without the ingest hooks: open the store through "
                           "server.wiring.attach (or set ingest_hooks = [] for a bare load)")
        return self.ingest_hooks

    def _insert_set(self, tx, rows: list[list]) -> set[tuple[str, str]] | None:
        """Insert every row that conflicts with nothing; the (device_id, uuid) that landed,
        or None when every row did (nothing to look at again)."""
        if self.kind == "postgresql":
            # Per-device advisory locks in sorted order: two server processes writing the same
            # device's ratings queue up instead of deadlocking on the two unique indexes.
            tx.q(PG_LOCK_SQL, [sorted({row[8] for row in rows})])
            landed = tx.all(PG_INSERT_SQL, [json.dumps(rows)])
            return None if len(landed) == len(rows) else set(landed)
        # SQLite: BEGIN IMMEDIATE made this the only writer, so rows with a rowid above the
        # old maximum are exactly the ones this executemany put in.
        before = tx.one("SELECT coalesce(max(rowid), 0) FROM ratings")[0]
        if tx.cursor.executemany(INSERT_SQL, rows).rowcount == len(rows):
            return None
        return set(tx.all("SELECT device_id, uuid FROM ratings WHERE rowid > ?", [before]))

    def _settle(self, tx, row: list, changes: IngestChanges, take_only: bool = False) -> dict:
        """A row the set insert left out: stored before, or its case is already rated."""
        uuid, device_id, key = row[0], row[8], row[15]
        if tx.one("SELECT 1 FROM ratings WHERE device_id = ? AND uuid = ?",
                  [device_id, uuid]) is not None:
            return _result(uuid, "duplicate")
        # The case is already rated: by the other channel, or a level-0 timeout, or a
        # 系统默认评价 (server/workflow/defaults.py) that any real rating replaces.
        if row[1] > 0:
            taken = tx.all(f"UPDATE ratings SET superseded = 1 WHERE device_id = ? AND "
                           f"case_key = ? AND superseded = 0 AND (level = 0 OR "
                           f"source = 'default') "
                           f"RETURNING {COLUMN_SQL}, excluded", [device_id, key])
            if taken and tx.q(INSERT_SQL, row).rowcount == 1:
                # An excluded record (an approved appeal) already left every figure: it
                # must not be taken out of them a second time.
                changes.uncounted += [dict(zip(COLUMNS, r)) for r in taken if not r[-1]]
                changes.counted.append(dict(zip(COLUMNS, row)))
                return _result(uuid, "accepted",
                               "took the case from a not-rated (level 0) record")
        if take_only:
            return _result(uuid, "duplicate", "the case already has a real rating")
        first = tx.one("SELECT source FROM ratings WHERE device_id = ? AND case_key = ? "
                       "AND superseded = 0", [device_id, key])
        row = [*row[:-1], 1]  # a copy: the batch's rows must stay as they were for a rerun
        if tx.q(INSERT_SQL, row).rowcount == 1:
            by = "by phone" if first and first[0] == "phone" else "at the window"
            return _result(uuid, "accepted", f"superseded: this case was already rated {by}")
        return _result(uuid, "duplicate")

    def server_secret(self, name: str) -> str:
        """A random secret kept in the database (made on first use, shared by every server
        process on it, never logged): e.g. the key phone-rating uuids are derived with."""
        cache = self.__dict__.setdefault("_secrets", {})
        if name not in cache:
            with self.transaction() as tx:
                tx.q("INSERT INTO server_secrets (name, value) VALUES (?, ?) "
                     "ON CONFLICT DO NOTHING", [name, secrets.token_hex(32)])
                cache[name] = tx.one("SELECT value FROM server_secrets WHERE name = ?",
                                     [name])[0]
        return cache[name]

    def case_rating(self, device_id: str, case_key: str) -> dict | None:
        """The rating that counts for a case, or None."""
        with self.transaction(write=False) as tx:
            row = tx.one(f"SELECT {COLUMN_SQL} FROM ratings WHERE device_id = ? AND "
                         f"case_key = ? AND superseded = 0", [device_id, case_key])
        return _decode(row) if row else None

    def get_rating(self, uuid: str, device_id: str | None = None) -> dict | None:
        """The rating stored under uuid (for device_id: a uuid is unique per device only)."""
        sql, params = f"SELECT {COLUMN_SQL} FROM ratings WHERE uuid = ?", [uuid]
        if device_id is not None:
            sql, params = sql + " AND device_id = ?", [uuid, device_id]
        with self.transaction(write=False) as tx:
            row = tx.one(sql + " ORDER BY received_at LIMIT 1", params)
        return _decode(row) if row else None

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
        with self.transaction(write=False) as tx:
            total = tx.one(f"SELECT count(*) FROM ratings{clause}", params)[0]
            rows = tx.all(f"SELECT {COLUMN_SQL} FROM ratings{clause} "
                          f"ORDER BY rated_at, uuid LIMIT ? OFFSET ?", [*params, limit, offset])
        return [_decode(r) for r in rows], total

    def count(self) -> int:
        with self.transaction(write=False) as tx:
            return tx.one("SELECT count(*) FROM ratings")[0]
