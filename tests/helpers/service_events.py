"""Service events straight into the store's service_events table, for facts tests (the real
ingest route is the evpipe branch's; a black-box test through it comes with the merge).

A script is a list of (local time "YYYY-MM-DD HH:MM[:SS]" in the halls' UTC+8, kind,
fields); rows get the same shape the ingest route writes (corrected_at = at, trusted)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from server.db.base import utc_iso
from server.workflow.workdays import HALL_TZ


def local(text: str) -> datetime:
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(text, fmt).replace(tzinfo=HALL_TZ).astimezone(timezone.utc)


def rows(hall: str, window: int, script, device_id: str | None = None,
         received_at: datetime | None = None) -> list[tuple]:
    device_id = device_id or f"{hall}-w{window}"
    out = []
    for when, kind, *fields in script:
        f = fields[0] if fields else {}
        at = utc_iso(local(when))
        out.append((device_id, str(uuid.uuid4()), kind, hall, window, f.get("staff_id"),
                    f.get("ticket"), f.get("case_key"), f.get("case_id"), f.get("reason"),
                    f.get("cause"), at, at, 1, "boot-1", 0.0,
                    utc_iso(received_at or local(when))))
    return out


INSERT = ('INSERT INTO service_events (device_id, uuid, kind, hall, "window", staff_id, ticket, '
          "case_key, case_id, reason, cause, at, corrected_at, time_trusted, boot_id, mono_s, "
          "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def insert(store, hall: str, window: int, script, device_id: str | None = None,
           received_at: datetime | None = None) -> int:
    batch = rows(hall, window, script, device_id, received_at)
    with store.transaction() as tx:
        for row in batch:
            tx.q(INSERT, row)
    return len(batch)


def day_script(day: str, staff: str = "S001", cases: int = 4, pause=None) -> list:
    """A plain working day: app up at 08:30, sign-in 08:55, `cases` calls of 10 minutes from
    09:00 on, a pause (start, end, reason) if given, sign-out 17:35, app stop 17:40."""
    script = [(f"{day} 08:30", "app_start"), (f"{day} 08:55", "staff_in", {"staff_id": staff})]
    for i in range(cases):
        h, m = divmod(9 * 60 + 15 * i, 60)
        ticket = f"A{i + 1:03d}"
        script += [(f"{day} {h:02d}:{m:02d}", "called", {"ticket": ticket}),
                   (f"{day} {h:02d}:{m + 10:02d}", "completed",
                    {"ticket": ticket, "case_key": f"k{i}"})]
    if pause:
        script += [(f"{day} {pause[0]}", "paused", {"reason": pause[2] if len(pause) > 2
                                                     else None}),
                   (f"{day} {pause[1]}", "resumed")]
    script += [(f"{day} 17:35", "staff_out", {"staff_id": staff, "cause": "key"}),
               (f"{day} 17:40", "app_stop")]
    return sorted(script, key=lambda s: s[0])
