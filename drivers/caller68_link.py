"""Driver of the legacy `caller68` bus: the kiosk stands in for the window's hardware caller."""
from __future__ import annotations

import logging
import queue
import threading

from drivers import caller68_codec as cc
from drivers.events import Call, CallEnded, StaffAction, Waiting
from drivers.framing import silence_gap_s
from drivers.link import LinkBase

log = logging.getLogger(__name__)

ECHO_WAIT_S = 0.3   # spec: resend 300 ms apart
RESENDS = 3         # spec: at most 3 times after the first send
# After these keys the host no longer serves the called ticket: 评价 must not rate it.
ENDS_CALL = frozenset({StaffAction.GIVE_UP, StaffAction.HOLD, StaffAction.TRANSFER})
# After these the host shows a call: even the same three digits are a new call.
NEW_CALL = frozenset({StaffAction.NEXT, StaffAction.CALL_BACK})


class Caller68Link(LinkBase):
    """Sends key frames until the host echoes them; learns the called ticket from display frames."""

    name = "caller68-link"

    def __init__(self, url: str, address: int, baudrate: int = 9600,
                 gap_s: float | None = None) -> None:
        self.address = address
        self.gap_s = silence_gap_s(baudrate) if gap_s is None else gap_s
        self._decoder = cc.Caller68Decoder(self.gap_s)
        self._keys: queue.Queue = queue.Queue(maxsize=32)
        self._echo = threading.Event()
        self._awaiting: bytes | None = None
        self._shown = None  # the display's last Call, Waiting or Blank
        self._lock = threading.Lock()
        self.unacknowledged = 0  # key presses the host never echoed, for the technician menu
        super().__init__(url, baudrate)
        self._sender = threading.Thread(target=self._send_keys, name="caller68-keys", daemon=True)

    def start(self) -> None:
        super().start()
        if not self._sender.is_alive():
            self._sender.start()

    def stop(self) -> None:
        self._keys.put(None)
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
        try:
            self._keys.put_nowait(cc.key_frame(self.address, action))
        except queue.Full:
            log.warning("key %s dropped: the host is not echoing keys", action.value)

    def report_rated(self, ticket: str, level: int) -> None:
        log.debug("caller68 has no rating message; %s rated %d kept locally", ticket, level)

    def _send_keys(self) -> None:
        while True:
            frame = self._keys.get()
            if frame is None:
                return
            raw = cc.encode(frame)
            self._awaiting = raw
            self._echo.clear()
            for attempt in range(1 + RESENDS):
                self.transport.write(raw, queue_if_down=False)
                if self._echo.wait(ECHO_WAIT_S):
                    break
                log.info("no echo for key %s (try %d)", frame.data.hex(), attempt + 1)
            else:
                self.unacknowledged += 1
                log.warning("host never echoed key %s", frame.data.hex())
            self._awaiting = None

    def _reset_decoder(self) -> None:
        self._decoder = cc.Caller68Decoder(self.gap_s)

    def _on_bytes(self, data: bytes) -> None:
        for item in self._decoder.feed(data, self.transport.last_rx_at):
            if isinstance(item, cc.Dropped):
                log.warning("dropped caller bytes %s: %s", item.raw.hex(" "), item.reason)
            elif item.addr == self.address:
                self._on_frame(item)

    def _on_frame(self, frame: cc.Frame) -> None:
        msg = cc.to_message(frame)
        if isinstance(msg, cc.KeyEcho):
            if self._awaiting is not None and cc.encode(frame) == self._awaiting:
                self._echo.set()
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
