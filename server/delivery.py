"""The delivery worker: sends what the outbox holds (alerts, provincial exports), with retries.

One daemon thread per kind, so a provincial platform that is down never holds back a duty
manager's alert. Each round claims the due items of its kind a few at a time, no more than
it can send within one lease (server/db/outbox.py: a conditional UPDATE per row, so several
server processes share the work without sending anything twice), hands each to its sender
with a hard deadline inside the lease, and marks it sent, cancelled, or pending again with exponential back-off. When one target fails, the rest of its items in that round are
put back untried (a platform that is down costs one timeout per round, not one per item).

`kiosk-server serve` starts it with the app; `kiosk-server deliver --once` runs one round
for cron; KIOSK_SERVER_DELIVERY_POLL_S sets how often it looks (default 1 s; 0 = off),
KIOSK_SERVER_DELIVERY_TIMEOUT_S how long one send may take in all (default 10 s) and
KIOSK_SERVER_DELIVERY_LEASE_S how long a claim holds (default 120 s; a send is cut
outbox.lease_margin() before the lease ends, whichever comes first).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from server.db import outbox

log = logging.getLogger(__name__)

POLL_ENV = "KIOSK_SERVER_DELIVERY_POLL_S"
DEFAULT_POLL_S = 1.0
DEFAULT_TIMEOUT_S = 10.0


def handlers() -> dict:
    """kind -> deliver(store, item): the senders of every outbox kind."""
    from server.export import sender
    from server.workflow import alerts

    return {"alert": alerts.deliver, "export": sender.deliver}


class Deliverer:
    """Claims and sends outbox items; start() runs it in threads, run_once() one round."""

    def __init__(self, store, kinds: dict | None = None, poll_s: float | None = None,
                 backoff: outbox.Backoff | None = None, batch: int = 50,
                 max_attempts: int = outbox.MAX_ATTEMPTS, timeout_s: float | None = None,
                 lease_s: float | None = None) -> None:
        self.store = store
        self.kinds = kinds if kinds is not None else handlers()
        if poll_s is None:
            poll_s = float(os.environ.get(POLL_ENV, DEFAULT_POLL_S))
        self.poll_s = poll_s
        self.backoff = backoff or outbox.Backoff()
        self.batch = batch
        self.max_attempts = max_attempts
        self.timeout_s = timeout_s or float(os.environ.get(outbox.TIMEOUT_ENV,
                                                           DEFAULT_TIMEOUT_S))
        self.lease_s = lease_s or float(os.environ.get(outbox.LEASE_ENV, outbox.LEASE_S))
        # Who holds a claim: host, process and a random part (two processes never share it).
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def per_claim(self) -> int:
        """How many items one claim takes: as many full-timeout sends as fit in the lease
        (less its margin), at least one, at most `batch`."""
        room = self.lease_s - outbox.lease_margin(self.lease_s)
        return max(1, min(self.batch, int(room // self.timeout_s)))

    def run_kind(self, kind: str) -> dict:
        """One round for one kind (up to `batch` items, claimed per_claim() at a time):
        {'sent': n, 'retry': n, 'failed': n, 'cancelled': n}."""
        out = {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0}
        down: dict[str, str] = {}
        handled = 0
        while handled < self.batch:
            started = time.monotonic()  # before the claim: the lease is surely no shorter
            items = outbox.claim(self.store, kind, self.worker,
                                 min(self.per_claim(), self.batch - handled),
                                 lease_s=self.lease_s)
            if not items:
                break
            handled += len(items)
            # Every send must be over before the lease is: then nobody takes an item over
            # while it may still be on the wire.
            lease_end = started + self.lease_s - outbox.lease_margin(self.lease_s)
            full = min(self.timeout_s, lease_end - started)
            for n, item in enumerate(items):
                now = time.monotonic()
                if n and lease_end - now < full:  # earlier sends ate the lease: not this one
                    outbox.release(self.store, item, self.worker)
                    continue
                self._one(kind, item, min(now + self.timeout_s, lease_end), down, out)
        return out

    def _one(self, kind: str, item: dict, deadline: float, down: dict, out: dict) -> None:
        """Send one claimed item (cut at `deadline`, time.monotonic()) and mark it."""
        if item["target"] in down:  # its target just failed: back off without trying
            outbox.mark_failed(self.store, item, self.worker, down[item["target"]],
                               self.backoff, count=False, max_attempts=self.max_attempts)
            out["retry"] += 1
            return
        try:
            self.kinds[kind](self.store, item, deadline=deadline)
        except outbox.Cancelled as exc:
            outbox.mark_cancelled(self.store, item, self.worker, str(exc))
            out["cancelled"] += 1
            return
        except Exception as exc:  # noqa: BLE001 - any failure is retried, and listed
            error = str(exc) if isinstance(exc, outbox.DeliveryError) \
                else f"{type(exc).__name__}: {exc}"
            down[item["target"]] = error
            state = outbox.mark_failed(self.store, item, self.worker, error, self.backoff,
                                       max_attempts=self.max_attempts)
            out["failed" if state == "failed" else "retry"] += 1
            log.warning("%s %s to %s not delivered (attempt %d): %s", kind, item["id"],
                        item["target"], item["attempts"] + 1, error)
            return
        if not outbox.mark_sent(self.store, item, self.worker):
            log.warning("%s %s was sent after its lease ran out", kind, item["id"])
        out["sent"] += 1

    def run_once(self) -> dict:
        """One round of every kind; never raises (a broken round is logged)."""
        results = {}
        for kind in self.kinds:
            try:
                results[kind] = self.run_kind(kind)
            except Exception:  # noqa: BLE001 - e.g. the database is away; next round retries
                log.exception("delivery round for %s failed", kind)
        return results

    def start(self) -> "Deliverer":
        if self.poll_s > 0:
            for kind in self.kinds:
                thread = threading.Thread(target=self._loop, args=(kind,), daemon=True,
                                          name=f"deliver-{kind}")
                thread.start()
                self._threads.append(thread)
        return self

    def _loop(self, kind: str) -> None:
        while not self._stop.is_set():
            try:
                result = self.run_kind(kind)
                if any(result.values()):
                    log.info("delivered %s: %s", kind, result)
            except Exception:  # noqa: BLE001 - keep the thread alive
                log.exception("delivery round for %s failed", kind)
            self._stop.wait(self.poll_s)

    def wait(self) -> None:
        """Block until stop() (or Ctrl-C in the caller)."""
        while not self._stop.wait(3600):
            pass

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=15)
        self._threads = []


class DemoTargets:
    """Loopback stand-ins for the demo (`kiosk demo`): the duty manager's webhook and two
    provincial targets (GB/T 39046 and the provincial style), plus a fast Deliverer.

        demo = DemoTargets(store, hall="H01").start()
        demo.webhook.received    # alerts (dicts) the duty manager got
        demo.targets["gbt39046"].received, demo.targets["provincial"].received
        demo.stop()

    Configures the store (alert webhook of `hall`, targets demo-gbt39046 / demo-provincial)
    with a random signing key; the receivers verify every signature.
    """

    def __init__(self, store, hall: str, region: str = "131000", poll_s: float = 0.5) -> None:
        self.store, self.hall, self.region, self.poll_s = store, hall, region, poll_s
        self.webhook = None
        self.targets: dict = {}
        self.deliverer: Deliverer | None = None

    def start(self) -> DemoTargets:
        import secrets

        from server.export import targets
        from server.export.testing import Receiver
        from server.workflow import alerts

        key = secrets.token_urlsafe(24)
        self.webhook = Receiver(secret=key).start()
        self.targets = {name: Receiver(secret=key).start()
                        for name in ("gbt39046", "provincial")}
        with self.store.transaction() as tx:
            alerts.set_channel(tx, self.hall, "webhook", {"url": self.webhook.url}, key)
            for name, rx in self.targets.items():
                targets.set_target(tx, f"demo-{name}", name, rx.url, self.region, key)
        self.deliverer = Deliverer(self.store, poll_s=self.poll_s,
                                   backoff=outbox.Backoff(1.0, 30.0)).start()
        log.info("demo receivers: webhook %s, targets %s", self.webhook.url,
                 {n: r.url for n, r in self.targets.items()})
        return self

    def stop(self) -> None:
        if self.deliverer is not None:
            self.deliverer.stop()
        for rx in [self.webhook, *self.targets.values()]:
            if rx is not None:
                rx.stop()
