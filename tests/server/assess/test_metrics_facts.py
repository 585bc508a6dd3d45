"""The database's sums of window facts (server/assess/metrics_facts.py, JSON read in SQL on
each store) equal the 窗口服务 page's own sums (server/facts/summary.py over refresh.read) on
the same rows: random window-days of the shape derive.py writes, with staff shares, 空岗
intervals (some excused by a note, some of nobody) and empty days; some stored with their
figures (refresh._store), some as before the figures were kept (JSON only)."""
from __future__ import annotations

import random
from datetime import date, datetime, timezone

from server.assess import metrics
from server.db import org
from server.db.base import BaseStore, utc_iso
from server.facts import refresh, summary
from server.workflow.workdays import HALL_TZ

DEPARTMENTS = {1: "市公安局", 2: "市公安局", 3: "市税务局", 4: ""}  # 5: not in the org
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)


def part(rnd: random.Random) -> dict:
    completed = rnd.randrange(6)
    return {"completed": completed,
            "durations": [rnd.randint(60, 1800) for _ in range(rnd.randrange(completed + 1))],
            "first_in": None, "last_out": None, "late": rnd.random() < 0.3, "early": False}


def facts(rnd: random.Random, day: date, people: list[str]) -> dict:
    staff = {sid: part(rnd) for sid in rnd.sample(people, rnd.randrange(3))}
    empty = []
    for i in range(rnd.choice((0, 0, 1, 2))):
        start = datetime(day.year, day.month, day.day, 9 + 2 * i, tzinfo=HALL_TZ)
        empty.append({"start": utc_iso(start), "end": utc_iso(start), "minutes": 20.0,
                      "staff": rnd.choice([*people, None]), "why": "nobody", "reason": None,
                      "open": False})
    return {**part(rnd), "empty": empty, "offline_min": 0.0, "working_min": 420.0,
            "staff": staff, "seen": True}


def test_database_sums_equal_the_service_pages_sums(store):
    rnd = random.Random(27)
    with store.transaction() as tx:
        org.put_region(tx, org.Region("410106", "上街区"))
        org.put_hall(tx, org.Hall("HA", "大厅", "410106"))
        for number, department in DEPARTMENTS.items():
            org.put_window(tx, org.Window("HA", number, f"窗口{number}", department))
        for day in range(1, 31):
            d = date(2026, 11, day)
            for window in rnd.sample(range(1, 6), rnd.randrange(6)):
                f = facts(rnd, d, ["S1", "S2", "S3"])
                if rnd.random() < 0.5:  # as the facts' refresh stores a day: with its figures
                    refresh._store(tx, "HA", window, d.isoformat(), f, NOW)
                else:  # as stored before the figures were kept (their columns NULL)
                    tx.q('INSERT INTO window_facts (hall, "window", day, facts, computed_at) '
                         "VALUES (?, ?, ?, ?, ?)", ["HA", window, d.isoformat(),
                                                    BaseStore.dumps(f), utc_iso(NOW)])
                for e in f["empty"]:
                    if rnd.random() < 0.5:
                        tx.q('INSERT INTO empty_notes (hall, "window", start, staff_id, '
                             "excused, note, noted_by, noted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             ["HA", window, e["start"], e["staff"], rnd.randrange(2), "说明",
                              "user:zhao", utc_iso(NOW)])
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    with store.transaction(write=False) as tx:
        stored = {bool(n) for (n,) in tx.all("SELECT completed IS NOT NULL FROM window_facts")}
    assert stored == {True, False}  # both kinds of rows are summed
    got = metrics.gather(store, ["HA"], first, last, now=NOW)
    rows, notes = refresh.read(store, ["HA"], first, last)
    assert sum(len(r[3]["empty"]) for r in rows) > 10 and any(
        n["excused"] for n in notes.values()) and any(not n["excused"] for n in notes.values())

    def key(hall, window, day, person):
        unit = f"HA/{DEPARTMENTS.get(window, '')}"
        return ("u", unit) if person is None else ("s", person)

    want = {g["key"]: g for g in summary.summarize(rows, notes, key)}
    assert {k[1] for k in want if k[0] == "u"} == {"HA/市公安局", "HA/市税务局", "HA/"}
    for (kind, name), g in want.items():
        if kind == "u":
            m = got.units[name]
            assert (m["handled"], m["handling_median_s"], m["late"], m["empty"]) == \
                (g["completed"], g["median_s"], g["late"], g["empty_n"]), name
        else:
            s = got.staff[name]
            assert (s["late"], s["empty"]) == (g["late"], g["empty_n"]), name
    assert set(got.staff) == {k[1] for k in want if k[0] == "s"}
