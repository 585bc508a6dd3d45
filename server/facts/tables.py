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
# JSON so it does not parse 50,000 documents (server/assess/metrics_facts.py sums them in SQL).
# Written with the JSON by server/facts/refresh.py (_store, figures()):
# - completed, late (0/1): the day's 办件量 and whether the window's first sign-in was late;
# - durations: the day's 办理时长 seconds as "s,s,s" (NULL when none), joined per window by
#   the database and parsed once for the median;
# - empties: the day's 空岗 intervals as JSON [[start, 工号 or null], ...] (NULL when none; the
#   工号 only when that person is among the day's staff, as summary.py attributes them), so an
#   excused interval is matched exactly by its start;
# - window_facts_staff: each staff member's share of the day (late 0/1, completed).
# Rows stored before this step have NULL figures: they are marked dirty here (recomputed from
# their events when next read), and until then metrics_facts.py reads their JSON.
FACT_SCALARS = """
    ALTER TABLE window_facts ADD COLUMN completed INTEGER;
    ALTER TABLE window_facts ADD COLUMN late SMALLINT;
    ALTER TABLE window_facts ADD COLUMN durations TEXT;
    ALTER TABLE window_facts ADD COLUMN empties TEXT;
    CREATE TABLE window_facts_staff (
        hall TEXT NOT NULL,
        "window" INTEGER NOT NULL,
        day TEXT NOT NULL,
        staff_id TEXT NOT NULL,
        late SMALLINT NOT NULL,
        completed INTEGER NOT NULL,
        PRIMARY KEY (hall, day, "window", staff_id)
    );
    INSERT INTO facts_dirty (hall, "window", day) SELECT hall, "window", day FROM window_facts
        WHERE 1 = 1 ON CONFLICT DO NOTHING
"""
