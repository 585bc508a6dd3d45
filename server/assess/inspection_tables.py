"""督察 records (issue 28 item 3): one migration step on both stores.

A record is a deduction, bonus or veto an inspector saw: against a window unit (the
department `department` stationed in hall `hall`), optionally narrowed to a window and/or a
staff member; `item` is the key of an item of the scheme in force for that month; `count`
occurrences (points per occurrence and caps come from the scheme, not from the record).

state: 'recorded' (counts) → 'contested' (the unit's supervisor disagrees; still counts until
decided) → 'upheld' (the record stands, counts) or 'withdrawn' (does not count). A record
counts unless its state is 'withdrawn'. source: 'inspector' (a form), 'empty' (made from a
空岗 interval; source_ref = "<window>/<start iso>", unique within the hall, so one interval
makes one record; window numbers repeat across halls, hence the hall in the unique index).
photo: the stored evidence file's random name ('' none; server/assess/inspections_photos.py).
"""
from __future__ import annotations

INSPECTION_TABLES = """
    CREATE TABLE inspections (
        id TEXT PRIMARY KEY,
        hall TEXT NOT NULL,
        department TEXT NOT NULL,
        "window" INTEGER,
        staff_id TEXT,
        item TEXT NOT NULL,
        kind TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        occurred_at TEXT NOT NULL,
        note TEXT NOT NULL,
        photo TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT 'inspector',
        source_ref TEXT,
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'recorded',
        contest_reason TEXT,
        contested_by TEXT,
        contested_at TEXT,
        decided_by TEXT,
        decided_at TEXT,
        decision_note TEXT
    );
    CREATE INDEX inspections_month ON inspections (hall, occurred_at);
    CREATE INDEX inspections_state ON inspections (state, hall);
    CREATE INDEX inspections_time ON inspections (occurred_at, id);
    CREATE UNIQUE INDEX inspections_source ON inspections (hall, source, source_ref)
"""
