"""The one interface every queue-system dialect offers to the kiosk flow."""
from __future__ import annotations

import queue
from typing import Protocol

from .events import LinkState


class QueueLink(Protocol):
    """A running link: events arrive on `events`; the flow calls the two senders."""

    events: "queue.Queue"
    state: LinkState

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def request_next(self) -> None:
        """Staff asked for the next number."""

    def report_rated(self, ticket: str, level: int) -> None:
        """A ticket was rated (level 0: timed out)."""
