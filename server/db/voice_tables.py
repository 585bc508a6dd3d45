"""A hall's own voice recordings (issue 26 item 9): one migration step.

- hall_voice: per (hall, phrase) one recording an admin uploaded (`kiosk-server voice set`):
  its SHA-256, format (wav/ogg), length in seconds, the file itself base64-encoded (a few
  hundred kB at most: ≤ 10 s, checked on upload; TEXT keeps it the same on SQLite and
  PostgreSQL and inside the store's backups), when and by whom it was set.
"""
from __future__ import annotations

VOICE_TABLES = """
    CREATE TABLE hall_voice (
        hall TEXT NOT NULL,
        phrase TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        format TEXT NOT NULL,
        seconds REAL NOT NULL,
        data_b64 TEXT NOT NULL,
        set_at TEXT NOT NULL,
        set_by TEXT NOT NULL,
        PRIMARY KEY (hall, phrase)
    )
"""
