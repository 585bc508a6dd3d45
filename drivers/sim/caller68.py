"""A simulated legacy queue host on the caller68 bus, after JackQChen/QueueSystem
`CallSystem/CallSystem/frmMain.cs`: it answers every frame it reads (a key with the same bytes,
an evaluator result with `01 DATA CS-0x10`), acts on every copy, calls on 呼叫, and files an
evaluator result under the call that 评价 ended."""
from __future__ import annotations

import logging
import queue
import threading
import time

from drivers import caller68_codec as cc
from drivers.events import StaffAction
from drivers.sim.endpoint import open_endpoint

log = logging.getLogger(__name__)

ACTIONS = {code: action for action, code in cc.KEY_CODES.items()}


class Caller68Host:
    """Plays the host. `echo`: answer frames (off: a host whose answers get lost). `two_wire`:
    the kiosk's adapter is 2-wire, so every byte the kiosk sends comes back to it first.
    `every_copy` (default): every 呼叫 copy calls a ticket, whatever the window's state, as a
    host that counts every byte; off: only from idle or after 评价, as frmMain.cs CallNo."""

    def __init__(self, address: int = 1, first_ticket: int = 1, auto_call: bool = True,
                 url: str | None = None, two_wire: bool = False, every_copy: bool = True) -> None:
        self.address = address
        self.next_number = first_ticket
        self.auto_call = auto_call
        self.echo = True
        self.two_wire = two_wire
        self.every_copy = every_copy
        self.received: queue.Queue = queue.Queue()  # StaffAction of every key frame read
        self.calls: list[str] = []        # every ticket called, in order
        self.results: list[tuple[str, int]] = []  # (ticket, key index) filed, in order
        self.key_times: list[float] = []  # monotonic time each frame for us was read
        self.state = "idle"               # frmMain.cs WorkState: idle, call, evaluate
        self.serving: str | None = None   # the ticket called (call) or being rated (evaluate)
        self._decoder = cc.Caller68Decoder()
        self._pty = open_endpoint(url, self._on_bytes)
        self.port_path = self._pty.port_path
        self._display: bytes | None = None  # the last display frame, for refresh()
        self._busy: threading.Thread | None = None
        self.busy_until = 0.0
        self.busy_times: list[float] = []  # when each of busy()'s frames went out

    @property
    def raw(self) -> bytearray:
        return self._pty.raw

    def start(self) -> "Caller68Host":
        self._pty.start()
        return self

    def stop(self) -> None:
        self.busy_until = 0.0
        if self._busy is not None:
            self._busy.join(timeout=2)
        self._pty.stop()

    def show_ticket(self, number: int | str, blanks: bool = False) -> None:
        """Show a called ticket's last three digits; `blanks`: leading zeros left blank, as
        some hosts do (ticket 7 as 0A 0A 0A 0A 0A 07)."""
        self._show(cc.display_ticket(self.address, str(number), blanks))

    def show_waiting(self, count: int, blanks: bool = False) -> None:
        self._show(cc.display_waiting(self.address, count, blanks))

    def show_blank(self) -> None:
        """Blank the display: no ticket is called (some hosts do so after 弃号 or at close)."""
        self._show(cc.display_blank(self.address))

    def refresh(self) -> None:
        """Send the last display frame again, as hosts do every few seconds."""
        if self._display is not None:
            self._pty.send_bytes(self._display)

    def _show(self, frame: cc.Frame) -> None:
        self._display = cc.encode(frame)
        self._pty.send_bytes(self._display)

    def beep(self) -> None:
        self._pty.send_bytes(cc.encode(cc.Frame(self.address, cc.BEEP)))

    def call_next(self) -> str:
        ticket = f"{self.next_number % 1000:03d}"
        self.next_number += 1
        self.calls.append(ticket)
        self.state, self.serving = "call", ticket
        self.show_ticket(ticket)
        return ticket

    def busy(self, seconds: float, every_s: float = 0.01) -> None:
        """Other callers' traffic: a display frame for the next address every `every_s`, for
        `seconds`; the bus is never quiet for longer than every_s meanwhile."""
        other = cc.encode(cc.display_waiting(self.address % 255 + 1, 5))
        self.busy_until = time.monotonic() + seconds

        def talk():
            while time.monotonic() < self.busy_until:
                self._pty.send_bytes(other)
                self.busy_times.append(time.monotonic())
                time.sleep(every_s)

        self._busy = threading.Thread(target=talk, name="sim-caller68-busy", daemon=True)
        self._busy.start()

    def _on_bytes(self, data: bytes) -> None:
        if self.two_wire:
            self._pty.send_bytes(data)  # the adapter: the kiosk hears what it sends
        for frame in self._decoder.feed(data):
            if isinstance(frame, cc.Frame) and frame.addr == self.address:
                self._on_frame(frame)

    def _on_frame(self, frame: cc.Frame) -> None:
        if frame.cmd not in (cc.KEY, cc.RESULT):
            return
        self.key_times.append(time.monotonic())
        if self.echo:
            self._pty.send_bytes(cc.encode(cc.answer(frame)))
        if frame.cmd == cc.RESULT:
            self._on_result(frame.data[0])
            return
        action = ACTIONS.get(frame.data)
        log.info("caller key %s (%s)", frame.data.hex(), action.value if action else "?")
        if action is None:
            return
        self.received.put(action)
        if action is StaffAction.NEXT and self.auto_call and (
                self.every_copy or self.state != "call"):
            self.call_next()
        elif action is StaffAction.EVALUATE and self.state == "call":
            self.state = "evaluate"  # the call ends; its result may come now
        elif action in (StaffAction.GIVE_UP, StaffAction.HOLD, StaffAction.TRANSFER):
            self.state, self.serving = "idle", None

    def _on_result(self, index: int) -> None:
        """frmMain.cs SaveEvaluate: filed only right after 评价, for the call it ended; a
        second copy finds the window idle and is dropped."""
        if self.state != "evaluate" or self.serving is None:
            log.info("evaluator result %d with no call being rated: dropped", index)
            return
        self.results.append((self.serving, index))
        self.state = "idle"
