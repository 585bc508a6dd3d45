"""The workflow's periodic work inside the server process: default ratings, escalations, and
the window facts of late service events (server/facts/refresh.py).

Every server process runs it (several behind one PostgreSQL is fine: default ratings have
derived uuids and escalation is a conditional UPDATE, so two processes do each thing once).
KIOSK_SERVER_JOBS_S sets the period in seconds (default 300; 0 turns it off, e.g. when a
cron job runs `kiosk-server defaults run` and `kiosk-server cases digest` instead).
"""
from __future__ import annotations

import logging
import os
import threading

from server.workflow import cases, defaults

log = logging.getLogger(__name__)

ENV = "KIOSK_SERVER_JOBS_S"
DEFAULT_PERIOD_S = 300.0


def run_once(store) -> dict:
    """One round: make due default ratings, escalate overdue cases. Never raises."""
    from server.facts.refresh import refresh_all

    out = {"defaults": 0, "escalated": 0, "facts": 0}
    for name, job in (("defaults", defaults.run), ("escalated", cases.escalate_overdue),
                      ("facts", refresh_all)):
        try:
            done = job(store)
            out[name] = done if isinstance(done, int) else len(done)
        except Exception:  # noqa: BLE001 - a bad round is logged; the next one tries again
            log.exception("workflow job %s failed", name)
    return out


class Jobs:
    """A daemon thread that runs run_once every period_s until stop()."""

    def __init__(self, store, period_s: float | None = None) -> None:
        if period_s is None:
            period_s = float(os.environ.get(ENV, DEFAULT_PERIOD_S))
        self.store = store
        self.period_s = period_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Jobs":
        if self.period_s > 0:
            self._thread = threading.Thread(target=self._loop, name="workflow-jobs",
                                            daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        # Wait a period first: start-up (and tests that open a server briefly) stays quiet.
        while not self._stop.wait(self.period_s):
            result = run_once(self.store)
            if any(result.values()):
                log.info("workflow jobs: %s", result)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
