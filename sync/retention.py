"""Keep the kiosk's store small without ever losing an unsynced rating.

purge() deletes synced ratings older than retention_days; then, while the store's used size
is still over max_store_mb, it deletes more synced ratings, oldest first, but never those of
the last keep_recent_s (default a day: the case keys of today's tickets stop a second rating
of the same case, 一次一评). Pending and rejected ratings are never deleted, whatever the size:
a kiosk that cannot reach the server keeps everything and the heartbeat shows the backlog.
Service events (sync/outbox_events.py) are purged by the same rules: synced ones only, after
retention_days, or sooner (never those of the last keep_recent_s) while the store is too big.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sync.outbox import Store

log = logging.getLogger(__name__)
CHUNK = 1000


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def purge(store: Store, retention_days: int = 30, max_store_mb: float = 500,
          now: datetime | None = None, keep_recent_s: float = 86400) -> dict:
    """Returns {"expired": n, "for_size": n, "events": n, "used_mb": size after} (expired and
    for_size count ratings, events the service events purged either way)."""
    now = now or datetime.now(timezone.utc)
    expired = events = 0
    cutoff = _iso(now - timedelta(days=retention_days))
    while (n := store.purge_synced(cutoff, CHUNK)) > 0:
        expired += n
    while (n := store.purge_synced_events(cutoff, CHUNK)) > 0:
        events += n
    for_size = 0
    cap = max_store_mb * 1e6
    recent = _iso(now - timedelta(seconds=keep_recent_s))
    while store.used_bytes() > cap:
        n = store.purge_synced(recent, CHUNK // 10)
        e = store.purge_synced_events(recent, CHUNK // 10)
        if n + e == 0:
            break  # only unsynced or recent rows left: keep them
        for_size += n
        events += e
    used_mb = store.used_bytes() / 1e6
    if expired or for_size or events:
        log.info("purged %d expired and %d more synced ratings for size, %d synced events; "
                 "store %.1f MB", expired, for_size, events, used_mb)
    return {"expired": expired, "for_size": for_size, "events": events, "used_mb": used_mb}


class RetentionJob:
    """Purges synced ratings once an hour on its own thread, with its own store connection."""

    def __init__(self, db_path, retention_days: int, max_store_mb: float,
                 every_s: float = 3600.0) -> None:
        import threading

        self.db_path, self.retention_days, self.max_store_mb = db_path, retention_days, max_store_mb
        self.every_s = every_s
        self.last: dict | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)

    def start(self) -> "RetentionJob":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                store = Store(self.db_path)
                try:
                    self.last = purge(store, self.retention_days, self.max_store_mb)
                finally:
                    store.close()
            except Exception:  # noqa: BLE001 - a purge failure must not end the kiosk
                log.exception("purging old ratings failed")
            self._stop.wait(self.every_s)
