"""The kiosk's outbox uploader: a daemon thread that drains pending ratings to the server,
then pending service events (issue 27) to EVENTS_PATH by the same rules.

Ratings always go first: events are looked at only when no rating is pending, so a backlog of
events never holds a rating up. A server without the events route (404/405, an older server)
leaves the events pending on the kiosk and is asked again after EVENTS_RETRY_S; ratings go on.

It never blocks the UI: the UI thread only calls wake() / status(), both non-blocking. The
thread opens its own kiosk Store (SQLite connections are per thread) and loops:

* take up to batch_size pending rows; rows that fail the local wire check are marked
  rejected (kept locally, never deleted) so one bad row cannot poison the queue;
* POST them as one batch;
* 200: mark the accepted and duplicate uuids synced (duplicate = the server already has it,
  e.g. our earlier response was lost), mark any "rejected" item results rejected;
* 422: mark each rejected rating (matched by uuid, else by index) rejected with the server's
  reason and immediately resend the rest. A 422 that names no rating is treated as a server
  or version problem: back off and keep everything pending;
* 413: halve the batch size (for the rest of this run) and retry;
* 401/403 (not enrolled, token revoked): back off like any failure and keep every rating
  pending; an operator fixes the enrolment and the backlog then drains;
* connection errors, timeouts, 429, 5xx and anything unexpected: exponential back-off with
  full jitter, delay = uniform(0, min(max_delay_s, base_delay_s * 2**(failures-1))); a
  Retry-After header (seconds or HTTP date) is honoured instead, capped at max_delay_s.

wake() policy: it ends an idle wait at once (a new rating uploads within one round trip),
but it does NOT cut a back-off short; that delay is at most max_delay_s and exists so that
a stream of taps cannot hammer a failing server. A wake during back-off is remembered: the
next attempt happens when the back-off ends. When idle the thread also re-checks the store
every idle_poll_s, so ratings written without a wake() still go out.

Trust: sync/httpclient.py verifies the server's certificate against ca_bundle (a PEM file)
when given, else the CAs requests used (certifi's bundle). The device token comes from
token_file (JSON written by sync/enrol.py, mode 0600), re-read whenever a new HTTP session
starts so a re-enrolment is picked up; it goes only into the Authorization header, never
into a log line.

Each upload carries the device's clocks at send time (device_now, boot_id, mono_s) so the
server can correct rated_at on a Pi without an RTC (server/clock_fix.py).

Neither requests nor pydantic is loaded here (together ~14 MB of the kiosk's RSS): the HTTP
client is sync/httpclient.py and the local wire check sync/wire/check.py, which a test holds
to RatingWire and BatchOut.
"""
from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

from sync import clocks
from sync.clocks import utc_now
from sync.httpclient import Client, RequestError, Response
from sync.outbox import Store
from sync.wire import BATCH_PATH
from sync.wire.check import read_batch_out, rating_errors, to_wire
from sync.wire.event_check import EVENTS_PATH, event_errors, to_event_wire

log = logging.getLogger(__name__)

_IDLE, _MORE, _FAILED = "idle", "more", "failed"
EVENTS_RETRY_S = 600.0  # a server without the events route is asked again after this


