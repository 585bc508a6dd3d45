"""Kiosk heartbeats: build the payload (version, uptime, link state, backlog, last rating,
free disk, clock offset) and send it every heartbeat_s from a small daemon thread.

The app engineer wires it: HeartbeatSender(url, token_file, status_fn).start(), where
status_fn() returns a dict with any of link_state, backlog (ratings), events_backlog (service
events), last_rating_at. Failures are logged and retried at the next beat; nothing is queued
(only the last beat matters).
The body is HeartbeatIn (sync/wire/models.py) as a plain dict: the server validates it, the
kiosk does not load pydantic for it.
"""
from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path
from typing import Callable

from sync.clocks import since_boot, utc_now
from sync.httpclient import Client, RequestError
from sync.wire import HEARTBEAT_PATH

log = logging.getLogger(__name__)
VERSION = "0.1.0"


def build_payload(data_dir: str | Path, link_state: str = "", backlog: int = 0,
                  last_rating_at: str | None = None, clock_offset_s: float | None = None,
                  version: str = VERSION, events_backlog: int = 0) -> dict:
    """A HeartbeatIn as JSON (every field of it); free disk is measured on data_dir's file
    system."""
    try:
        free_mb = shutil.disk_usage(data_dir).free / 1e6
    except OSError:
        free_mb = None
    return {"version": version, "uptime_s": round(since_boot(), 1), "link_state": link_state,
            "backlog": backlog, "events_backlog": events_backlog,
            "last_rating_at": last_rating_at,
            "free_disk_mb": None if free_mb is None else round(free_mb, 1),
            "clock_offset_s": clock_offset_s, "device_now": utc_now()}


class HeartbeatSender:
    """POST a heartbeat every interval_s; `.clock_offset_s` is the server's last view of our
    clock error (server - device, seconds), for the next beat and for the UI."""

    def __init__(self, base_url: str, token_file: str | Path, data_dir: str | Path,
                 status_fn: Callable[[], dict] | None = None, interval_s: float = 60.0,
                 ca_bundle: str | None = None, timeout_s: float = 10.0) -> None:
        self.url = base_url.rstrip("/") + HEARTBEAT_PATH
        self.token_file, self.data_dir = Path(token_file), Path(data_dir)
        self.status_fn = status_fn or (lambda: {})
        self.interval_s, self.timeout_s = interval_s, timeout_s
        # The sender's own connection (kept alive between beats when the server allows).
        self._http = Client(ca_bundle, timeout_s)
        self.clock_offset_s: float | None = None
        self.sent = 0
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def send_once(self) -> bool:
        from sync.enrol import EnrolError, load_credentials

        try:
            token = load_credentials(self.token_file).token
            status = self.status_fn() or {}
            payload = build_payload(self.data_dir, clock_offset_s=self.clock_offset_s,
                                    **{k: status[k] for k in ("link_state", "backlog",
                                                               "events_backlog",
                                                               "last_rating_at") if k in status})
            resp = self._http.post(self.url, json=payload,
                                   headers={"Authorization": f"Bearer {token}"})
        except (EnrolError, RequestError, ValueError) as exc:
            self.last_error = f"{type(exc).__name__}"
            log.warning("heartbeat not sent: %s", self.last_error)
            return False
        if resp.status != 200:
            self.last_error = f"HTTP {resp.status}"
            log.warning("heartbeat refused: %s", self.last_error)
            return False
        try:
            self.clock_offset_s = resp.json().get("clock_offset_s")
        except (ValueError, AttributeError):
            self.clock_offset_s = None
        self.sent += 1
        self.last_error = None
        return True

    def start(self) -> "HeartbeatSender":
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self._http.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.send_once()
            except Exception:  # noqa: BLE001 - the thread must survive anything
                log.exception("heartbeat crashed")
            self._stop.wait(max(0.0, self.interval_s - (time.monotonic() - started)))
