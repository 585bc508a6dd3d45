"""Queue counted ratings for every export target (ingest hook) and send them (outbox sender).

The hook writes one outbox row per (rating, enabled target) in the rating's transaction;
the row id is derived from both, so a rating is queued for a target at most once, ever
(exactly once per rating per target: the outbox marks it sent and never claims it again).
The record is built when it is sent, from the rating as it stands then: a rating excluded
or superseded in between is cancelled, not sent; one the mapping will not send as it
stands (no real 办件编号, a reason without a code …) is held (holds.py) and released when
the cause is gone. A POST carries the record as JSON, the outbox id as Idempotency-Key and,
when the target has a secret, an HMAC-SHA256 signature; the platform's answer is read
(reply.py). A rating excluded after it was sent is retracted (retract.py).
"""
from __future__ import annotations

import json
import logging
import os
import time

from server.db import outbox
from server.db.base import utc_iso
from server.export import holds, records, reply, retract, targets
from server.export.mapping import Held, MappingError, load
from server.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

log = logging.getLogger(__name__)

KIND = "export"
RELEASE_ENV = "KIOSK_SERVER_EXPORT_RELEASE_S"   # how often the sender looks at held records
_last_sweep = [0.0]


def ingest_hook(tx, changes) -> int:
    """Queue each newly counted rating for every enabled target (one executemany for the
    batch); cancel unsent items of ratings that stopped counting, and retract the sent
    records of ratings an approved appeal excluded. How many it offered."""
    # The targets first: with none enabled, an upload's rows are never made into dicts here.
    names = targets.enabled_names(tx) if changes.size() else []
    rows = [row for row in changes.counted if records.counts(row)] if names else []
    items = [(name, row["device_id"], row["uuid"], "{}", row["case_key"]) for row in rows
             for name in names]
    outbox.enqueue_many(tx, KIND, items)
    for row in changes.uncounted:
        outbox.cancel_for_rating(tx, row["device_id"], row["uuid"], KIND)
        holds.drop_for_rating(tx, row["device_id"], row["uuid"])
        retract.on_uncounted(tx, row)
    return len(items)


def render(tx, target: dict, device_id: str, rating_uuid: str) -> dict | None:
    """The record of one rating as the target's mapping shapes it; None if it stopped
    counting; Held if the mapping will not send it as it stands."""
    record = records.one(tx, device_id, rating_uuid, target["region"])
    if record is None:
        return None
    record["count"] = records.evaluation_count(tx, target["name"], device_id,
                                               record["case_key"], rating_uuid)
    return load(target["mapping"]).apply(record)


def deliver(store, item: dict, deadline: float | None = None) -> None:
    """The outbox sender for exports; the POST is cut at `deadline` (time.monotonic())."""
    if retract.is_retraction(item["target"]):
        return retract.deliver(store, item, deadline)
    _sweep_now_and_then(store)
    with store.transaction(write=False) as tx:
        target = targets.get(tx, item["target"])
        if target is None or not target["enabled"]:
            raise outbox.Cancelled(f"target {item['target']} was removed or switched off")
        try:
            record = render(tx, target, item["device_id"], item["rating_uuid"])
            mapping = load(target["mapping"])
        except MappingError as exc:
            raise outbox.DeliveryError(str(exc)) from None
        except Held as held:
            record, mapping = held, None
    if isinstance(record, Held):
        with store.transaction() as tx:
            holds.hold(tx, item, record.reason, record.note, record.catalogue)
        raise outbox.Cancelled(record.note)  # the item is 'held' now; nothing is marked
    if record is None:
        raise outbox.Cancelled("the rating no longer counts (excluded or superseded)")
    body = json.dumps(record, ensure_ascii=False, sort_keys=False).encode()
    headers = {IDEMPOTENCY_HEADER: item["id"]}
    if target["secret"]:
        stamp = str(int(time.time()))
        headers.update({TIMESTAMP_HEADER: stamp,
                        SIGNATURE_HEADER: sign(target["secret"], stamp, body)})
    timeout = reply.TIMEOUT_S if deadline is None else deadline - time.monotonic()
    reply.post(target["url"], body, headers, timeout, mapping.reply)
    retract.after_send(store, item)


