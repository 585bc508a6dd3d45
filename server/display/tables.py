"""Display links for a hall's big screen: the token is stored as sha256 only; a link is
revoked, never deleted, so the audit can name it. Appended as one migration step after
FACT_SCALARS."""
from __future__ import annotations

DISPLAY_TABLES = """
    CREATE TABLE display_links (
        id TEXT PRIMARY KEY,
        token_sha256 TEXT NOT NULL UNIQUE,
        hall TEXT NOT NULL,
        label TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_by TEXT,
        revoked_at TEXT,
        last_seen_at TEXT
    )
"""
