"""The facts' figures kept beside their JSON (server/facts/tables.py FACT_SCALARS) on both
stores: a window-day stored before that migration (no figures) still counts the same in the
考核 data after the store migrates from its older schema version, and is recomputed with its
figures when read.

Events of two November 2026 days at window 1 (市公安局), the hours' default 09:00-12:00,
13:30-17:30 with 15 minutes' grace and 空岗 from 15 minutes:
- Mon 2 Nov: S001 signs in 08:55, 4 cases of 10 minutes, a 20-minute pause at 10:30 (a 空岗);
- Tue 3 Nov: S001 signs in 09:40 (late; 09:00-09:40 is a 空岗 of nobody, put on the day's
  only staff member), 4 cases, a 30-minute pause at 14:00, excused by a supervisor's note.
So 办件量 8, 办理时长 median 600 s, 空岗 2 (the excused one left out), 迟到 1, and S001 late
once with two 空岗."""
from __future__ import annotations

from datetime import date, datetime, timezone

from server import wiring
from server.assess import metrics
from server.db import org, postgres, sqlite
from server.db.base import utc_iso
from server.db.store import open_store
from server.facts.tables import FACT_SCALARS
from server.facts import refresh
from tests.helpers import service_events as se

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)
FIGURES = ("completed", "late", "durations", "empties")


def load(store) -> None:
    with store.transaction() as tx:
        org.put_region(tx, org.Region("410106", "上街区"))
        org.put_hall(tx, org.Hall("HA", "大厅", "410106"))
        org.put_window(tx, org.Window("HA", 1, "窗口1", "市公安局"))
    se.insert(store, "HA", 1, se.day_script("2026-11-02", "S001", 4, ("10:30", "10:50")))
    late = [s if s[1] != "staff_in" else ("2026-11-03 09:40", *s[1:])
            for s in se.day_script("2026-11-03", "S001", 4, ("14:00", "14:30"))]
    se.insert(store, "HA", 1, sorted(late, key=lambda s: s[0]))
    refresh.refresh(store, "HA", FIRST, LAST, now=NOW)
    rows, _ = refresh.read(store, ["HA"], date(2026, 11, 3), date(2026, 11, 3))
    (start,) = [e["start"] for e in rows[0][3]["empty"] if e["start"].startswith(
        "2026-11-03T06:00")]
    with store.transaction() as tx:
        tx.q('INSERT INTO empty_notes (hall, "window", start, staff_id, excused, note, '
             "noted_by, noted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             ["HA", 1, start, "S001", 1, "外出办事", "user:zhao", utc_iso(NOW)])


def seen(store) -> tuple:
    got = metrics.gather(store, ["HA"], FIRST, LAST, now=NOW)
    unit, person = got.units["HA/市公安局"], got.staff["S001"]
    return (unit["handled"], unit["handling_median_s"], unit["empty"], unit["late"],
            person["late"], person["empty"])


def undo_later(tx, later: list[str]) -> None:
    """Undo the migrations that follow FACT_SCALARS, newest first, so the store migrates them
    again after FACT_SCALARS: they may only create tables and indexes and add columns."""
    for script in reversed(later):
        for statement in reversed([s.strip() for s in script.split(";") if s.strip()]):
            words = statement.replace("(", " ").split()
            if words[:2] == ["CREATE", "TABLE"]:
                tx.q(f"DROP TABLE {words[2]}")
            elif words[0] == "CREATE" and "INDEX" in words[:3]:
                name = words[words.index("INDEX") + 1]
                tx.q(f"DROP INDEX IF EXISTS {name}")  # gone already with its new table
            elif words[:2] == ["ALTER", "TABLE"] and words[3:5] == ["ADD", "COLUMN"]:
                tx.q(f"ALTER TABLE {words[2]} DROP COLUMN {words[5]}")
            else:
                raise AssertionError(f"cannot undo this migration statement: {statement}")


def back_to_before(store) -> None:
    """The schema as it was before FACT_SCALARS: its columns and table gone (and what later
    migrations made), the version where FACT_SCALARS starts, nothing dirty."""
    migrations = postgres.MIGRATIONS if store.kind == "postgresql" else sqlite.MIGRATIONS
    at = migrations.index(FACT_SCALARS)
    with store.transaction() as tx:
        undo_later(tx, migrations[at + 1:])
        for column in FIGURES:
            tx.q(f"ALTER TABLE window_facts DROP COLUMN {column}")
        tx.q("DROP TABLE window_facts_staff")
        tx.q("DELETE FROM facts_dirty")
        if store.kind == "postgresql":
            tx.q("DELETE FROM schema_version WHERE version > ?", [at])
        else:
            tx.q(f"PRAGMA user_version = {at}")


def test_a_day_stored_before_the_figures_counts_the_same_after_the_migration(db):
    store = wiring.attach(open_store(db[0], schema=db[1]))
    try:
        load(store)
        assert seen(store) == (8, 600, 2, 1, 1, 2)
        back_to_before(store)
    finally:
        store.close()
    store = wiring.attach(open_store(db[0], schema=db[1]))  # migrates to the figures
    try:
        latest = len(postgres.MIGRATIONS if store.kind == "postgresql" else sqlite.MIGRATIONS)
        assert store.schema_version == latest
        with store.transaction(write=False) as tx:
            assert tx.all('SELECT day, completed FROM window_facts ORDER BY day') == [
                ("2026-11-02", None), ("2026-11-03", None)]
            assert tx.all("SELECT count(*) FROM window_facts_staff") == [(0,)]
            assert tx.all("SELECT day FROM facts_dirty ORDER BY day") == [
                ("2026-11-02",), ("2026-11-03",)]
        assert seen(store) == (8, 600, 2, 1, 1, 2)
        with store.transaction(write=False) as tx:  # recomputed with their figures
            assert tx.all("SELECT day, completed, late, durations FROM window_facts "
                          "ORDER BY day") == [("2026-11-02", 4, 0, "600,600,600,600"),
                                              ("2026-11-03", 4, 1, "600,600,600,600")]
            assert tx.all('SELECT day, staff_id, late, completed FROM window_facts_staff '
                          "ORDER BY day") == [("2026-11-02", "S001", 0, 4),
                                              ("2026-11-03", "S001", 1, 4)]
            assert tx.all("SELECT count(*) FROM facts_dirty") == [(0,)]
    finally:
        store.close()
