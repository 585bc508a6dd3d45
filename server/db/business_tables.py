"""Business systems (办件系统) and the 办件 they ask to be rated (issue 29): one migration step.

- business_systems: a registered business system: its own credential (sha256 of the token,
  server.auth.digest), the halls it may name, revoked_at.
- business_cases: one 办件 a business system finished and asked the kiosk at (hall, window) to
  rate: the real 办件编号 (case_no), 事项编码 and name, applicant type ('person' 个人 /
  'legal' 法人), the serving staff's 工号; state waiting → shown → rated, or offered (the
  kiosk was offline past the bound: offered by QR/phone) / expired; rating_uuid once rated.
  The rating itself carries case_no as its case_id and item_code.
"""
from __future__ import annotations

BUSINESS_TABLES = """
    CREATE TABLE business_systems (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        halls TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE TABLE business_cases (
        case_no TEXT PRIMARY KEY,
        system_id TEXT NOT NULL,
        hall TEXT NOT NULL,
        "window" INTEGER NOT NULL,
        item_code TEXT NOT NULL,
        item_name TEXT NOT NULL,
        applicant_type TEXT NOT NULL,
        staff_id TEXT,
        requested_at TEXT NOT NULL,
        state TEXT NOT NULL,
        rating_uuid TEXT
    );
    CREATE INDEX business_cases_waiting ON business_cases (state, hall, "window");
    CREATE INDEX business_cases_rating ON business_cases (rating_uuid)
"""
