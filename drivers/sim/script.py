"""Scripted queue-system sessions: a text file of timed messages that any simulator can play."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from drivers import fields
from drivers.events import Call, Done, Login, Logout, Pause, Recall, Resume

log = logging.getLogger(__name__)

USAGE = """\
One step a line: DELAY COMMAND [ARGS] [@ADDRESS]; DELAY in seconds before the step.
  0.5 CALL A023              ticket A023 is called to the window
  1   RECALL A023
  3   DONE A023 C1 11410000  the case is completed (case id and item code optional)
  0   PAUSE / RESUME / LOGOUT
  0   LOGIN S1001
  2   WAIT                   just wait
Blank lines and lines starting with # are skipped. @N sends to bus address N (frame dialect)."""


class ScriptError(ValueError):
    """A script line that cannot be played; says which line and why."""


@dataclass(frozen=True)
class Step:
    delay_s: float
    event: object | None   # None: WAIT
    address: int | None
    line_no: int


def parse_script(text: str) -> list[Step]:
    steps = []
    for no, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        address = None
        if words[-1].startswith("@"):
            try:
                address = int(words.pop()[1:])
            except ValueError:
                raise ScriptError(f"line {no}: @ADDRESS must be a number") from None
        try:
            delay = float(words[0])
            if not 0 <= delay <= 3600:
                raise ValueError
        except ValueError:
            raise ScriptError(f"line {no}: first word must be a delay in seconds, 0..3600") from None
        if len(words) < 2:
            raise ScriptError(f"line {no}: a command must follow the delay")
        steps.append(Step(delay, _event(words[1].upper(), words[2:], no), address, no))
    return steps


def _event(cmd: str, args: list[str], no: int):
    want = {"CALL": (1, 1), "RECALL": (1, 1), "DONE": (1, 3), "LOGIN": (1, 1), "PAUSE": (0, 0),
            "RESUME": (0, 0), "LOGOUT": (0, 0), "WAIT": (0, 0)}
    if cmd not in want:
        raise ScriptError(f"line {no}: unknown command {cmd!r} ({', '.join(want)})")
    lo, hi = want[cmd]
    if not lo <= len(args) <= hi:
        raise ScriptError(f"line {no}: {cmd} takes {lo}..{hi} arguments")
    try:
        if cmd in ("CALL", "RECALL"):
            return (Call if cmd == "CALL" else Recall)(fields.ticket(args[0]))
        if cmd == "DONE":
            return Done(fields.ticket(args[0]),
                        *(fields.ident(a, "case_id/item_code") for a in args[1:]))
        if cmd == "LOGIN":
            return Login(fields.ident(args[0], "staff_id"))
    except fields.FieldError as exc:
        raise ScriptError(f"line {no}: {exc}") from None
    return {"PAUSE": Pause(), "RESUME": Resume(), "LOGOUT": Logout(), "WAIT": None}[cmd]


def play(steps: list[Step], send, sleep=time.sleep) -> int:
    """Play steps through send(event, address); returns how many messages were sent."""
    sent = 0
    for step in steps:
        sleep(step.delay_s)
        if step.event is not None:
            log.info("script line %d: %s", step.line_no, step.event)
            send(step.event, step.address)
            sent += 1
    return sent
