"""The kiosk's flow as a plain-Python state machine: queue events and taps in, screens out."""
from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Callable, Protocol

from drivers.events import (
    Call,
    CallEnded,
    Done,
    LinkChanged,
    LinkState,
    Login,
    Logout,
    Pause,
    Recall,
    Resume,
    StaffAction,
    Waiting,
)
from sync.outbox import NewRating, Store
from sync.prompts import Prompt
from sync.wire import BAD_LEVELS
from sync.wire.business import business_ticket
from sync.wire.cases import case_key
from sync.wire.labels import N_

log = logging.getLogger(__name__)

NOTICE_S = 4.0  # how long a short message for the clerk stays on the idle screen
# [rating] trigger = both: the queue's DONE and the business system's 请评价 this close
# together (either order) are one visit, rated once (kiosk/flow.py _queue_opens, _on_prompt).
MATCH_S = 10.0
NO_TICKET = N_("No ticket is being served: nothing to rate")


class Mode(enum.Enum):
    """Which screen the kiosk shows."""

    IDLE = "idle"
    RATING = "rating"
    REASONS = "reasons"
    THANKS = "thanks"


class Sender(Protocol):
    """What the flow tells the queue system (any dialect's driver)."""

    def request_next(self) -> None: ...

    def staff_action(self, action: StaffAction) -> None: ...

    def report_rated(self, ticket: str, level: int) -> None: ...


@dataclass(frozen=True)
class Case:
    """A completed case waiting for its rating."""

    ticket: str
    case_id: str | None
    item_code: str | None
    key: str
    level: int | None = None  # chosen level while the reasons screen is up
    call: int | None = None   # the day's call number, when the case is keyed on its call
    started: float = 0.0      # flow clock when the case came (its phone code's life starts)
    item_name: str | None = None  # 事项名称, when the business system named the 办件
    source: str = "queue"     # what opened it: "queue" (DONE, 评价 key) or "business" (请评价)
    staff_id: str | None = None  # the 办件's 经办人 工号 from the business system


@dataclass(frozen=True)
class FlowState:
    """Everything a screen needs to draw; replaced, never mutated."""

    mode: Mode = Mode.IDLE
    window: int = 1
    staff_id: str | None = None
    signed_by: str | None = None  # how staff_id signed in: pin, keypad or queue (kiosk/signin.py)
    paused: bool = False
    calling: str | None = None
    call_count: int = 0          # bumps on every CALL/RECALL so the screen can flash
    case: Case | None = None
    deadline: float | None = None
    link: LinkState = LinkState.CLOSED
    last_rating: dict | None = None
    reasons: tuple[str, ...] = ()
    waiting: int | None = None   # people waiting, when the queue system says
    notice: str | None = None    # a short message for the clerk (English msgid), for NOTICE_S
    notice_until: float | None = None
    notice_args: tuple = ()      # (name, value) pairs the notice's {name} fields are filled with
    # Until when (flow clock) the phone QR code of last_rating, a case that went unrated, may
    # stay on the idle screen; None: not at all. The next call ends it at once.
    qr_until: float | None = None


@dataclass
class Timing:
    """Seconds each screen waits (from config [rating])."""

    rating_s: float = 30.0
    reasons_s: float = 30.0
    thanks_s: float = 3.0
    qr_show_s: float = 180.0   # [ui] qr_show_s: an unrated case's QR code after the case ends
    qr_valid_s: float = 600.0  # [ui] qr_ttl_s: its code's life from the case's start
    qr_keep: bool = False      # [ui] qr_keep: the QR stays until the next call (or expiry)


