"""The frame dialect's event outbox: seq 1..255 wrapping, resent at every POLL until EVENT_ACK."""
from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass

log = logging.getLogger(__name__)

MAX_EVENTS = 64  # the queue system is told of ratings; the ratings themselves live in SQLite


@dataclass(frozen=True)
class Outgoing:
    seq: int
    cmd: int
    values: tuple[str | int, ...]


class EventOutbox:
    """At-least-once delivery to the bus master; thread-safe (UI thread adds, reader answers)."""

    def __init__(self) -> None:
        self._events: deque[Outgoing] = deque()
        self._seq = 0
        self._lock = threading.Lock()

    def add(self, cmd: int, *values: str | int) -> Outgoing:
        with self._lock:
            self._seq = self._seq % 255 + 1
            event = Outgoing(self._seq, cmd, (self._seq, *values))
            if len(self._events) >= MAX_EVENTS:
                lost = self._events.popleft()
                log.warning("bus master has not polled: dropped queue notice seq %d", lost.seq)
            self._events.append(event)
            return event

    def head(self) -> Outgoing | None:
        with self._lock:
            return self._events[0] if self._events else None

    def ack(self, seq: int) -> bool:
        """EVENT_ACK: drop the head when its seq matches; a stale or repeated ack changes nothing."""
        with self._lock:
            if self._events and self._events[0].seq == seq:
                self._events.popleft()
                return True
            return False

    def __len__(self) -> int:
        return len(self._events)
