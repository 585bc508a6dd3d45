"""Roll-ups: counted ratings per local day × hall × window × staff × level (and × reason for 差评).

Kept by an ingest hook in the same transaction as the ratings, so the console's figures are
exact and ingest stays idempotent (a duplicate upload changes nothing that counts, so it is in
no IngestChanges). `apply(tx, added, removed)` adds counted rows and subtracts rows that stopped
counting (a level-0 record a real rating took over, an appeal that excluded a rating).
`rebuild(store)` recomputes everything from the ratings table; a test proves both agree.

Two grains: the fine tables (hall, day, window, staff) serve a hall's drill-down and ranking;
the hall-day tables serve a region's overview and hall ranking without summing every window.
The day is the hall's local date (UTC+8) of corrected_at; the hall is the device's hall
(devices table) when the rating is stored: a device moved to another hall keeps its old
figures where they were until `kiosk-server rollup rebuild`.
"""
from __future__ import annotations

import functools
import json
import logging
from collections import Counter
from datetime import datetime, timedelta

from sync.wire import BAD_LEVELS

log = logging.getLogger(__name__)

ROLLUP_TABLES = """
    CREATE TABLE rollup_levels (
        hall TEXT NOT NULL, day TEXT NOT NULL, "window" INTEGER NOT NULL,
        staff_id TEXT NOT NULL, level INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (hall, day, "window", staff_id, level)
    );
    CREATE TABLE rollup_reasons (
        hall TEXT NOT NULL, day TEXT NOT NULL, "window" INTEGER NOT NULL,
        staff_id TEXT NOT NULL, reason TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (hall, day, "window", staff_id, reason)
    );
    CREATE TABLE rollup_hall_levels (
        hall TEXT NOT NULL, day TEXT NOT NULL, level INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (hall, day, level)
    );
    CREATE TABLE rollup_hall_reasons (
        hall TEXT NOT NULL, day TEXT NOT NULL, reason TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (hall, day, reason)
    )
"""

# A rating counts when it is its case's rating and no appeal excluded it. The one place that
# says so for the rebuild (stats read only the roll-ups).
COUNTED_SQL = "r.superseded = 0 AND r.excluded = 0"

FINE = ("hall", "day", "window", "staff_id")
TABLES = {  # table: (key columns, the column the count is per)
    "rollup_levels": (FINE, "level"),
    "rollup_reasons": (FINE, "reason"),
    "rollup_hall_levels": (("hall", "day"), "level"),
    "rollup_hall_reasons": (("hall", "day"), "reason"),
}


def _cols(table: str) -> list[str]:
    keys, last = TABLES[table]
    return [*keys, last]


def _upsert_sql(table: str) -> str:
    cols = _cols(table)
    quoted = ", ".join(f'"{c}"' for c in cols)
    return (f"INSERT INTO {table} ({quoted}, n) VALUES ({', '.join('?' * (len(cols) + 1))}) "
            f"ON CONFLICT ({quoted}) DO UPDATE SET n = {table}.n + excluded.n")


def _many(tx, sql: str, rows: list) -> None:
    """executemany through a Tx (placeholders `?` on both stores)."""
    if rows:
        if tx._pg:
            sql = sql.replace("?", "%s")
        tx.cursor.executemany(sql, rows)


def local_day(corrected_at: str) -> str:
    """The hall's date (UTC+8) of a stored UTC time 'YYYY-MM-DDTHH:MM:SS.mmmZ' (its first 13
    characters, 'YYYY-MM-DDTHH', are enough)."""
    hour = int(corrected_at[11:13])
    if hour < 16:  # the common case without parsing: UTC 00-15 h is the same date in UTC+8
        return corrected_at[:10]
    return _next_day(corrected_at[:10])


@functools.lru_cache(maxsize=1024)
def _next_day(day: str) -> str:
    # strptime per rating was a quarter of a 500-rating ingest after 16:00 UTC (bench/ingest.py)
    return (datetime.strptime(day, "%Y-%m-%d") + timedelta(days=1)).strftime("%Y-%m-%d")


def _halls(tx, device_ids: set[str]) -> dict[str, str]:
    ids = sorted(device_ids)
    rows = tx.all(f"SELECT device_id, hall FROM devices WHERE device_id IN "
                  f"({', '.join('?' * len(ids))})", ids) if ids else []
    return dict(rows)


def _reasons(text) -> list[str]:
    if isinstance(text, list):
        return text
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


# The columns of a rating the roll-ups read (ratings.COLUMNS names).
FIELDS = ("device_id", "corrected_at", "window", "staff_id", "level", "reasons")


def columns(rows: list[dict]) -> list[list]:
    """FIELDS of rating dicts, as one list per field."""
    return [[r[f] for r in rows] for f in FIELDS]


