"""The facts' tables (issue 27), one migration step on both stores (after EVENT_TABLES).

- hall_hours: hours per scope (server/facts/hours.py).
- window_facts: one row per (hall, window, local day): the day's facts as JSON
  (server/facts/derive.py), recomputed when events of that day (or the day before: the
  look-back) arrive late.
- facts_marks: per hall, the received_at up to which events have been looked at; newer
  rows mark their (window, day) dirty.
- facts_dirty: the (hall, window, day) whose facts must be recomputed before they are read.
- empty_notes: a supervisor's annotation of a 空岗 interval (外出办事 approved, with a
  note); an excused interval does not count (server/facts/summary.py). Audited.
"""
from __future__ import annotations

FACT_TABLES = """
    CREATE TABLE hall_hours (
        scope TEXT PRIMARY KEY,
        hours TEXT NOT NULL,
        empty_minutes INTEGER NOT NULL,
        grace_minutes INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    );
    CREATE TABLE window_facts (
        hall TEXT NOT NULL,
        "window" INTEGER NOT NULL,
        day TEXT NOT NULL,
        facts TEXT NOT NULL,
        computed_at TEXT NOT NULL,
        PRIMARY KEY (hall, "window", day)
    );
    CREATE INDEX window_facts_day ON window_facts (hall, day);
    CREATE TABLE facts_marks (
        hall TEXT PRIMARY KEY,
        through TEXT NOT NULL
    );
    CREATE TABLE facts_dirty (
        hall TEXT NOT NULL,
        "window" INTEGER NOT NULL,
        day TEXT NOT NULL,
        PRIMARY KEY (hall, "window", day)
    );
    CREATE TABLE empty_notes (
        hall TEXT NOT NULL,
        "window" INTEGER NOT NULL,
        start TEXT NOT NULL,
        staff_id TEXT,
        excused SMALLINT NOT NULL,
        note TEXT NOT NULL,
        noted_by TEXT NOT NULL,
        noted_at TEXT NOT NULL,
        PRIMARY KEY (hall, "window", start)
    )
"""

# Issue 28's close reads a month of facts for a region: the figures it needs kept beside the
# JSON so it does not parse 50,000 documents (owned by the assessment performance work).
FACT_SCALARS = """
"""
