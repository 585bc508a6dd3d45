"""What every server store shares: the Store protocol, one transaction helper, time formatting.

A concrete store (db_sqlite.SQLiteStore, db_postgres.PostgresStore) supplies connections and
its migrations; the queries themselves live in the mixins (db_ratings, db_devices) and are
written once, with `?` placeholders that the PostgreSQL store turns into `%s`.

Portability rules the queries follow, so several stateless server processes can share one
PostgreSQL: every write that may race is an INSERT ... ON CONFLICT DO NOTHING or a single
conditional UPDATE, never read-then-write in Python; times are stored as UTC ISO-8601 text
with milliseconds and a Z (they sort as text the same on both stores).
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Protocol, TypeVar, runtime_checkable

from sync.wire import ItemResult

T = TypeVar("T")


def utc_iso(value: datetime | None = None) -> str:
    """UTC, ISO 8601 with milliseconds and a Z (sorts as text, same form the kiosk uses)."""
    value = (value or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# SQLite's words for a database that is there but cannot be used just now (another process
# holds it, the disk or the file failed): the same statement works once that is over.
SQLITE_AWAY = ("database is locked", "database table is locked", "unable to open database",
               "disk i/o error", "file is not a database", "database disk image is malformed",
               "attempt to write a readonly database")


def unavailable(exc: BaseException) -> bool:
    """True when `exc` means the database is away or busy (PostgreSQL down, restarting or
    refusing connections; a SQLite file locked or unreadable) rather than a bug: the server
    answers 503 with Retry-After then, and the same request works once it is back."""
    import sqlite3

    cause = exc.__cause__
    if isinstance(exc, RuntimeError) and cause is not None and cause is not exc:
        return unavailable(cause)  # group commit: "the write transaction failed: <why>"
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and \
            not isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
        return any(words in str(exc).lower() for words in SQLITE_AWAY)
    names = {f"{c.__module__}.{c.__name__}" for c in type(exc).__mro__}
    # psycopg's OperationalError: no connection, connection lost, server shutting down or
    # starting up (psycopg is imported only by the PostgreSQL store).
    return "psycopg.OperationalError" in names or "psycopg_pool.PoolTimeout" in names


class Tx:
    """One open transaction: q() runs a statement (placeholders `?`) and returns the cursor."""

    def __init__(self, cursor: Any, paramstyle: str) -> None:
        self.cursor = cursor
        self._pg = paramstyle == "format"

    def q(self, sql: str, params: tuple | list = ()) -> Any:
        if self._pg:
            sql = sql.replace("?", "%s")
        self.cursor.execute(sql, tuple(params))
        return self.cursor

    def one(self, sql: str, params: tuple | list = ()) -> tuple | None:
        return self.q(sql, params).fetchone()

    def all(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        return list(self.q(sql, params).fetchall())


class BaseStore:
    """Connection handling is the subclass's; transaction() is the one way in for queries."""

    paramstyle = "qmark"
    kind = "base"

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def write_grouped(self, work: Callable[[Tx], T]) -> T:
        """work(tx) in a write transaction; a store may share one commit between callers
        that arrive together (SQLite: server/db/group_commit.py). Its exception rolls back
        only its own writes."""
        with self.transaction() as tx:
            return work(tx)

    @staticmethod
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@runtime_checkable
class Store(Protocol):
    """What the app needs from a store (SQLite or PostgreSQL); see the two mixins for more."""

    kind: str

    def ingest(self, ratings: list, envelope: Any = None,
               device_id: str | None = None) -> list[ItemResult]:
        """Store ratings in one transaction, idempotent by uuid; one result per rating."""

    def list_ratings(self, limit: int, offset: int, device_id: str | None = None,
                     window: int | None = None) -> tuple[list[dict], int]:
        """A page of stored ratings (oldest rated first) and the total matching the filters."""

    def count(self) -> int:
        """How many ratings are stored."""

    def close(self) -> None:
        """Release connections."""
