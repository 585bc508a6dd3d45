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
class Done:
    """The case is completed (办结): ask the citizen for a rating."""

    ticket: str
    case_id: str | None = None
    item_code: str | None = None


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


QueueEvent = Call | Recall | Done | Pause | Resume | Login | Logout | LinkChanged
