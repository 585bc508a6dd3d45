"""The 差评 workflow's tables (cases, their steps, appeals, policies, holidays) and the
ratings.excluded flag: the same SQL on both stores, appended as one migration step in
server/db/sqlite.py and server/db/postgres.py. The logic lives in server/workflow/.

No column holds anything about the citizen: a case points at its rating by uuid and copies
only the hall, window, staff id and level the supervisors work with. Ratings are keyed
by (device_id, uuid), so cases and appeals carry both.
"""
from __future__ import annotations

WORKFLOW_TABLES = """
    ALTER TABLE ratings ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE holidays (
        day TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        note TEXT NOT NULL,
        loaded_at TEXT NOT NULL
    );
    CREATE TABLE case_policies (
        scope TEXT PRIMARY KEY,
        verify_days INTEGER NOT NULL,
        rectify_days INTEGER NOT NULL,
        answer_days INTEGER NOT NULL,
        default_mode TEXT NOT NULL,
        default_days INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    );
    CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        rating_uuid TEXT NOT NULL,
        hall TEXT NOT NULL,
        "window" INTEGER NOT NULL,
        staff_id TEXT,
        level INTEGER NOT NULL,
        state TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        verify_due TEXT,
        rectify_due TEXT,
        answer_due TEXT,
        due_error TEXT,
        escalated_to TEXT,
        escalated_at TEXT,
        closed_at TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX cases_rating ON cases (device_id, rating_uuid);
    CREATE INDEX cases_state ON cases (state, hall);
    CREATE TABLE case_steps (
        case_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        step TEXT NOT NULL,
        done_by TEXT NOT NULL,
        done_at TEXT NOT NULL,
        note TEXT NOT NULL,
        PRIMARY KEY (case_id, seq)
    );
    CREATE TABLE appeals (
        id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        rating_uuid TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        evidence TEXT NOT NULL,
        filed_by TEXT NOT NULL,
        filed_role TEXT NOT NULL,
        filed_at TEXT NOT NULL,
        state TEXT NOT NULL,
        decided_by TEXT,
        decided_role TEXT,
        decided_at TEXT,
        decision_note TEXT
    );
    CREATE UNIQUE INDEX appeals_pending ON appeals (device_id, rating_uuid)
        WHERE state = 'pending';
    CREATE INDEX appeals_state ON appeals (state, filed_at);
"""

# The 差评 lists' sort keys (server/workflow/case_list.py), indexed so a page of the keyset
# paged lists reads its rows in order and stops: 40,000 open cases cost what 50 do. The
# due-date key is an expression index; a query must spell it token for token (CASE_DUE_KEY).
CASE_DUE_KEY = ("coalesce(CASE state WHEN 'verify' THEN verify_due WHEN 'rectify' THEN "
                "rectify_due WHEN 'answer' THEN answer_due END, '~')")
LIST_INDEXES = f"""
    CREATE INDEX cases_hall_due ON cases (hall, ({CASE_DUE_KEY}), opened_at, id);
    CREATE INDEX cases_hall_opened ON cases (hall, opened_at, id);
    CREATE INDEX cases_hall_window ON cases (hall, "window", opened_at, id);
    CREATE INDEX cases_staff_opened ON cases (staff_id, opened_at, id);
    CREATE INDEX appeals_state_filed ON appeals (state, filed_at, id);
    CREATE INDEX appeals_filed ON appeals (filed_at, id)
"""
