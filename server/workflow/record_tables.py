"""What each 差评 step found and did (核实 finding, 整改 record, 反馈 record), extensions
(延期) with their approval, and the appeal and policy columns the rules need (issue 25
items 3-5). Appended as one migration step after FACT_SCALARS; the logic lives in
server/workflow/. Nothing here identifies the citizen: a 反馈 record says how they were
answered and what they said about the handling, never who they are."""
from __future__ import annotations

CASE_RECORD_TABLES = """
    CREATE TABLE case_records (
        case_id TEXT NOT NULL,
        step TEXT NOT NULL,
        finding TEXT,
        contact TEXT,
        reply TEXT,
        detail TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (case_id, step)
    );
    CREATE TABLE case_extensions (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL,
        step TEXT NOT NULL,
        days INTEGER NOT NULL,
        reason TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        state TEXT NOT NULL,
        old_due TEXT NOT NULL,
        new_due TEXT,
        decided_by TEXT,
        decided_at TEXT,
        decision_note TEXT
    );
    CREATE UNIQUE INDEX case_extensions_pending ON case_extensions (case_id)
        WHERE state = 'pending';
    CREATE INDEX case_extensions_state ON case_extensions (state, requested_at);
    ALTER TABLE appeals ADD COLUMN refiles TEXT;
    ALTER TABLE appeals ADD COLUMN second_by TEXT;
    ALTER TABLE appeals ADD COLUMN second_at TEXT;
    ALTER TABLE case_policies ADD COLUMN extend_max_days INTEGER;
    ALTER TABLE case_policies ADD COLUMN appeal_second INTEGER
"""