def _redact(url: str) -> str:
    """The URL without any user:password part, for logs."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        parts = parts._replace(netloc=host)
    return urlunsplit(parts)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _canon(value) -> str | None:
    try:
        return str(uuidlib.UUID(str(value)))
    except ValueError:
        return None


class _Failure(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Uploader:
    """Background sync of the kiosk's pending ratings to base_url + BATCH_PATH."""

    def __init__(self, db_path: str | Path, base_url: str, batch_size: int = 100,
                 timeout_s: float = 10.0, base_delay_s: float = 1.0, max_delay_s: float = 60.0,
                 idle_poll_s: float = 30.0, *, token: str | None = None,
                 token_file: str | Path | None = None, ca_bundle: str | Path | None = None,
                 clock=None) -> None:
        """token or token_file: the device's bearer token (token_file is re-read for every new
        HTTP session); ca_bundle: PEM CA file for the server's certificate; clock: a callable
        returning (device_now ISO, boot_id, mono_s), for tests; default the real clocks."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.db_path = Path(db_path)
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + BATCH_PATH
        self.batch_size = batch_size
        self.timeout_s = timeout_s
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.idle_poll_s = idle_poll_s
        self._token = token
        self.token_file = Path(token_file) if token_file else None
        self.ca_bundle = str(ca_bundle) if ca_bundle else None
        self._clock = clock or (lambda: (utc_now(), clocks.boot_id(), clocks.since_boot()))
        self._batches = {"ratings": batch_size, "events": batch_size}  # each shrinks on 413
        self._events_paused_until = 0.0  # a server without the events route: not before then
        self._cond = threading.Condition()
        self._stopping = False
        self._woken = False
        self._thread: threading.Thread | None = None
        self._status_lock = threading.Lock()
        self._status = {"last_sync_at": None, "last_error": None, "backlog": None,
                        "events_backlog": None, "consecutive_failures": 0}

    # -- UI-side API (never blocks on I/O) ----------------------------------------------------
    def start(self) -> "Uploader":
        if self._thread is not None and self._thread.is_alive():
            return self
        with self._cond:
            self._stopping = False
            self._woken = False
        self._thread = threading.Thread(target=self._run, name="uploader", daemon=True)
        self._thread.start()
        log.info("uploader started for %s", _redact(self.url))
        return self

    def stop(self, timeout_s: float | None = None) -> None:
        """Ask the thread to finish and wait for it (an in-flight POST may take timeout_s)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(self.timeout_s + 5 if timeout_s is None else timeout_s)
            if self._thread.is_alive():
                log.warning("uploader thread still busy after stop()")
            self._thread = None

    def wake(self) -> None:
        """Upload soon: ends an idle wait now; a running back-off still runs out first."""
        with self._cond:
            self._woken = True
            self._cond.notify_all()

    def status(self) -> dict:
        """last_sync_at (UTC ISO or None), last_error, backlog (ratings pending; None until
        first look), events_backlog (service events pending, likewise), consecutive_failures."""
        with self._status_lock:
            return dict(self._status)

    # -- the thread -------------------------------------------------------------------------
    def _set(self, **values) -> None:
        with self._status_lock:
            self._status.update(values)

    def _wait(self, seconds: float, wakeable: bool) -> None:
        deadline = time.monotonic() + seconds
        with self._cond:
            while not self._stopping:
                if wakeable and self._woken:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._cond.wait(remaining)

    def _delay(self, retry_after: float | None) -> float:
        failures = self.status()["consecutive_failures"]
        if retry_after is not None:
            return min(self.max_delay_s, retry_after)
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** min(max(failures - 1, 0), 30))
        return random.uniform(0, ceiling)

    def _run(self) -> None:
        store: Store | None = None
        session: Client | None = None
        try:
            while not self._stopping:
                with self._cond:
                    self._woken = False
                retry_after = None
                try:
                    if store is None:
                        store = Store(self.db_path)
                    if session is None:
                        session = self._session()
                    outcome = self._cycle(store, session)
                except _Failure as exc:
                    outcome, retry_after = _FAILED, exc.retry_after
                    self._failed(str(exc))
                except Exception as exc:  # noqa: BLE001 - the thread must survive anything
                    log.exception("uploader cycle crashed")
                    outcome = _FAILED
                    self._failed(f"internal: {type(exc).__name__}: {exc}")
                    if session is not None:  # start afresh after the unknown
                        session.close()
                        session = None
                if outcome == _MORE:
                    continue
                if outcome == _IDLE:
                    self._wait(self.idle_poll_s, wakeable=True)
                else:
                    delay = self._delay(retry_after)
                    log.info("uploader backing off %.2fs", delay)
                    self._wait(delay, wakeable=False)
        except BaseException:  # pragma: no cover - last resort, never propagate
            log.exception("uploader thread died")
        finally:
            if session is not None:
                session.close()
            if store is not None:
                try:
                    store.close()
                except Exception:  # noqa: BLE001
                    pass
            log.info("uploader stopped")

    def _session(self) -> Client:
        session = Client(self.ca_bundle, self.timeout_s)
        token = self._token
        if token is None and self.token_file is not None:
            from sync.enrol import EnrolError, load_credentials

            try:
                token = load_credentials(self.token_file).token
            except EnrolError as exc:
                log.warning("uploading without a device token: %s", exc)
        if token:
            session.headers["Authorization"] = f"Bearer {token}"
        return session

    def _failed(self, message: str) -> None:
        with self._status_lock:
            self._status["consecutive_failures"] += 1
            self._status["last_error"] = message
            failures = self._status["consecutive_failures"]
        log.warning("upload failed (%d in a row): %s", failures, message)

    def _cycle(self, store: Store, session: Client) -> str:
        """One batch of the first queue with something pending: ratings before events."""
        held = time.monotonic() < self._events_paused_until  # by a server without the route
        for queue in QUEUES:
            if queue is EVENTS and held:
                continue
            outcome = self._cycle_queue(queue, store, session)
            if outcome != _IDLE:
                return outcome
        self._set(backlog=0, events_backlog=store.events_backlog() if held else 0)
        return _IDLE

    def _cycle_queue(self, queue: "_Queue", store: Store, session: Client) -> str:
        rows = queue.pending(store, self._batches[queue.key])
        if not rows:
            return _IDLE
        sendable: list[dict] = []
        for row in rows:
            wire = queue.to_wire(row)
            errors = queue.errors(wire)
            if errors:
                reason = "local: " + "; ".join(errors)
                log.error("%s %s is malformed, set aside: %s", queue.one, row.get("uuid"),
                          reason)
                queue.mark_rejected(store, row["uuid"], reason[:1000])
                continue
            sendable.append(wire)
        if not sendable:
            return _MORE
        self._backlogs(store)
        outcome = self._post(queue, store, session, sendable)
        self._backlogs(store)
        return outcome

    def _backlogs(self, store: Store) -> None:
        self._set(backlog=store.backlog(), events_backlog=store.events_backlog())

    def _post(self, queue: "_Queue", store: Store, session: Client, batch: list[dict]) -> str:
        device_now, boot, mono = self._clock()
        envelope = {queue.key: batch, "device_now": device_now, "boot_id": boot,
                    "mono_s": round(float(mono), 3)}
        try:
            resp = session.post(self.base_url + queue.path, json=envelope)
        except RequestError as exc:  # the client has dropped the connection it used
            raise _Failure(str(exc)) from None
        # uuid as the server writes it (canonical) -> uuid as stored locally
        sent = {_canon(row["uuid"]): row["uuid"] for row in batch}
        if resp.status == 200:
            return self._accepted(queue, store, resp, sent)
        if resp.status == 422:
            return self._rejected(queue, store, resp, batch, sent)
        if resp.status == 413 and self._batches[queue.key] > 1:
            self._batches[queue.key] = max(1, len(batch) // 2)
            log.warning("server says %s batch too large; batch size now %d", queue.one,
                        self._batches[queue.key])
            return _MORE
        if queue is EVENTS and resp.status in (404, 405):
            # A server older than service events: they wait on the kiosk, ratings go on.
            self._events_paused_until = time.monotonic() + EVENTS_RETRY_S
            log.warning("server has no %s (HTTP %d); events kept, asked again in %.0fs",
                        queue.path, resp.status, EVENTS_RETRY_S)
            return _MORE
        if resp.status in (401, 403):
            raise _Failure(f"HTTP {resp.status}: device token refused (not enrolled or "
                           f"revoked); {queue.key} kept")
        raise _Failure(f"HTTP {resp.status}: {resp.text[:200]}",
                       _retry_after(resp.headers.get("Retry-After"))
                       if resp.status in (429, 503) or resp.status >= 500 else None)

    def _accepted(self, queue: "_Queue", store: Store, resp: Response, sent: dict) -> str:
        try:
            results = read_batch_out(resp.json())
        except ValueError as exc:  # CheckError is one too
            raise _Failure(f"unreadable acknowledgement: {str(exc)[:200]}") from None
        synced, refused = [], []
        for uuid, status, reason in results:
            local = sent.get(_canon(uuid))
            if local is None:
                continue
            if status in ("accepted", "duplicate"):
                synced.append(local)
            elif status == "rejected":
                refused.append((local, reason))
        queue.mark_synced(store, synced)
        for local, reason in refused:
            queue.mark_rejected(store, local, f"server: {reason or 'rejected'}"[:1000])
        if not synced and not refused:
            raise _Failure(f"acknowledgement names none of the {queue.key} sent")
        self._set(last_sync_at=utc_now(), last_error=None, consecutive_failures=0)
        log.info("uploaded %d %s (%d refused)", len(synced), queue.key, len(refused))
        return _MORE

    def _rejected(self, queue: "_Queue", store: Store, resp: Response, batch: list[dict],
                  sent: dict) -> str:
        try:
            items = resp.json().get("rejected") or []
        except (ValueError, AttributeError):
            items = []
        marked = set()
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            index = item.get("index")
            uuid = sent.get(_canon(item.get("uuid"))) if item.get("uuid") else None
            if uuid is None and isinstance(index, int) and 0 <= index < len(batch):
                uuid = batch[index]["uuid"]
            if uuid is not None and uuid not in marked:
                queue.mark_rejected(store, uuid,
                                    f"server: {item.get('reason') or 'rejected'}"[:1000])
                marked.add(uuid)
        if not marked:
            raise _Failure(f"HTTP 422 naming no {queue.one}: {resp.text[:200]}")
        log.warning("server refused %d of %d %s; resending the rest", len(marked),
                    len(batch), queue.key)
        self._set(last_error=f"server refused {len(marked)} {queue.one}(s)",
                  consecutive_failures=0)
        return _MORE


@dataclass(frozen=True)
class _Queue:
    """One kind of outbox row: where it goes, its envelope key, and the store calls for it."""

    key: str   # the envelope's list ("ratings" / "events"), in messages too
    one: str   # one of them, for messages
    path: str
    pending: Callable
    mark_synced: Callable
    mark_rejected: Callable
    to_wire: Callable
    errors: Callable


RATINGS = _Queue("ratings", "rating", BATCH_PATH, Store.pending, Store.mark_synced,
                 Store.mark_rejected, to_wire, rating_errors)
EVENTS = _Queue("events", "event", EVENTS_PATH, Store.pending_events,
                Store.mark_events_synced, Store.mark_event_rejected, to_event_wire,
                event_errors)
QUEUES = (RATINGS, EVENTS)  # in this order: ratings are never held up by events
