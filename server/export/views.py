"""What the console's export page reads: per target and state the outbox's counts, the
records that failed, the records held and the retractions, each with the hall it came from
so pages show only the viewer's halls."""
from __future__ import annotations

import logging

from server.export import holds, retract, targets

log = logging.getLogger(__name__)


def by_hall(store) -> tuple[list[dict], list[dict], list[dict]]:
    """(targets without secrets, [{target, hall, state, n}], failures with their hall)."""
    with store.transaction(write=False) as tx:
        counts = tx.all("SELECT o.target, d.hall, o.state, count(*) FROM outbox o LEFT JOIN "
                        "devices d ON d.device_id = o.device_id WHERE o.kind = 'export' "
                        "GROUP BY o.target, d.hall, o.state ORDER BY o.target")
        failed = tx.all("SELECT o.target, d.hall, r.\"window\", o.rating_uuid, o.state, "
                        "o.attempts, o.next_at, o.last_error, o.created_at FROM outbox o "
                        "LEFT JOIN devices d ON d.device_id = o.device_id LEFT JOIN ratings r "
                        "ON r.device_id = o.device_id AND r.uuid = o.rating_uuid WHERE "
                        "o.kind = 'export' AND o.state IN ('pending', 'sending', 'failed') AND "
                        "o.last_error IS NOT NULL ORDER BY CASE o.state WHEN 'failed' THEN 0 "
                        "ELSE 1 END, o.created_at LIMIT 500")
    keys = ("target", "hall", "window", "rating", "state", "attempts", "next_at", "error",
            "queued_at")
    return (targets.listing(store),
            [{"target": t, "hall": h or "?", "state": s, "n": n} for t, h, s, n in counts
             if not retract.is_retraction(t)],
            [dict(zip(keys, row), hall=row[1] or "?") for row in failed])


def held_and_retracted(store) -> tuple[list[dict], list[dict]]:
    """(open holds, retractions decided), each with its hall."""
    return holds.listing(store), retract.listing(store)