class Flow:
    """Drive with handle(event), tap_level(), submit_reasons(), press_next() and tick()."""

    def __init__(self, store: Store, sender: Sender, window: int, device_id: str,
                 timing: Timing | None = None, reasons: tuple[str, ...] = (),
                 clock: Callable[[], float] = time.monotonic,
                 today: Callable[[], date] = date.today) -> None:
        self.store = store
        self.sender = sender
        self.device_id = device_id
        self.timing = timing or Timing()
        self.clock = clock
        self.today = today
        self.state = FlowState(window=window, reasons=tuple(reasons))
        self._listeners: list[Callable[[FlowState], None]] = []
        self._calls_day: str | None = None
        self._calls: dict[str, int] = {}         # ticket -> its latest call number today
        self._last_call: tuple[str, int] | None = None
        store.bind_device(device_id, window)  # whose service events record_event() writes
        self.sign_out_on_pause = False  # [signin] sign_out_on_pause: the hall's choice
        self.trigger = "queue"  # [rating] trigger: queue, business or both (apply_settings)
        self._queue_at: float | None = None     # both: when a queue case opened, unmatched
        self._business_at: float | None = None  # both: when a 办件 opened, unmatched
        self._absorbed: set[str] = set()  # both: DONE case keys that were a 办件's visit
        self._prompted: dict[str, None] = {}  # 办件编号 already put on screen (the last 200)
        # both: on_linked(办件编号, rating uuid) tells the server a 请评价 that came after the
        # citizen had rated was that rating's visit (Services: the prompt poller's link()).
        self.on_linked: Callable[[str, str], None] | None = None
        self._queue_key: str | None = None

    def tell(self, notice: str, seconds: float = NOTICE_S, **args) -> None:
        """A short message for the clerk (an English msgid with {name} fields)."""
        self._set(notice=notice, notice_args=tuple(args.items()),
                  notice_until=self.clock() + seconds)

    # -- who is serving (kiosk/signin.py decides; these record and show it) -------------------
    def sign_in(self, staff_id: str, cause: str) -> bool:
        """staff_id serves from now (cause: pin, keypad or queue); whoever served before is
        signed out as replaced. A queue-system login wins: while it holds, the kiosk's own
        sign-in is refused (False)."""
        st = self.state
        if cause != "queue" and st.signed_by == "queue":
            return False
        if st.staff_id == staff_id:
            if cause == "queue" and st.signed_by != "queue":
                self._set(signed_by=cause)  # the same person, now held by the queue system
            return True
        if st.staff_id is not None:
            self.event("staff_out", staff_id=st.staff_id, cause="replaced")
        self.event("staff_in", staff_id=staff_id, cause=cause)
        log.info("staff %s signed in (%s)", staff_id, cause)
        self._set(staff_id=staff_id, signed_by=cause)
        return True

    def sign_out(self, cause: str) -> str | None:
        """Whoever serves signs out (cause: key, pause, day_end, queue or app_stop); returns
        their 工号, None when nobody was signed in or a queue login holds (key, pause)."""
        st = self.state
        if st.staff_id is None or (st.signed_by == "queue" and cause in ("key", "pause")):
            return None
        self.event("staff_out", staff_id=st.staff_id, cause=cause)
        log.info("staff %s signed out (%s)", st.staff_id, cause)
        self._set(staff_id=None, signed_by=None)
        return st.staff_id

    def _pause(self) -> None:
        self._set_paused(True)
        if self.sign_out_on_pause:
            self.sign_out("pause")

    # -- plumbing ---------------------------------------------------------
    def subscribe(self, listener: Callable[[FlowState], None]) -> None:
        self._listeners.append(listener)

    def _set(self, **changes) -> None:
        self.state = replace(self.state, **changes)
        for listener in self._listeners:
            listener(self.state)

    def apply_settings(self, reasons: tuple[str, ...], rating_s: float,
                       trigger: str | None = None) -> None:
        """New reason codes, rating timeout and trigger (the server's device config), live: a
        case already on screen keeps its countdown; the next one uses the new values."""
        self.timing.rating_s = rating_s
        if trigger is not None:
            self.trigger = trigger
        if tuple(reasons) != self.state.reasons:
            self._set(reasons=tuple(reasons))

    def event(self, kind: str, **fields) -> None:
        """Commit a service event (sync/outbox_events.py) before the flow acts on it. A value
        the wire would refuse (a queue system's odd ticket) is logged, not recorded, and the
        flow goes on; a store that cannot write stops the action, as for a rating."""
        try:
            self.store.record_event(kind, **fields)
        except ValueError as exc:
            log.error("service event not recorded: %s", exc)

    def _set_paused(self, paused: bool) -> None:
        if paused != self.state.paused:
            self.event("paused" if paused else "resumed")
        self._set(paused=paused)

    def remaining(self) -> float | None:
        """Seconds until the current screen times out, for the countdown."""
        if self.state.deadline is None:
            return None
        return max(0.0, self.state.deadline - self.clock())

    # -- queue-system events ------------------------------------------------
    def handle(self, event) -> None:
        match event:
            case Call(ticket=t):
                self._note_call(t)
                # The next citizen is at the window: the last case's QR code goes, so that
                # nobody rates a stranger's visit by phone.
                self._set(calling=t, call_count=self.state.call_count + 1, qr_until=None)
            case Recall(ticket=t):
                mine = (self.state.last_rating or {}).get("ticket") == t
                self._set(calling=t, call_count=self.state.call_count + 1,
                          qr_until=self.state.qr_until if mine else None)
            case CallEnded():  # given up, held, transferred: nobody left to rate
                self._set(calling=None)
            case Done():
                self._on_done(event)
            case Pause():
                self._pause()
            case Resume():
                self._set_paused(False)
            case Login(staff_id=s):
                self.sign_in(s, "queue")
            case Logout():
                self.sign_out("queue")
            case LinkChanged(state=s):
                up, was = LinkState.CONNECTED, self.state.link
                if (s is up) != (was is up):
                    self.event("link_up" if s is up else "link_down")
                self._set(link=s)
            case Waiting(count=n):
                self._set(waiting=n)
            case Prompt():
                self._on_prompt(event)
            case _:
                log.warning("flow ignores unknown event %r", event)

    # -- calls: without a case id, the case is the call ----------------------------------
    def _calls_today(self) -> str:
        day = self.today().isoformat()
        if day != self._calls_day:  # first use, or midnight: numbering starts again
            calls = self.store.calls(day)
            self._calls = {ticket: seq for seq, ticket in calls}
            self._last_call = (calls[-1][1], calls[-1][0]) if calls else None
            self._calls_day = day
        return day

    def _note_call(self, ticket: str) -> None:
        """Number a new call. The latest call's ticket shown again while that case is still
        open (a display refresh, a resent CALL, the kiosk restarted) is the same call."""
        day = self._calls_today()
        last = self._last_call
        if last is not None and last[0] == ticket and not self.store.has_case(
                case_key(day, self.state.window, ticket, None, last[1])):
            return
        self.event("called", ticket=ticket)
        seq = self.store.add_call(day, ticket)
        self._calls[ticket], self._last_call = seq, (ticket, seq)

    def _case_key(self, ticket: str, case_id: str | None) -> tuple[str, int | None]:
        day = self._calls_today()
        call = None if case_id else self._calls.get(ticket)
        return case_key(day, self.state.window, ticket, case_id, call), call

    def _on_done(self, done: Done) -> None:
        key, call = self._case_key(done.ticket, done.case_id)
        current = self.state.case
        if current is not None and current.key == key:
            log.info("DONE for %s again while it is being rated: ignored", done.ticket)
            return
        if self.store.has_case(key) or key in self._absorbed:
            log.info("DONE for %s: case already rated (一次一评), ignored", done.ticket)
            return
        self.event("completed", ticket=done.ticket, case_key=key, case_id=done.case_id)
        if not self._queue_opens(key):
            return
        if current is not None:
            # A new case came before the citizen answered: the old one ends as it stands.
            self._finish(current.level or 0, [], thank=False)
        case = Case(done.ticket, done.case_id, done.item_code, key, call=call,
                    started=self.clock(), item_name=done.item_name)
        self._queue_at, self._business_at, self._queue_key = self.clock(), None, key
        self._set(mode=Mode.RATING, case=case, deadline=self.clock() + self.timing.rating_s)

    # -- the business system's 请评价 ([rating] trigger) --------------------------------
    def _rating_up(self) -> bool:
        return self.state.mode in (Mode.RATING, Mode.REASONS) and self.state.case is not None

    def _queue_opens(self, key: str) -> bool:
        """Does the queue's DONE open the rating screen? Not under trigger = business; under
        both, not when it is the visit of a 办件 on screen or opened under MATCH_S ago."""
        if self.trigger == "business":
            log.info("DONE: the business system's 请评价 opens the rating screen here")
            return False
        case = self.state.case
        if self.trigger == "both" and (
                (self._rating_up() and case.source == "business")
                or (self._business_at is not None
                    and self.clock() - self._business_at <= MATCH_S)):
            log.info("DONE: the same visit as the 办件 just asked to be rated")
            self._business_at = None
            if len(self._absorbed) > 500:
                self._absorbed.clear()
            self._absorbed.add(key)
            return False
        return True

    def _on_prompt(self, prompt: Prompt) -> None:
        """The business system asks this window to rate a finished 办件."""
        if self.trigger == "queue":
            log.info("办件 %s: this window's trigger is the queue: not shown", prompt.case_no)
            return
        case, now = self.state.case, self.clock()
        if prompt.case_no in self._prompted:
            log.info("办件 %s again: already asked (一次一评), ignored", prompt.case_no)
            return
        self._prompted[prompt.case_no] = None
        while len(self._prompted) > 200:
            del self._prompted[next(iter(self._prompted))]
        if self.trigger == "both":
            if self._rating_up() and case.source == "queue" and self._queue_at is not None:
                # One visit: the open screen now rates this 办件 (its 办件编号, 事项).
                log.info("办件 %s: the same visit as %s on screen", prompt.case_no,
                         case.ticket)
                self._queue_at = None
                self._set(case=replace(case, case_id=prompt.case_no,
                                       item_code=prompt.item_code, item_name=prompt.item_name,
                                       staff_id=prompt.staff_id))
                return
            if self._queue_at is not None and now - self._queue_at <= MATCH_S:
                log.info("办件 %s: the same visit as the case just rated: not shown again",
                         prompt.case_no)
                self._queue_at = None
                last = self.state.last_rating or {}
                if last.get("case_key") == self._queue_key and last.get("level") and \
                        self.on_linked is not None:
                    self.on_linked(prompt.case_no, last["uuid"])  # the 办件编号 reaches it
                return
        ticket = self.state.calling or business_ticket(prompt.case_no)
        key = case_key(self._calls_today(), self.state.window, ticket, prompt.case_no)
        if self.store.has_case(key):
            log.info("办件 %s already rated (一次一评), ignored", prompt.case_no)
            return
        if case is not None:  # a new case came before the citizen answered
            self._finish(case.level or 0, [], thank=False)
        self._business_at, self._queue_at = now, None
        self._set(mode=Mode.RATING, deadline=now + self.timing.rating_s,
                  case=Case(ticket, prompt.case_no, prompt.item_code, key, started=now,
                            item_name=prompt.item_name, source="business",
                            staff_id=prompt.staff_id))

    # -- citizen taps ---------------------------------------------------------
    def tap_level(self, level: int) -> bool:
        """A level button was tapped; False when there is nothing to rate."""
        if self.state.mode is not Mode.RATING or self.state.case is None or level not in range(1, 6):
            log.info("tap on level %s with no case pending: ignored", level)
            return False
        if level in BAD_LEVELS:
            self._set(mode=Mode.REASONS, case=replace(self.state.case, level=level),
                      deadline=self.clock() + self.timing.reasons_s)
        else:
            self._finish(level, [])
        return True

    def submit_reasons(self, codes: list[str]) -> bool:
        """Reasons chosen (or none, for skip); stores the bad review either way."""
        case = self.state.case
        if self.state.mode is not Mode.REASONS or case is None or case.level is None:
            return False
        self._finish(case.level, [c for c in codes if c in self.state.reasons])
        return True

    def press_next(self) -> None:
        """Staff asked for the next number (keypad or screen)."""
        self.sender.request_next()

    def staff_action(self, action: StaffAction) -> bool:
        """A staff key (keypad or staff strip); False when it is refused here."""
        if action is StaffAction.NEXT:
            self.press_next()
            return True
        if action is StaffAction.EVALUATE:
            # A clerk cannot make the kiosk ask for ratings with no case being served.
            if self.state.mode in (Mode.RATING, Mode.REASONS):
                log.info("evaluate pressed while a rating is on screen: ignored")
                return False
            if self.state.calling is None:
                log.info("evaluate pressed with no ticket being served: told the clerk")
                # The key still goes out: caller68's host expects every key of the hardware
                # caller it stands in for (line and frame have no such message and drop it).
                self.sender.staff_action(action)
                self._set(notice=NO_TICKET, notice_until=self.clock() + NOTICE_S)
                return False
            self.sender.staff_action(action)
            self._on_done(Done(self.state.calling))
            return True
        if action is StaffAction.PAUSE:
            self._pause()
        elif action is StaffAction.RESUME:
            self._set_paused(False)
        self.sender.staff_action(action)
        return True

    # -- time -------------------------------------------------------------------
    def tick(self) -> None:
        """Call often (the UI clock does); moves on when a screen's time is up."""
        st = self.state
        if st.notice is not None and self.clock() >= (st.notice_until or 0):
            self._set(notice=None, notice_until=None)
        if st.qr_until is not None and self.clock() >= st.qr_until:
            self._set(qr_until=None)
        if st.deadline is None or self.clock() < st.deadline:
            return
        if st.mode is Mode.RATING:
            log.info("rating for %s timed out: not rated", st.case.ticket if st.case else "?")
            self._finish(0, [])
        elif st.mode is Mode.REASONS and st.case is not None:
            # The citizen chose a level and walked away: keep it, but nobody is there to thank.
            self._finish(st.case.level or 0, [], thank=False)
        elif st.mode is Mode.THANKS:
            self._set(mode=Mode.IDLE, deadline=None)

    def _finish(self, level: int, reasons: list[str], thank: bool = True) -> None:
        """Commit the rating, tell the queue system, then (only then) say thank you."""
        case = self.state.case
        assert case is not None
        rated_at, boot, mono = self.store.stamp()  # the clocks the outbox stamps events with
        row = self.store.record(NewRating(
            level=level, window=self.state.window, ticket=case.ticket, case_key=case.key,
            device_id=self.device_id, staff_id=case.staff_id or self.state.staff_id,
            case_id=case.case_id,
            item_code=case.item_code, reasons=reasons, rated_at=rated_at, boot_id=boot,
            mono_s=mono))
        self.sender.report_rated(case.ticket, level)
        # The case has ended: its call leaves the strip (a newer call stays).
        calling = None if self.state.calling == case.ticket else self.state.calling
        if level == 0 or not thank:
            self._set(mode=Mode.IDLE, case=None, deadline=None, last_rating=row, calling=calling,
                      qr_until=self._qr_until(case) if level == 0 else None)
        else:
            self._set(mode=Mode.THANKS, case=None, last_rating=row, calling=calling,
                      deadline=self.clock() + self.timing.thanks_s, qr_until=None)

    def _qr_until(self, case: Case) -> float | None:
        """An unrated case's QR code stays qr_show_s (qr_keep: until the next call), never
        past its code's expiry."""
        now = self.clock()
        until = case.started + self.timing.qr_valid_s
        if not self.timing.qr_keep:
            until = min(now + self.timing.qr_show_s, until)
        return until if until > now else None
