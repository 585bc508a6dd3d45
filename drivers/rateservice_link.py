"""The kiosk as an evaluator of JackQChen/QueueSystem's RateService (RateService/RateService/
Service.cs): a WebSocket client that logs in at its window, turns each pushed RateQuest into a
completed case, and answers the rating with RateSubmit. Reconnects with back-off like the
serial links and publishes the same LinkState.

The service stores every RateSubmit it gets, without a duplicate check (RateProcess.cs: "先不
判断重复"), so a submit goes out once; again only when the service said it stored nothing
(code 1003 or 1000), a bounded number of times. One sent when the connection dropped before the
answer is counted as unanswered, never resent. One that could not be sent waits (bounded) for
the next connection.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict, deque

from drivers import rateservice_codec as rc
from drivers.events import Done, LinkChanged, LinkState, Pause, Resume, StaffAction
from drivers.link import EventQueue

log = logging.getLogger(__name__)

FIRST_RETRY_S = 0.5
MAX_RETRY_S = 10.0
OPEN_TIMEOUT_S = 5.0
LOGIN_TIMEOUT_S = 10.0
RECV_POLL_S = 0.1
SUBMIT_TRIES = 3      # a submit the service said it did not store goes again, this often at most
RETRY_AFTER_S = 2.0   # ... this long after the refusal, times the tries so far
MAX_PENDING = 256
MAX_QUESTS = 64       # quests remembered until rated (the rating screen holds one at a time)
TICKET = re.compile(r"[^A-Z0-9-]")
IDENT = re.compile(r"[A-Za-z0-9._-]{1,64}")


def ticket_of(rate_id: str) -> str:
    """The ticket a RateQuest's case is shown and stored under: the service sends no ticket,
    so the last 16 characters of its rateId (the case's 评价流水号) that a ticket may hold."""
    return TICKET.sub("", rate_id.upper())[-16:] or "RATE"


class RateServiceLink:
    """start()/stop(); `events` carries Done (a RateQuest), Pause, Resume and LinkChanged."""

    name = "rateservice-link"

    def __init__(self, url: str, win_num: str, user_code: str) -> None:
        self.url, self.win_num, self.user_code = url, win_num, user_code
        self.events = EventQueue()
        self.state = LinkState.CLOSED
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._outbox: deque = deque()                    # (RateSubmit, tries, not before)
        self._inflight: deque = deque()                  # sent, awaiting the service's answer
        self._quests: OrderedDict[str, str] = OrderedDict()  # ticket -> rateId, until rated
        self._lock = threading.Lock()
        self.rx_messages = self.tx_messages = 0
        self.last_rx_at: float | None = None
        self.unanswered = 0  # submits sent whose answer never came (never resent)
        self.refused = 0     # submits the service refused for good

    # -- QueueLink ----------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
        self._set_state(LinkState.CLOSED)

    def request_next(self) -> None:
        self.staff_action(StaffAction.NEXT)

    def staff_action(self, action: StaffAction) -> None:
        log.info("%s pressed: RateService has no message for it (the queue system's own "
                 "caller calls and ends cases)", action.value)

    def report_rated(self, ticket: str, level: int) -> None:
        """The rating is stored: answer its RateQuest (queued; never waited on)."""
        with self._lock:
            rate_id = self._quests.pop(ticket, None)
        if rate_id is None:
            log.info("%s was not asked for by RateService: nothing to submit", ticket)
            return
        if level not in rc.SCORE_RANGE:
            log.info("rateId %s not rated: nothing submitted", rate_id)
            return
        self._queue(rc.submit(rate_id, level), 1, 0.0)

    def _queue(self, submit: rc.RateSubmit, tries: int, not_before: float) -> None:
        with self._lock:
            if len(self._outbox) >= MAX_PENDING:
                log.error("rateId %s not submitted: %d submits already wait", submit.rate_id,
                          MAX_PENDING)
                return
            self._outbox.append((submit, tries, not_before))

    def counters(self) -> dict:
        """Messages heard and sent (the technician menu calls them bytes), last heard."""
        ago = None if self.last_rx_at is None else round(time.monotonic() - self.last_rx_at, 1)
        return {"rx_bytes": self.rx_messages, "tx_bytes": self.tx_messages,
                "last_rx_s_ago": ago}

    # -- the connection -------------------------------------------------------------------------
    def _set_state(self, state: LinkState) -> None:
        if state != self.state:
            self.state = state
            log.info("link %s is %s", self.url, state.value)
            if state is not LinkState.CONNECTING:
                self.events.put(LinkChanged(state))

    def _run(self) -> None:
        from websockets.exceptions import WebSocketException

        delay = FIRST_RETRY_S
        while not self._stop.is_set():
            self._set_state(LinkState.CONNECTING)
            try:
                with self._connect() as ws:
                    if self._login(ws):
                        self._set_state(LinkState.CONNECTED)
                        delay = FIRST_RETRY_S
                        self._serve(ws)
            except (OSError, TimeoutError, WebSocketException) as exc:
                log.debug("rateservice %s: %s", self.url, exc)
            self._lost()
            if not self._stop.is_set():
                self._set_state(LinkState.DISCONNECTED)
                self._stop.wait(delay)
                delay = min(delay * 2, MAX_RETRY_S)

    def _connect(self):
        from websockets.sync.client import connect

        # No compression: the reference service's WebSocket server (HP-Socket) does not do it.
        return connect(self.url, open_timeout=OPEN_TIMEOUT_S, close_timeout=1,
                       compression=None)

    def _login(self, ws) -> bool:
        self._send(ws, rc.Login(self.win_num, self.user_code))
        deadline = time.monotonic() + LOGIN_TIMEOUT_S
        while not self._stop.is_set() and time.monotonic() < deadline:
            msg = self._recv(ws)
            if isinstance(msg, rc.Response) and msg.request.lower() == "login":
                if msg.ok:
                    return True
                log.error("RateService refused login of user %s at window %s: %s %s",
                          self.user_code, self.win_num, msg.code, msg.result)
                return False
            if msg is not None:
                self._on_message(msg)
        return False

    def _serve(self, ws) -> None:
        while not self._stop.is_set():
            self._flush(ws)
            msg = self._recv(ws)
            if msg is not None:
                self._on_message(msg)

    def _recv(self, ws):
        try:
            text = ws.recv(timeout=RECV_POLL_S)
        except TimeoutError:
            return None
        self.rx_messages += 1
        self.last_rx_at = time.monotonic()
        msg = rc.decode(text)
        if isinstance(msg, rc.Dropped):
            log.warning("dropped RateService message: %s", msg.reason)
            return None
        return msg

    def _send(self, ws, msg) -> None:
        ws.send(rc.encode(msg))
        self.tx_messages += 1

    def _flush(self, ws) -> None:
        now = time.monotonic()
        with self._lock:
            ready = [item for item in self._outbox if item[2] <= now]
            for item in ready:
                self._outbox.remove(item)
        for n, (submit, tries, _when) in enumerate(ready):
            try:
                self._send(ws, submit)
            except Exception:
                with self._lock:  # not on the wire: they go on the next connection
                    self._outbox.extendleft(reversed(ready[n:]))
                raise
            self._inflight.append((submit, tries))

    def _lost(self) -> None:
        """The connection ended: submits sent but unanswered may be stored; not resent."""
        while self._inflight:
            submit, _tries = self._inflight.popleft()
            self.unanswered += 1
            log.warning("rateId %s: connection lost before RateService answered; not sent "
                        "again (it may be stored)", submit.rate_id)

    # -- what the service says ------------------------------------------------------------------
    def _on_message(self, msg) -> None:
        match msg:
            case rc.RateQuest():
                self._on_quest(msg)
            case rc.RateOperate(operate="Pause"):
                self.events.put(Pause())
            case rc.RateOperate():  # Resume, and Reset (the window serves normally again)
                self.events.put(Resume())
            case rc.Response(request=r) if r.lower() == "ratesubmit":
                self._on_submit_answer(msg)
            case rc.Response():
                log.info("RateService answered %s: %s %s", msg.request, msg.code, msg.result)
            case _:
                log.warning("RateService sent %s to an evaluator: ignored", type(msg).__name__)

    def _on_quest(self, quest: rc.RateQuest) -> None:
        """Rate this case: its rateId is the case id; the item name is shown when given. The
        citizen's name (transactor) and booking number go no further than this."""
        if not quest.rate_id:
            log.warning("RateQuest without a rateId: ignored")
            return
        ticket = ticket_of(quest.rate_id)
        with self._lock:
            self._quests[ticket] = quest.rate_id
            self._quests.move_to_end(ticket)
            while len(self._quests) > MAX_QUESTS:
                self._quests.popitem(last=False)
        case_id = quest.rate_id if IDENT.fullmatch(quest.rate_id) else None
        log.info("RateQuest %s: rating case %s", quest.rate_id, ticket)
        self.events.put(Done(ticket, case_id, None, item_name=quest.item or None))

    def _on_submit_answer(self, answer: rc.Response) -> None:
        if not self._inflight:
            log.warning("RateService answered a RateSubmit never sent: %s", answer.code)
            return
        submit, tries = self._inflight.popleft()
        if answer.ok:
            log.info("rateId %s submitted", submit.rate_id)
        elif answer.code in (rc.SUBMIT_FAILED, rc.NOT_LOGGED_IN) and tries < SUBMIT_TRIES:
            # The service stored nothing (RateProcess.RateSubmit failed, or no login).
            log.warning("rateId %s: RateService stored nothing (%s %s); sending again",
                        submit.rate_id, answer.code, answer.result)
            self._queue(submit, tries + 1, time.monotonic() + RETRY_AFTER_S * tries)
        else:
            self.refused += 1
            log.error("rateId %s: RateService refused the rating: %s %s", submit.rate_id,
                      answer.code, answer.result)


def login_probe(url: str, win_num: str, user_code: str,
                timeout_s: float = 5.0) -> tuple[bool | None, str]:
    """Connect and log in once, nothing else (for `kiosk-setup doctor`): (True, the service's
    answer), (False, its refusal as "code result"), or (None, why it could not be reached)."""
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    try:
        with connect(url, open_timeout=timeout_s, close_timeout=1, compression=None) as ws:
            ws.send(rc.encode(rc.Login(win_num, user_code)))
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                msg = rc.decode(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
                if isinstance(msg, rc.Response) and msg.request.lower() == "login":
                    return msg.ok, f"{msg.code} {msg.result}"
            return None, "no answer to Login"
    except (OSError, TimeoutError, WebSocketException) as exc:
        return None, str(exc) or type(exc).__name__
