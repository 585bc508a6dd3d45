"""The one interface every queue-system dialect offers to the kiosk flow, and their shared base."""
from __future__ import annotations

import logging
import queue
import time
from typing import Protocol

from drivers.events import LinkChanged, LinkState, StaffAction
from drivers.transport import Transport

log = logging.getLogger(__name__)


class EventQueue(queue.Queue):
    """A queue that can ring a bell on every put, so the UI wakes for an event at once instead
    of at its next poll. `wake` must be thread-safe (Kivy's Clock triggers are)."""

    def __init__(self) -> None:
        super().__init__()
        self.wake = None

    def put(self, item, block=True, timeout=None) -> None:
        super().put(item, block, timeout)
        wake = self.wake
        if wake is not None:
            wake()


class QueueLink(Protocol):
    """A running link: events arrive on `events`; the flow calls the senders."""

    events: EventQueue
    state: LinkState

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def request_next(self) -> None:
        """Staff asked for the next number."""

    def staff_action(self, action: StaffAction) -> None:
        """Staff pressed a key (next, recall, evaluate, pause, ...); dialects send what they can."""

    def report_rated(self, ticket: str, level: int) -> None:
        """A ticket was rated (level 0: timed out)."""


class LinkBase:
    """A Transport, an event queue and the link state; dialects add a codec on top."""

    name = "link"

    def __init__(self, url: str, baudrate: int = 9600) -> None:
        self.events = EventQueue()
        self.transport = Transport(url, self._on_bytes, self._on_state, baudrate, self.name)

    @property
    def state(self) -> LinkState:
        return self.transport.state

    def start(self) -> None:
        self.transport.start()

    def stop(self) -> None:
        self.transport.stop()

    def request_next(self) -> None:
        self.staff_action(StaffAction.NEXT)

    def counters(self) -> dict:
        """Bytes heard and sent, and seconds since the last byte heard (None: never)."""
        t = self.transport
        ago = None if t.last_rx_at is None else round(time.monotonic() - t.last_rx_at, 1)
        return {"rx_bytes": t.rx_bytes, "tx_bytes": t.tx_bytes, "last_rx_s_ago": ago}

    def _on_state(self, state: LinkState) -> None:
        if state is LinkState.CONNECTING:
            return
        if state is LinkState.CONNECTED:
            self._reset_decoder()  # a half message from before the drop is garbage
        self.events.put(LinkChanged(state))

    def _reset_decoder(self) -> None:
        raise NotImplementedError

    def _on_bytes(self, data: bytes) -> None:
        raise NotImplementedError


class NullLink:
    """No queue system configured: the kiosk still rates what the screen starts."""

    def __init__(self) -> None:
        self.events = EventQueue()
        self.state = LinkState.CLOSED

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def request_next(self) -> None:
        log.info("NEXT pressed, but no queue system is configured")

    def staff_action(self, action: StaffAction) -> None:
        log.info("%s pressed, but no queue system is configured", action.value)

    def report_rated(self, ticket: str, level: int) -> None:
        pass
