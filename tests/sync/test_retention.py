"""Local purge: old synced ratings go, a size cap is kept, unsynced ratings never go."""
from datetime import datetime, timedelta, timezone

from sync.outbox import PENDING, REJECTED, SYNCED
from sync.retention import purge

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def iso(days_ago):
    return (NOW - timedelta(days=days_ago)).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def test_synced_ratings_older_than_retention_are_purged_and_unsynced_never(
        kiosk_store, record):
    old_synced = record(3, rated_at=iso(40))
    old_pending = record(2, rated_at=iso(40))
    old_rejected = record(1, rated_at=iso(40))
    new_synced = record(2, rated_at=iso(5))
    kiosk_store.mark_synced([r["uuid"] for r in old_synced + new_synced])
    kiosk_store.mark_rejected(old_rejected[0]["uuid"], "server: bad")
    out = purge(kiosk_store, retention_days=30, max_store_mb=100, now=NOW)
    assert out["expired"] == 3 and out["for_size"] == 0
    left = {r["uuid"]: r["sync_state"] for r in kiosk_store.all()}
    assert sorted(left) == sorted(r["uuid"] for r in old_pending + old_rejected + new_synced)
    assert sorted(left.values()) == [PENDING, PENDING, REJECTED, SYNCED, SYNCED]


def test_size_cap_purges_oldest_synced_first_but_keeps_today_and_unsynced(kiosk_store, record):
    synced = record(3000, rated_at=iso(10), staff_id="S-" + "x" * 60)
    kiosk_store.mark_synced([r["uuid"] for r in synced])
    today = record(5, rated_at=iso(0.1))
    kiosk_store.mark_synced([r["uuid"] for r in today])
    pending = record(50, rated_at=iso(20))
    before = kiosk_store.used_bytes()
    cap_mb = before / 2 / 1e6
    out = purge(kiosk_store, retention_days=30, max_store_mb=cap_mb, now=NOW)
    assert out["for_size"] > 0 and kiosk_store.used_bytes() <= before / 2
    states = [r["sync_state"] for r in kiosk_store.all()]
    assert states.count(PENDING) == 50
    assert {r["uuid"] for r in today} <= {r["uuid"] for r in kiosk_store.all()}


def test_a_cap_that_only_unsynced_rows_exceed_deletes_nothing(kiosk_store, record):
    record(200, rated_at=iso(50))
    out = purge(kiosk_store, retention_days=1, max_store_mb=0.001, now=NOW)
    assert out == {"expired": 0, "for_size": 0, "events": 0, "used_mb": out["used_mb"]}
    assert kiosk_store.backlog() == 200


def test_synced_events_expire_like_ratings_and_unsynced_events_never(kiosk_store):
    kiosk_store.bind_device("kiosk-07", 3)
    old = [kiosk_store.record_event("called", ticket=f"A{i:03d}", at=iso(40)) for i in range(4)]
    recent = kiosk_store.record_event("paused", at=iso(2))
    kiosk_store.mark_events_synced([e["uuid"] for e in old[:2]] + [recent["uuid"]])
    kiosk_store.mark_event_rejected(old[2]["uuid"], "server: bad")
    out = purge(kiosk_store, retention_days=30, max_store_mb=100, now=NOW)
    assert out["events"] == 2
    left = {e["uuid"]: e["sync_state"] for e in kiosk_store.all_events()}
    assert left == {old[2]["uuid"]: REJECTED, old[3]["uuid"]: PENDING, recent["uuid"]: SYNCED}
