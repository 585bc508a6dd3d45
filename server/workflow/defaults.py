"""系统默认评价: where a locality's policy says so, a completed case nobody rated (a kiosk
level-0 "not rated" record, no phone rating) counts as 基本满意 after N working or natural
days. Off unless a policy turns it on (`kiosk-server policy set ... --default-mode`).

The stored rating is never changed. The default is a separate row in ratings with
source 'default', level 3 and a uuid derived from the level-0 row's (so two runs, or two
server processes, make it once); the level-0 row becomes superseded, exactly as when a phone
rating takes over a not-rated case. A real rating arriving later takes the case from the
default the same way (server/db/ratings.py), and the default becomes superseded in turn.
It is stored through the store's one ingest path (ratings.py ingest_rows), in the same
transaction, so the hooks (roll-ups, export queue, audit of the run) see the change
(counted default, uncounted level-0) like any other rating.
"""
from __future__ import annotations

import logging
import uuid as uuidlib
from datetime import datetime, timedelta, timezone

from server.db import audit
from server.db.base import parse_iso, utc_iso
from server.db.ratings import COLUMN_SQL, COLUMNS
from server.workflow import holidays, policy
from server.workflow.actors import SYSTEM
from server.workflow.workdays import UnknownYear, add_natural_days

log = logging.getLogger(__name__)

SOURCE = "default"
LEVEL = 3  # 基本满意
# Default uuids are uuid5(this, level-0 uuid): the same level-0 row always yields the same one.
NAMESPACE = uuidlib.UUID("6b696f73-6b2d-6465-6661-756c74000000")


def default_uuid(device_id: str, level0_uuid: str) -> str:
    return str(uuidlib.uuid5(NAMESPACE, f"{device_id}/{level0_uuid}"))


def _due(rule: policy.Policy, cal, at: datetime) -> datetime:
    if rule.default_mode == "natural":
        return add_natural_days(at, rule.default_days)
    return cal.add_working_days(at, rule.default_days)


def run(store, now: datetime | None = None) -> list[dict]:
    """Make the default ratings that are due now; returns the rows made (possibly none)."""
    now = now or datetime.now(timezone.utc)
    with store.transaction() as tx:
        on = tx.one("SELECT min(default_days) FROM case_policies WHERE default_mode <> 'off'")
        if on is None or on[0] is None:
            return []  # no locality counts unrated cases: nothing to look at
        # N working days always span at least N calendar days, so this bounds both modes.
        cutoff = utc_iso(now - timedelta(days=on[0]))
        rows = tx.all(f"SELECT {', '.join('r.' + c for c in ('uuid', 'device_id', 'corrected_at'))}"
                      f", d.hall FROM ratings r LEFT JOIN devices d ON d.device_id = r.device_id "
                      f"WHERE r.level = 0 AND r.superseded = 0 AND r.excluded = 0 "
                      f"AND r.corrected_at <= ? ORDER BY r.device_id, r.uuid", [cutoff])
        if not rows:
            return []
        cal = holidays.calendar(tx)
        rules: dict[str, policy.Policy] = {}
        made, skipped = [], []
        for level0_uuid, device_id, corrected_at, hall in rows:
            hall = hall or "?"
            if hall not in rules:
                rules[hall] = policy.for_hall(tx, hall)
            rule = rules[hall]
            if rule.default_mode == "off":
                continue
            try:
                due = _due(rule, cal, parse_iso(corrected_at))
            except UnknownYear as exc:
                skipped.append(str(exc))
                continue
            if due <= now:
                row = _make(tx, store, device_id, level0_uuid, due)
                if row:
                    made.append(row)
        if made:
            audit.append(tx, SYSTEM.audit_name, "rating.default", f"ratings:{len(made)}",
                         {"count": len(made), "uuids": [r["uuid"] for r in made[:100]]})
    if skipped:
        log.error("default ratings held back (no holiday schedule): %s", skipped[0])
    if made:
        log.info("%d unrated cases counted as 基本满意 (系统默认评价)", len(made))
    return made


def _make(tx, store, device_id: str, level0_uuid: str, due: datetime) -> dict | None:
    """The default of one level-0 row, stored through the store's one ingest path (it takes
    the case from the level-0 row, and every ingest hook runs on the change)."""
    found = tx.one(f"SELECT {COLUMN_SQL} FROM ratings WHERE device_id = ? AND uuid = ? AND "
                   f"superseded = 0 AND level = 0", [device_id, level0_uuid])
    if found is None:
        return None  # a real rating took the case meanwhile
    old = dict(zip(COLUMNS, found))
    at = utc_iso(due)
    new = {**old, "uuid": default_uuid(device_id, level0_uuid), "level": LEVEL, "reasons": "[]",
           "rated_at": at, "boot_id": SOURCE, "mono_s": 0.0, "received_at": utc_iso(),
           "corrected_at": at, "time_trusted": 1, "source": SOURCE, "superseded": 0}
    settled = store.ingest_rows(tx, [[new[c] for c in COLUMNS]], take_only=True)
    if settled is not None and settled[0]["status"] != "accepted":
        return None  # a real rating holds the case: no default
    return new


def is_default(row: dict) -> bool:
    return row.get("source") == SOURCE
