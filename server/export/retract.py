"""Retraction: a rating a target took, then excluded by an approved appeal.

When an exclusion reaches the export's ingest hook (appeals.exclude tells every hook), each
target that was sent the rating gets one export_retractions row, once (its key is the target
and the rating): mode 'call' when the target's mapping defines a retraction call (its
`retract` section), queued in the outbox as target '<name>#retract' and POSTed to the
target's URL joined with the section's path; mode 'manual' otherwise, listed on the export
page and by `kiosk-server export status` for someone to withdraw it on the platform by hand.
Both are audited when decided, a call again when the platform took it.
"""
from __future__ import annotations

import json
import logging
import time
from urllib.parse import urljoin

from server.db import audit, outbox
from server.db.base import utc_iso
from server.export import records, reply, targets
from server.export.mapping import Held, MappingError, load
from server.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

log = logging.getLogger(__name__)

KIND = "export"
SUFFIX = "#retract"
COLUMNS = ("target", "hall", "window", "rating", "mode", "state", "created_at", "done_at")


def is_retraction(target_name: str) -> bool:
    return target_name.endswith(SUFFIX)


def queue_one(tx, name: str, device_id: str, rating_uuid: str, case_key: str | None) -> bool:
    """Decide the retraction of one sent record, once; False if it was already decided."""
    target = targets.get(tx, name)
    try:
        call = target is not None and load(target["mapping"]).retract is not None
    except MappingError:
        call = False
    mode = "call" if call else "manual"
    if tx.q("INSERT INTO export_retractions (target, device_id, rating_uuid, mode, state, "
            "created_at, done_at) VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT DO NOTHING",
            [name, device_id, rating_uuid, mode, "queued" if call else "listed",
             utc_iso()]).rowcount != 1:
        return False
    if call:
        outbox.enqueue(tx, KIND, name + SUFFIX, device_id, rating_uuid, "{}", case_key=case_key)
    audit.append(tx, "system", "export.retract" if call else "export.withdraw",
                 f"rating:{rating_uuid}", {"target": name, "mode": mode})
    return True


def on_uncounted(tx, row: dict) -> None:
    """The ingest hook's part: an excluded rating's sent records are retracted."""
    excluded = tx.one("SELECT excluded FROM ratings WHERE device_id = ? AND uuid = ?",
                      [row["device_id"], row["uuid"]])
    if not excluded or not excluded[0]:  # superseded, not excluded: nothing to retract
        return
    for name, case_key in tx.all("SELECT target, case_key FROM outbox WHERE kind = ? AND "
                                 "device_id = ? AND rating_uuid = ? AND state = 'sent'",
                                 [KIND, row["device_id"], row["uuid"]]):
        if not is_retraction(name):
            queue_one(tx, name, row["device_id"], row["uuid"], case_key)


def after_send(store, item: dict) -> None:
    """A record that went out while its rating was being excluded: retract it too."""
    with store.transaction() as tx:
        row = tx.one("SELECT excluded FROM ratings WHERE device_id = ? AND uuid = ?",
                     [item["device_id"], item["rating_uuid"]])
        if row and row[0]:
            queue_one(tx, item["target"], item["device_id"], item["rating_uuid"],
                      item.get("case_key"))


def deliver(store, item: dict, deadline: float | None = None) -> None:
    """Send one retraction call (the outbox's sender for '<name>#retract' items)."""
    name = item["target"][:-len(SUFFIX)]
    with store.transaction(write=False) as tx:
        target = targets.get(tx, name)
        if target is None:
            raise outbox.Cancelled(f"target {name} was removed")
        try:
            mapping = load(target["mapping"])
        except MappingError as exc:
            raise outbox.DeliveryError(str(exc)) from None
        if mapping.retract is None:
            raise outbox.Cancelled(f"mapping {mapping.name} has no retraction call any more")
        record = records.one(tx, item["device_id"], item["rating_uuid"], target["region"],
                             counted_only=False)
        if record is None:
            raise outbox.Cancelled("the rating is gone")
        record["count"] = records.evaluation_count(tx, name, item["device_id"],
                                                   record["case_key"], item["rating_uuid"])
    try:
        body = json.dumps(mapping.retract.apply(record), ensure_ascii=False).encode()
    except Held as exc:
        raise outbox.Cancelled(f"retraction cannot be built: {exc.note}") from None
    headers = {IDEMPOTENCY_HEADER: item["id"]}
    if target["secret"]:
        stamp = str(int(time.time()))
        headers.update({TIMESTAMP_HEADER: stamp,
                        SIGNATURE_HEADER: sign(target["secret"], stamp, body)})
    timeout = reply.TIMEOUT_S if deadline is None else deadline - time.monotonic()
    reply.post(urljoin(target["url"], mapping.retract_path), body, headers, timeout,
               mapping.reply)
    with store.transaction() as tx:
        tx.q("UPDATE export_retractions SET state = 'sent', done_at = ? WHERE target = ? AND "
             "device_id = ? AND rating_uuid = ?",
             [utc_iso(), name, item["device_id"], item["rating_uuid"]])
        audit.append(tx, "system", "export.retracted", f"rating:{item['rating_uuid']}",
                     {"target": name})


def listing(store) -> list[dict]:
    """Every retraction decided, newest first, with the hall and window it came from."""
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT x.target, d.hall, r.\"window\", x.rating_uuid, x.mode, x.state, "
                      "x.created_at, x.done_at FROM export_retractions x LEFT JOIN devices d "
                      "ON d.device_id = x.device_id LEFT JOIN ratings r ON r.device_id = "
                      "x.device_id AND r.uuid = x.rating_uuid ORDER BY x.created_at DESC "
                      "LIMIT 2000")
    return [dict(zip(COLUMNS, row), hall=row[1] or "?") for row in rows]
