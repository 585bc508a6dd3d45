"""The business system's "请评价", fetched by the kiosk (issue 29 item 1): a daemon thread that
holds a long poll open to the server (GET PROMPTS_PATH?wait=WAIT_S over the kiosk's HTTPS,
device token) and puts each 办件 it gets on `prompts` as a Prompt for the UI thread (drained on
the Kivy clock like the queue's events, kiosk/services.py).

The kiosk sits behind the hall's NAT, so it calls out and the server answers as soon as a 办件
waits for this window. When the long poll fails (no server, a proxy that cuts held requests, a
server without the route) the thread falls back to short polls (wait=0) every POLL_S seconds,
backing off up to MAX_DELAY_S while they fail too; the first short poll that works brings the
long poll back. It never blocks the UI; stop() ends it within a second or so (the held request
is cut by closing its connection).
"""
from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from pathlib import Path

from sync.config_pull import WakingQueue
from sync.wire.business import CASE_NO, ITEM_CODE, PROMPTS_PATH

log = logging.getLogger(__name__)

WAIT_S = 25        # how long the server holds a poll (under the usual 30-60 s proxy timeouts)
POLL_S = 3.0       # the fallback's short polls
MAX_DELAY_S = 60.0


@dataclass(frozen=True)
class Prompt:
    """A finished 办件 the kiosk at this window is asked to have rated."""

    case_no: str
    item_code: str
    item_name: str
    staff_id: str | None = None
    applicant_type: str = "person"
    age_s: float = 0.0  # how long it waited on the server before this kiosk took it


def parse(item) -> Prompt | None:
    """A Prompt from one item of the server's answer, None when it is not usable."""
    if not isinstance(item, dict):
        return None
    case_no, code, name = item.get("case_no"), item.get("item_code"), item.get("item_name")
    if not (isinstance(case_no, str) and CASE_NO.match(case_no) and isinstance(code, str)
            and ITEM_CODE.match(code) and isinstance(name, str) and 0 < len(name) <= 100):
        return None
    staff = item.get("staff_id")
    age = item.get("age_s")
    return Prompt(case_no, code, name, staff if isinstance(staff, str) else None,
                  str(item.get("applicant_type") or "person"),
                  float(age) if isinstance(age, (int, float)) else 0.0)


class PromptPoller:
    """Background long poll of the server for this window's 办件; thread-safe status()."""

    def __init__(self, base_url: str, token_file: str | Path, window: int,
                 ca_bundle: str | None = None, timeout_s: float = 10.0,
                 wait_s: int = WAIT_S, poll_s: float = POLL_S) -> None:
        self.url = base_url.rstrip("/") + PROMPTS_PATH
        self.token_file, self.window = Path(token_file), window
        self.ca_bundle, self.timeout_s = ca_bundle, timeout_s
        self.wait_s, self.poll_s = wait_s, poll_s
        self.prompts = WakingQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._http = None
        self._lock = threading.Lock()
        self._status = {"mode": "long", "failures": 0, "last_error": None, "received": 0}

    def start(self) -> "PromptPoller":
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="prompt-poll", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._cut()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def status(self) -> dict:
        with self._lock:
            return dict(self._status)

    def _set(self, **values) -> None:
        with self._lock:
            self._status.update(values)

    def _cut(self) -> None:
        """End a held poll now: shut its socket down (a close alone would not wake the
        thread blocked reading it)."""
        import socket

        for conn in list(getattr(self._http, "_conns", {}).values()):
            try:
                if conn.sock is not None:
                    conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _run(self) -> None:
        from sync.httpclient import Client

        # One keep-alive connection; its read timeout outlasts the server's hold.
        self._http = Client(self.ca_bundle, self.timeout_s + self.wait_s)
        failures = 0
        try:
            while not self._stop.is_set():
                long = failures == 0
                try:
                    got = self.poll_once(self.wait_s if long else 0)
                except Exception as exc:  # noqa: BLE001 - the thread must survive anything
                    got = None
                    self._set(last_error=f"{type(exc).__name__}: {exc}"[:200])
                if self._stop.is_set():
                    return
                if got is None:
                    failures += 1
                    delay = min(MAX_DELAY_S, self.poll_s * 2 ** min(failures - 1, 5))
                    self._set(mode="poll", failures=failures)
                    log.info("prompt poll failed (%d): short polls, next in %.1fs", failures,
                             delay)
                    self._stop.wait(random.uniform(0.5 * delay, delay))
                elif failures:
                    log.info("prompt poll works again: long polls")
                    failures = 0
                    self._set(mode="long", failures=0)
        finally:
            self._http.close()

    def link(self, case_no: str, rating_uuid: str, tries: int = 5) -> threading.Thread:
        """Tell the server (in the background, a few tries) that this kiosk's rating
        `rating_uuid` was the visit of 办件 case_no: the citizen rated before the 请评价 came."""
        def send() -> None:
            from sync.enrol import EnrolError, load_credentials
            from sync.httpclient import Client, RequestError

            url = f"{self.url}/{case_no}/rating"
            with Client(self.ca_bundle, self.timeout_s) as http:
                for attempt in range(tries):
                    try:
                        token = load_credentials(self.token_file).token
                        resp = http.post(url, json={"rating_uuid": rating_uuid},
                                         headers={"Authorization": f"Bearer {token}"})
                        if resp.status < 500:
                            log.info("办件 %s linked to rating %s: HTTP %d", case_no,
                                     rating_uuid, resp.status)
                            return
                    except (EnrolError, RequestError) as exc:
                        log.warning("linking 办件 %s: %s", case_no, exc)
                    if self._stop.wait(min(MAX_DELAY_S, self.poll_s * 2 ** attempt)):
                        return
            log.warning("办件 %s not linked to rating %s: gave up", case_no, rating_uuid)

        thread = threading.Thread(target=send, name="prompt-link", daemon=True)
        thread.start()
        return thread

    def poll_once(self, wait_s: int) -> list[Prompt] | None:
        """One poll; the prompts it brought (also queued), None when it failed."""
        from sync.enrol import EnrolError, load_credentials
        from sync.httpclient import RequestError

        try:
            token = load_credentials(self.token_file).token
        except EnrolError as exc:
            self._set(last_error=f"not enrolled: {exc}")
            return None
        url = f"{self.url}?wait={wait_s}&window={self.window}"
        try:
            resp = self._http.get(url, headers={"Authorization": f"Bearer {token}"})
        except RequestError as exc:
            if not self._stop.is_set():
                self._set(last_error=str(exc)[:200])
            return None
        if resp.status != 200:
            self._set(last_error=f"HTTP {resp.status}")
            return None
        try:
            items = resp.json().get("prompts") or []
        except (ValueError, AttributeError):
            self._set(last_error="answer is not JSON")
            return None
        got = [p for p in map(parse, items if isinstance(items, list) else []) if p]
        for prompt in got:
            log.info("办件 %s to rate (%s)", prompt.case_no, prompt.item_code)
            self.prompts.put(prompt)
        with self._lock:
            self._status["received"] += len(got)
            self._status["last_error"] = None
        return got
