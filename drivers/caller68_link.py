"""Driver of the legacy `caller68` bus: the kiosk stands in for the window's hardware caller
and its 4-key evaluator. Frames go out through drivers/caller68_bus.py (once each, into a quiet
bus); the host is JackQChen/QueueSystem `CallSystem/CallSystem/frmMain.cs` or one like it."""
from __future__ import annotations

import logging
import threading

from drivers import caller68_codec as cc
from drivers.caller68_bus import QUIET_S, BusSender, Outgoing
from drivers.events import Call, CallEnded, StaffAction, Waiting
from drivers.framing import silence_gap_s
from drivers.link import LinkBase

log = logging.getLogger(__name__)

# Level 1..5 -> key index of the reference host's 4-key evaluator, which stores index 0 as
# 不满意, 1 as 0 (its "not rated"), 2 as 满意 and 3 as 非常满意 (frmMain.cs SaveEvaluate): lossy,
# so 非常不满意 and 不满意 both go as 不满意, 基本满意 and 满意 both as 满意, and 1 is never sent.
DEFAULT_RESULT_KEYS = (0, 0, 2, 2, 3)
# After these keys the host no longer serves the called ticket: 评价 must not rate it.
ENDS_CALL = frozenset({StaffAction.GIVE_UP, StaffAction.HOLD, StaffAction.TRANSFER})
# After these the host shows a call: even the same three digits are a new call.
NEW_CALL = frozenset({StaffAction.NEXT, StaffAction.CALL_BACK})


class Caller68Link(LinkBase):
    """Sends each key press and rating once; learns the called ticket from display frames.

    result_keys: the evaluator key index sent for levels 1..5 ([queue] caller68_result_keys;
    empty: no result frames). quiet_s: bus silence before a frame goes out. two_wire: the
    adapter echoes what the kiosk sends ([queue] caller68_wires = 2)."""

    name = "caller68-link"

    def __init__(self, url: str, address: int, baudrate: int = 9600,
                 gap_s: float | None = None, result_keys=DEFAULT_RESULT_KEYS,
                 quiet_s: float = QUIET_S, two_wire: bool = False) -> None:
        self.address = address
        self.gap_s = silence_gap_s(baudrate) if gap_s is None else gap_s
        self.result_keys = tuple(result_keys)
        self._decoder = cc.Caller68Decoder(self.gap_s)
        self._shown = None  # the display's last Call, Waiting or Blank
        self._lock = threading.Lock()
        super().__init__(url, baudrate)
        self.bus = BusSender(self.transport, quiet_s, two_wire)

    @property
    def unacknowledged(self) -> int:
        """Frames the host never answered (each sent once), for the technician menu."""
        return self.bus.unanswered

    def start(self) -> None:
        super().start()
        self.bus.start()

    def stop(self) -> None:
        self.bus.stop()
        super().stop()

    def staff_action(self, action: StaffAction) -> None:
        if action is StaffAction.RESUME:
            # The bus has no resume key: the host resumes at the next key the clerk presses.
            log.info("resume: the host resumes at the next key press")
            return
        with self._lock:
            if action in ENDS_CALL:
                # The display may keep the ticket up (and refresh it): that is not a new call.
                ticket = self._shown.ticket if isinstance(self._shown, Call) else None
                self.events.put(CallEnded(ticket))
            elif action in NEW_CALL:
                self._shown = None
        frame = cc.key_frame(self.address, action)
        self.bus.put(Outgoing(frame, f"key {action.value} ({frame.data.hex()})"))

    def report_rated(self, ticket: str, level: int) -> None:
        """The rating is stored: tell the host with the evaluator result frame (queued, never
        waited on; the host files it under the call its 评价 key ended). Not rated: nothing."""
        if not self.result_keys or level not in range(1, 6):
            return
        index = self.result_keys[level - 1]
        self.bus.put(Outgoing(cc.result_frame(self.address, index),
                              f"result of {ticket} (level {level} as key {index})"))

    def _reset_decoder(self) -> None:
        self._decoder = cc.Caller68Decoder(self.gap_s)

    def _on_bytes(self, data: bytes) -> None:
        for item in self._decoder.feed(data, self.transport.last_rx_at):
            if isinstance(item, cc.Dropped):
                log.warning("dropped caller bytes %s: %s", item.raw.hex(" "), item.reason)
            elif item.addr == self.address:
                self._on_frame(item)

    def _on_frame(self, frame: cc.Frame) -> None:
        if self.bus.heard(frame):
            return
        msg = cc.to_message(frame)
        if isinstance(msg, (cc.KeyEcho, cc.ResultHeard)):
            log.debug("late or stray copy of our frame: %s", cc.encode(frame).hex(" "))
        elif isinstance(msg, (Call, Waiting, cc.Blank)):
            self._on_display(msg)
        elif isinstance(msg, cc.Dropped):
            log.warning("dropped caller frame: %s", msg.reason)

    def _on_display(self, msg) -> None:
        """Hosts refresh the display: a ticket is a new call only when the display showed
        something else since (another ticket, the waiting count, blank) or the clerk asked
        for a call; so A001, the waiting count, then B001 is two calls."""
        with self._lock:  # one order for display frames and key presses
            changed, self._shown = msg != self._shown, msg
            if isinstance(msg, Waiting):
                self.events.put(msg)
            elif changed:
                self.events.put(msg if isinstance(msg, Call) else CallEnded())
