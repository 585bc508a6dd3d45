"""The store's bulk path: many ratings at once without the per-batch ingest work.

For loading history (a province's archive, a benchmark): rows go in as given, in chunks of
one transaction each (executemany on SQLite, COPY on PostgreSQL), no ingest hooks run and
nothing is checked for duplicates or superseding, so the caller supplies rows that are
already final (superseded set, unique per (device_id, uuid)). Roll-ups are then computed once
by rollups.rebuild(), which is far cheaper than keeping them row by row.
"""
from __future__ import annotations

import logging
from typing import Iterable

from server.db.ratings import COLUMN_SQL, COLUMNS, INSERT_SQL

log = logging.getLogger(__name__)

CHUNK = 200_000


def load(store, rows: Iterable[tuple], chunk: int = CHUNK) -> int:
    """Insert rows (tuples in ratings.COLUMNS order); the number inserted."""
    total = 0
    buffer: list[tuple] = []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= chunk:
            total += _flush(store, buffer)
            buffer = []
    if buffer:
        total += _flush(store, buffer)
    log.info("bulk-loaded %d ratings", total)
    return total


def _flush(store, rows: list[tuple]) -> int:
    with store.transaction() as tx:
        if store.kind == "postgresql":
            with tx.cursor.copy(f"COPY ratings ({COLUMN_SQL}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            tx.q("PRAGMA cache_size = -262144")  # 256 MB while loading: the indexes stay hot
            tx.cursor.executemany(INSERT_SQL, rows)
    return len(rows)


__all__ = ["COLUMNS", "load"]
