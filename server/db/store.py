"""Server-side storage: pick the store for a --db value. The stores themselves live in
db_sqlite.py (embedded, the default) and db_postgres.py (a province's shared database); both
run the same queries (db_ratings.py, db_devices.py) behind the Store protocol (db_base.py)."""
from __future__ import annotations

from pathlib import Path

from server.db.base import Store, parse_iso, utc_iso
from server.db.ratings import COLUMN_SQL, COLUMNS
from server.db.sqlite import MIGRATIONS, SQLiteStore

__all__ = ["Store", "SQLiteStore", "MIGRATIONS", "COLUMNS", "COLUMN_SQL", "open_store",
           "utc_iso", "parse_iso", "is_postgres_url"]


def is_postgres_url(db: str | Path) -> bool:
    return str(db).startswith(("postgresql://", "postgres://"))


def open_store(db: str | Path, schema: str | None = None):
    """A PostgresStore for a postgresql:// URL, else a SQLiteStore on that file."""
    if is_postgres_url(db):
        from server.db.postgres import PostgresStore

        return PostgresStore(str(db), schema=schema)
    return SQLiteStore(db)
