"""Typed events a queue-system link delivers to the kiosk flow, and the link's state."""
from __future__ import annotations

import enum
from dataclasses import dataclass


class LinkState(enum.Enum):
    """Connection state a link publishes; the flow and the technician menu show it."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    CLOSED = "closed"


@dataclass(frozen=True)
class Call:
    """A ticket is called to this window: show it and announce it."""

    ticket: str


@dataclass(frozen=True)
class Recall:
    """The same ticket is called again."""

    ticket: str


@dataclass(frozen=True)
class CallEnded:
    """The called ticket is no longer served here (given up, held, transferred, or the
    caller's display blanked): nothing is being served, so 评价 has nothing to rate."""

    ticket: str | None = None


@dataclass(frozen=True)
class Done:
    """The case is completed (办结): ask the citizen for a rating."""

    ticket: str
    case_id: str | None = None
    item_code: str | None = None
    item_name: str | None = None  # 办理事项, when the queue system names it (shown, not stored)


@dataclass(frozen=True)
class Pause:
    """The window stops serving (暂停服务)."""


@dataclass(frozen=True)
class Resume:
    """The window serves again."""


@dataclass(frozen=True)
class Login:
    """A staff member takes the window."""

    staff_id: str


@dataclass(frozen=True)
class Logout:
    """Nobody staffs the window."""


@dataclass(frozen=True)
class LinkChanged:
    """The link to the queue system changed state."""

    state: LinkState


@dataclass(frozen=True)
class Waiting:
    """How many people wait in the queue (caller68 display frames)."""

    count: int


class StaffAction(enum.Enum):
    """What window staff can ask for, from the keypad or the screen's staff strip."""

    NEXT = "next"            # 呼叫 call the next number
    RECALL = "recall"        # 重呼
    EVALUATE = "evaluate"    # 评价: ask the citizen for a rating of the current case
    PAUSE = "pause"          # 暂停
    RESUME = "resume"
    TRANSFER = "transfer"    # 转移
    GIVE_UP = "give_up"      # 弃号
    HOLD = "hold"            # 挂起
    CALL_BACK = "call_back"  # 回呼
    # Who is serving (kiosk/signin.py), never sent to the queue system: 签到 starts typing a
    # 工号 on the keypad's digits (确认 ends it); 签退 signs the clerk out.
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"


KIOSK_ONLY = (StaffAction.SIGN_IN, StaffAction.SIGN_OUT)


@dataclass(frozen=True)
class KeyDigit:
    """A digit key of the staff keypad: a digit of a 工号 while one is typed after 签到,
    else the staff action the key map gives it (None: none)."""

    digit: str
    action: StaffAction | None = None


QueueEvent = (Call | Recall | CallEnded | Done | Pause | Resume | Login | Logout | LinkChanged
              | Waiting)


@dataclass(frozen=True)
class KeypadChanged:
    """The staff keypad was plugged in or pulled out (drivers/keypad.py emits it)."""

    state: LinkState
