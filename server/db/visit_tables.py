"""When a console user last looked at a page (issue 25 item 1: "new 差评 since my last
visit"): one row per login and page, nothing else. Owned by the start page
(server/console/today*.py); appended as one migration step after FACT_SCALARS."""
from __future__ import annotations

VISIT_TABLES = """
    CREATE TABLE user_visits (
        login TEXT NOT NULL,
        page TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (login, page)
    )
"""
