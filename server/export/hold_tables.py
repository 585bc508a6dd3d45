"""Export holds and retractions (issue 29 items 2-3): one migration step on both stores.

- export_holds: a counted rating a target's mapping would not send as it stands: no real
  办件编号 (reason 'no_case_no'), a reason the target's catalogue has no code for
  ('unknown_reason'), a value the mapping marks as required that is unknown
  ('missing_field'), a value the mapping holds by definition ('not_exported', e.g. a 系统默认评价
  for 表9). The outbox item stays in state 'held' (never sent) until the cause is gone
  (released_at set, the item due again). `catalogue` is the reason catalogue's name and
  version the hold was decided under.
- export_retractions: a rating excluded by an approved appeal after a target took it: mode
  'call' (the mapping defines a retraction call: queued in the outbox as target
  '<name>#retract', state queued → sent) or 'manual' (listed for someone to withdraw it on
  the platform by hand). One row per (target, rating): a retraction happens once.
"""
from __future__ import annotations

EXPORT_HOLD_TABLES = """
    CREATE TABLE export_holds (
        target TEXT NOT NULL,
        device_id TEXT NOT NULL,
        rating_uuid TEXT NOT NULL,
        reason TEXT NOT NULL,
        note TEXT NOT NULL,
        catalogue TEXT NOT NULL DEFAULT '',
        held_at TEXT NOT NULL,
        released_at TEXT,
        PRIMARY KEY (target, device_id, rating_uuid)
    );
    CREATE INDEX export_holds_open ON export_holds (released_at, reason);
    CREATE TABLE export_retractions (
        target TEXT NOT NULL,
        device_id TEXT NOT NULL,
        rating_uuid TEXT NOT NULL,
        mode TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        done_at TEXT,
        PRIMARY KEY (target, device_id, rating_uuid)
    )
"""