def release_ready(store, limit: int = 1000) -> int:
    """Release the held records that would now be sent (a 办件编号 arrived, the catalogue
    has the code now …); cancel those whose rating stopped counting. How many released."""
    released = 0
    with store.transaction() as tx:
        for name, device_id, rating_uuid in holds.open_holds(tx, limit):
            target = targets.get(tx, name)
            if target is None:
                continue
            try:
                record = render(tx, target, device_id, rating_uuid)
            except (Held, MappingError):
                continue
            if record is None:
                holds.drop_for_rating(tx, device_id, rating_uuid)
            else:
                released += holds.release(tx, name, device_id, rating_uuid)
    return released


def _sweep_now_and_then(store) -> None:
    every = float(os.environ.get(RELEASE_ENV, "60"))
    if time.monotonic() - _last_sweep[0] >= every:
        _last_sweep[0] = time.monotonic()
        try:
            release_ready(store)
        except Exception:  # noqa: BLE001 - a failed sweep must not stop this send
            log.exception("releasing held export records failed")


def backfill(store, target: str, since: str, until: str | None = None) -> int:
    """Queue the counted ratings of [since, until) (UTC text) for one target; ratings
    already queued for it are skipped by the outbox's key. How many were queued."""
    with store.transaction() as tx:
        if targets.get(tx, target) is None:
            raise targets.TargetError(f"no export target {target!r}")
        rows = tx.all(f"SELECT r.device_id, r.uuid, r.case_key FROM ratings r WHERE "
                      f"r.corrected_at >= ? AND r.corrected_at < ? AND {records.COUNTED}",
                      [since, until or "9999"])
        return sum(outbox.enqueue(tx, KIND, target, d, u, "{}", case_key=k)
                   for d, u, k in rows)


def status(store, target: str | None = None) -> dict:
    """Per target: counts by state; the items that failed (oldest first, with why); the
    records held and why; retractions sent by call; records to withdraw by hand."""
    summary = {k: v for k, v in outbox.summary(store, KIND).items()
               if not retract.is_retraction(k)}
    for item in targets.listing(store):
        summary.setdefault(item["name"], {})
    if target:
        summary = {target: summary.get(target, {})}
    failures = [{"target": p["target"], "rating": p["rating_uuid"], "device_id": p["device_id"],
                 "state": p["state"], "attempts": p["attempts"], "next_at": p["next_at"],
                 "error": p["last_error"], "queued_at": p["created_at"]}
                for p in outbox.problems(store, KIND, target)]
    with store.transaction(write=False) as tx:
        # Sent, then excluded by an approved appeal, and the mapping has no retraction call
        # (or it was excluded before retractions were recorded): the platform still holds
        # the record, so the people who upload must be told.
        withdrawn = [{"target": t, "rating": u, "device_id": d, "sent_at": at}
                     for t, u, d, at in tx.all(
                         "SELECT o.target, o.rating_uuid, o.device_id, o.sent_at FROM outbox o "
                         "JOIN ratings r ON r.device_id = o.device_id AND r.uuid = o.rating_uuid "
                         "LEFT JOIN export_retractions x ON x.target = o.target AND "
                         "x.device_id = o.device_id AND x.rating_uuid = o.rating_uuid "
                         "WHERE o.kind = 'export' AND o.state = 'sent' AND r.excluded = 1 AND "
                         "(x.mode IS NULL OR x.mode = 'manual')"
                         + (" AND o.target = ?" if target else "") + " ORDER BY o.sent_at",
                         [target] if target else []) if not retract.is_retraction(t)]
    retracted = [r for r in retract.listing(store) if r["mode"] == "call"
                 and (not target or r["target"] == target)]
    return {"at": utc_iso(), "targets": summary, "failures": failures,
            "held": holds.listing(store, target), "retracted": retracted,
            "excluded_after_sending": withdrawn}