def deltas(tx, added: list[list], removed: list[list]) -> dict[str, Counter]:
    """The change of every roll-up cell, per table, from FIELDS columns of the rows that now
    count (added) and of those that stopped counting (removed)."""
    halls = _halls(tx, set(added[0]) | set(removed[0]))
    out = {t: Counter() for t in TABLES}
    for (devices, times, windows, staff, levels, reasons), sign in ((added, 1), (removed, -1)):
        # Rows first counted by what decides their cells (the hour decides the hall's date),
        # in C; then each distinct cell once: a batch of 500 is a handful of cells.
        cells = Counter(zip(devices, [t[:13] for t in times], windows, staff, levels))
        for (device, hour, window, staff_id, level), n in cells.items():
            hall, day, level = halls.get(device, ""), local_day(hour), int(level)
            out["rollup_levels"][(hall, day, int(window), staff_id or "", level)] += sign * n
            out["rollup_hall_levels"][(hall, day, level)] += sign * n
        for i in (i for i, v in enumerate(levels) if int(v) in BAD_LEVELS):
            hall, day = halls.get(devices[i], ""), local_day(times[i])
            fine = (hall, day, int(windows[i]), staff[i] or "")
            for reason in set(_reasons(reasons[i])):
                out["rollup_reasons"][(*fine, reason)] += sign
                out["rollup_hall_reasons"][(hall, day, reason)] += sign
    return out


def apply(tx, added: list[dict], removed: list[dict]) -> None:
    """Add counted rows, subtract rows that stopped counting (dicts of ratings.COLUMNS), as one
    upsert per table; cells that drop to zero are deleted so rebuild and incremental agree."""
    if added or removed:
        apply_columns(tx, columns(added), columns(removed))


def apply_columns(tx, added: list[list], removed: list[list]) -> None:
    """apply() given FIELDS columns (see columns())."""
    for table, counter in deltas(tx, added, removed).items():
        rows = [[*key, n] for key, n in sorted(counter.items()) if n]
        _many(tx, _upsert_sql(table), rows)
        gone = [key for key, n in counter.items() if n < 0]
        if gone:
            where = " AND ".join(f'"{c}" = ?' for c in _cols(table))
            _many(tx, f"DELETE FROM {table} WHERE {where} AND n <= 0", sorted(gone))


def ingest_hook(tx, changes) -> None:
    """The product ingest hook (server/wiring.py): rows that now count, rows that stopped
    (their columns: a whole upload's rows are never made into dicts here)."""
    added = [changes.column(f) for f in FIELDS]
    if added[0] or changes.uncounted:
        apply_columns(tx, added, columns(changes.uncounted))


def day_sql(kind: str, column: str = "r.corrected_at") -> str:
    """SQL for local_day() of a UTC ISO text column: the one dialect difference here."""
    if kind == "postgresql":
        return (f"to_char(({column})::timestamptz AT TIME ZONE 'UTC' + interval '8 hours', "
                f"'YYYY-MM-DD')")
    return f"date({column}, '+8 hours')"


def rebuild(store) -> dict:
    """Recompute every roll-up from the ratings table in one transaction; the cell counts."""
    day = day_sql(store.kind)
    fine = f"""coalesce(d.hall, ''), {day}, r."window", coalesce(r.staff_id, '')"""
    source = (f"FROM ratings r LEFT JOIN devices d ON d.device_id = r.device_id "
              f"WHERE {COUNTED_SQL}")
    with store.transaction() as tx:
        for table in TABLES:
            tx.q(f"DELETE FROM {table}")
        tx.q(f'INSERT INTO rollup_levels (hall, day, "window", staff_id, level, n) '
             f"SELECT {fine}, r.level, count(*) {source} GROUP BY 1, 2, 3, 4, 5")
        tx.q("INSERT INTO rollup_hall_levels (hall, day, level, n) SELECT hall, day, level, "
             "sum(n) FROM rollup_levels GROUP BY hall, day, level")
        # Reasons are JSON text: group the bad ratings by their text in SQL (few distinct
        # texts), split each text once in Python.
        groups = tx.all(f"SELECT {fine}, r.reasons, count(*) {source} AND r.level IN (1, 2) "
                        f"GROUP BY 1, 2, 3, 4, 5")
        cells: Counter = Counter()
        for hall, d, window, staff, text, n in groups:
            for reason in set(_reasons(text)):
                cells[(hall, d, window, staff, reason)] += n
        _many(tx, _upsert_sql("rollup_reasons"), [[*k, n] for k, n in sorted(cells.items())])
        tx.q("INSERT INTO rollup_hall_reasons (hall, day, reason, n) SELECT hall, day, reason, "
             "sum(n) FROM rollup_reasons GROUP BY hall, day, reason")
        counts = {t: tx.one(f"SELECT count(*) FROM {t}")[0] for t in TABLES}
    if store.kind == "postgresql":  # fresh planner statistics, not autovacuum's later guess
        with store.transaction() as tx:
            for table in TABLES:
                tx.q(f"ANALYZE {table}")
    log.info("roll-ups rebuilt: %s", counts)
    return counts


def snapshot(store) -> dict[str, list[tuple]]:
    """Every roll-up row, sorted (tests compare rebuild with incremental through this)."""
    out = {}
    with store.transaction(write=False) as tx:
        for table in TABLES:
            cols = ", ".join(f'"{c}"' for c in _cols(table))
            out[table] = sorted(tuple(r) for r in tx.all(f"SELECT {cols}, n FROM {table}"))
    return out
