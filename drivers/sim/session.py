"""One face for the three queue-system simulators: send an event, read what the kiosk said."""
from __future__ import annotations

import logging
import queue

from drivers import frame_codec as fc
from drivers.events import Call, CallEnded, Done, StaffAction, Waiting
from drivers.sim.caller68 import Caller68Host
from drivers.sim.frame import FrameMaster
from drivers.sim.line import LineSimulator

log = logging.getLogger(__name__)


class SimSession:
    """Wraps a dialect's simulator: `send(event, address)`, `heard` (text lines), `port_paths`."""

    def __init__(self, dialect: str, url: str | None = None, window: int = 1,
                 addresses: list[int] | None = None, poll_s: float = 0.2) -> None:
        self.dialect = dialect
        self.addresses = addresses or [1]
        self.heard: queue.Queue = queue.Queue()
        self.next_ticket = 1
        if dialect == "line":
            self.sim = LineSimulator(window, on_message=self._heard_line, url=url)
        elif dialect == "frame":
            self.sim = FrameMaster(self.addresses, poll_s=poll_s, url=url)
        elif dialect == "caller68":
            self.sim = Caller68Host(self.addresses[0], url=url)
        else:
            raise ValueError(f"unknown dialect {dialect!r} (line, frame or caller68)")

    @property
    def port_paths(self) -> list[str]:
        return self.sim.port_paths if self.dialect == "frame" else [self.sim.port_path]

    def start(self) -> "SimSession":
        self.sim.start()
        if self.dialect == "frame":
            self._drain_frames()
        return self

    def stop(self) -> None:
        self.sim.stop()

    def _heard_line(self, msg) -> None:
        self.heard.put(repr(msg))
        if type(msg).__name__ == "Next":
            self.call_next()

    def _drain_frames(self) -> None:
        import threading

        def pump():
            while True:
                addr, frame = self.sim.received.get()
                fields = frame.fields
                self.heard.put(f"@{addr} {'RATED' if frame.cmd == fc.RATED else 'NEXT'} {fields}")
                if frame.cmd == fc.NEXT:
                    self.call_next(addr)

        threading.Thread(target=pump, name="sim-frame-pump", daemon=True).start()

    def call_next(self, address: int | None = None) -> str:
        ticket = f"A{self.next_ticket:03d}"
        self.next_ticket += 1
        self.send(Call(ticket), address)
        return ticket

    def send(self, event, address: int | None = None) -> None:
        """Send a queue event; the caller68 bus can only show a called ticket, the waiting
        count, or a blank display (CallEnded)."""
        if self.dialect == "line":
            self.sim.send(event)
        elif self.dialect == "frame":
            self.sim.send(self.addresses[0] if address is None else address, event)
        elif isinstance(event, Call):
            self.sim.show_ticket(event.ticket[-3:] if event.ticket[-3:].isdigit() else
                                 self.next_ticket)
        elif isinstance(event, Waiting):
            self.sim.show_waiting(event.count)
        elif isinstance(event, CallEnded):
            self.sim.show_blank()
        elif isinstance(event, Done):
            log.warning("caller68 has no DONE: the clerk presses 评价 (evaluate) on the kiosk")
        else:
            log.warning("caller68 host cannot send %s", type(event).__name__)

    def poll_caller_keys(self) -> None:
        """Move caller68 key presses into `heard` (the host answers NEXT by itself)."""
        if self.dialect != "caller68":
            return
        while not self.sim.received.empty():
            action: StaffAction = self.sim.received.get()
            self.heard.put(f"key {action.value}")
