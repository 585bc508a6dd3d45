"""A region's papers settings (issuing office, report recipients) and the monthly mailings
sent, so the 1st's report goes out once across workers and restarts. Appended as one
migration step after FACT_SCALARS."""
from __future__ import annotations

PAPER_TABLES = """
    CREATE TABLE region_papers (
        region TEXT PRIMARY KEY,
        office TEXT NOT NULL,
        recipients TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE report_mailings (
        scope TEXT NOT NULL,
        month TEXT NOT NULL,
        state TEXT NOT NULL,
        sent_at TEXT,
        detail TEXT NOT NULL,
        PRIMARY KEY (scope, month)
    )
"""
