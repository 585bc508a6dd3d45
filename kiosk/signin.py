"""Who is serving, on every bus (issue 27 item 2): staff sign in at the kiosk and every rating
carries their 工号, on caller68 (no login message at all) and on a line host that sends none.

Ways in, all ending in Flow.sign_in(), which records a staff_in service event and shows them:
- touch: tap the staff card on the idle screen, pick yourself from the window's roster (the
  server's device config), type your 4-6 digit PIN. The PIN is checked here, offline, against
  the salted hash the supervisor set in the console (sync/wire/pin_hash.py). Five wrong PINs
  in a row lock PIN entry on this kiosk for a minute, whoever is picked.
- keypad: 签到 (KEY_NUMLOCK by default), the 工号 on the digit keys, 确认 (KEY_KPENTER). While
  a 工号 is typed the digit keys type digits (not their actions), 签退 (KEY_BACKSPACE) deletes
  one, and nothing is sent to the queue system. With a roster, the 工号 must be on it.
- the queue system's LOGIN: it wins over a kiosk sign-in and, while it holds, the kiosk's own
  sign-in and sign-out are refused with a word to the clerk; its LOGOUT signs out.
Ways out: 签退 on the keypad or the sign-in screen (cause key), 签到 + 确认 with no digits,
pausing when the hall wants it ([signin] sign_out_on_pause), the end of the day ([signin]
day_end, default 20:00 local; and always at local midnight), and a clean stop of the app.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from drivers.events import KeyDigit, StaffAction
from kiosk.roster import Staff
from sync.wire.labels import N_
from sync.wire.pin_hash import staff_pin_ok, verify_pin

log = logging.getLogger(__name__)

MAX_TRIES = 5       # wrong PINs in a row before entry locks
LOCKOUT_S = 60.0    # how long it stays locked
ENTRY_S = 20.0      # a 工号 half typed on the keypad is dropped after this long without a key
MAX_DIGITS = 16

# What the clerk is told (English msgids; kiosk.po has the Chinese).
TYPING = N_("Sign in: staff no. {digits}_  then press OK")
SIGNED_IN = N_("Signed in: {staff_id}")
SIGNED_OUT = N_("Signed out: {staff_id}")
NOT_ON_ROSTER = N_("Staff no. {staff_id} is not on this window's roster")
QUEUE_HOLDS = N_("The queue system has signed in {staff_id}: sign in and out there")
WRONG_PIN = N_("Wrong PIN: {left} tries left")
LOCKED = N_("Too many wrong PINs: try again in {seconds} s")
NO_PIN = N_("No PIN is set for you: ask the hall supervisor")
BAD_PIN = N_("A PIN is 4 to 6 digits")


@dataclass(frozen=True)
class Answer:
    """What a PIN try came to: ok, and the message (msgid and its fields) otherwise."""

    ok: bool
    message: str = ""
    args: tuple = ()


def parse_day_end(text: str) -> tuple[int, int] | None:
    """"HH:MM" -> (hour, minute); "" -> None (signed out at local midnight only)."""
    if not text:
        return None
    hour, minute = text.split(":")
    if not (len(hour) == 2 and len(minute) == 2 and 0 <= int(hour) <= 23
            and 0 <= int(minute) <= 59):
        raise ValueError(text)
    return int(hour), int(minute)


class SignIn:
    """The kiosk's sign-in: roster and PIN (touch), 工号 entry (keypad), the day's end."""

    def __init__(self, flow, roster: Callable[[], dict[str, Staff]], day_end: str = "20:00",
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = datetime.now) -> None:
        self.flow, self.roster, self.clock, self.now = flow, roster, clock, now
        self.day_end = parse_day_end(day_end)
        self.failures = 0
        self.locked_until = 0.0
        self.typing: str | None = None   # the 工号 typed so far on the keypad (None: not typing)
        self._typed_at = 0.0
        self._watching: str | None = None  # whose day end is _cutoff
        self._cutoff: datetime | None = None

    # -- touch: roster and PIN -----------------------------------------------------------
    def staff(self) -> list[Staff]:
        """The window's roster, by 工号, for the picker."""
        return sorted(self.roster().values(), key=lambda s: s.staff_id)

    def locked_for(self) -> float:
        return max(0.0, self.locked_until - self.clock())

    def try_pin(self, staff_id: str, pin: str) -> Answer:
        """Sign staff_id in when `pin` matches their PIN; the answer says why not. The PIN
        is never logged or kept."""
        left = self.locked_for()
        if left > 0:
            return Answer(False, LOCKED, (("seconds", int(left + 0.999)),))
        member = self.roster().get(staff_id)
        if member is None:
            return Answer(False, NOT_ON_ROSTER, (("staff_id", staff_id),))
        if not member.pin_hash:
            return Answer(False, NO_PIN)
        if not staff_pin_ok(pin):
            return Answer(False, BAD_PIN)
        if not verify_pin(pin, member.pin_hash):
            self.failures += 1
            log.warning("sign-in of %s: wrong PIN (%d of %d)", staff_id, self.failures,
                        MAX_TRIES)
            if self.failures >= MAX_TRIES:
                self.failures = 0
                self.locked_until = self.clock() + LOCKOUT_S
                log.warning("PIN sign-in locked for %.0f s", LOCKOUT_S)
                return Answer(False, LOCKED, (("seconds", int(LOCKOUT_S)),))
            return Answer(False, WRONG_PIN, (("left", MAX_TRIES - self.failures),))
        self.failures = 0
        return self._sign_in(staff_id, "pin")

    def sign_out(self) -> Answer:
        """签退 on the sign-in screen or the keypad."""
        st = self.flow.state
        if st.staff_id is not None and st.signed_by == "queue":
            return self._tell(QUEUE_HOLDS, staff_id=st.staff_id)
        gone = self.flow.sign_out("key")
        return self._tell(SIGNED_OUT, ok=True, staff_id=gone) if gone else Answer(True)

    def _sign_in(self, staff_id: str, cause: str) -> Answer:
        st = self.flow.state
        if not self.flow.sign_in(staff_id, cause):
            return self._tell(QUEUE_HOLDS, staff_id=st.staff_id)
        return self._tell(SIGNED_IN, ok=True, staff_id=staff_id)

    def _tell(self, message: str, ok: bool = False, **args) -> Answer:
        self.flow.tell(message, **args)
        return Answer(ok, message, tuple(args.items()))

    # -- keypad: 签到, 工号, 确认 ----------------------------------------------------------
    def key(self, item) -> bool:
        """A keypad item (StaffAction or KeyDigit); True when it was sign-in's to handle,
        False when the flow should act on it as before."""
        if self.typing is None:
            if item is StaffAction.SIGN_IN:
                self._type("")
                return True
            if item is StaffAction.SIGN_OUT:
                self.sign_out()
                return True
            return False
        self._typed_at = self.clock()
        if isinstance(item, KeyDigit):
            self._type((self.typing + item.digit)[:MAX_DIGITS])
        elif item is StaffAction.SIGN_OUT:  # the delete key while typing
            self._type(self.typing[:-1])
        elif item is StaffAction.SIGN_IN:
            self._type("")  # start again
        elif item is StaffAction.NEXT:  # 确认
            self._confirm()
        else:  # another staff key: typing ends, the key does what it always does
            self._stop_typing()
            return False
        return True

    def _type(self, digits: str) -> None:
        self.typing, self._typed_at = digits, self.clock()
        self.flow.tell(TYPING, ENTRY_S, digits=digits)

    def _stop_typing(self) -> None:
        self.typing = None
        if self.flow.state.notice == TYPING:
            self.flow.tell(TYPING, 0.0, digits="")  # gone at the next tick

    def _confirm(self) -> None:
        staff_id, self.typing = self.typing or "", None
        if not staff_id:
            self.sign_out()
            return
        roster = self.roster()
        if roster and staff_id not in roster:
            self._tell(NOT_ON_ROSTER, staff_id=staff_id)
            return
        self._sign_in(staff_id, "keypad")

    # -- time: a half-typed 工号, the end of the day -------------------------------------
    def tick(self) -> None:
        if self.typing is not None and self.clock() - self._typed_at >= ENTRY_S:
            log.info("keypad sign-in abandoned")
            self._stop_typing()
        staff_id = self.flow.state.staff_id
        if staff_id != self._watching:
            self._watching = staff_id
            self._cutoff = self._next_cutoff(self.now()) if staff_id else None
        if self._cutoff is not None and self.now() >= self._cutoff:
            log.info("end of the day: %s signed out", staff_id)
            self._watching, self._cutoff = None, None
            self.flow.sign_out("day_end")

    def _next_cutoff(self, since: datetime) -> datetime:
        """The first day end or local midnight after `since` (a sign-in after the day's
        end lasts until midnight)."""
        midnight = datetime.combine(since.date() + timedelta(days=1), datetime.min.time(),
                                    since.tzinfo)
        if self.day_end is None:
            return midnight
        end = since.replace(hour=self.day_end[0], minute=self.day_end[1], second=0,
                            microsecond=0)
        return end if since < end else midnight
