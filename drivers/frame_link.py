"""Driver of the `frame` dialect: an RS-485 bus slave that speaks only when addressed."""
from __future__ import annotations

import logging

from drivers import frame_codec as fc
from drivers.events import StaffAction
from drivers.frame_outbox import EventOutbox
from drivers.framing import silence_gap_s
from drivers.link import LinkBase

log = logging.getLogger(__name__)


class FrameLink(LinkBase):
    """Answers the bus master within one read cycle; RATED/NEXT wait in an outbox for POLL."""

    name = "frame-link"

    def __init__(self, url: str, address: int, baudrate: int = 9600,
                 gap_s: float | None = None) -> None:
        if not 1 <= address <= 247:
            raise ValueError(f"bus address {address} is not 1..247")
        self.address = address
        self.outbox = EventOutbox()
        # Silence that ends a frame: a truncated frame must not swallow the POLLs after it.
        self.gap_s = silence_gap_s(baudrate) if gap_s is None else gap_s
        self._decoder = fc.FrameDecoder(self.gap_s)
        super().__init__(url, baudrate)

    def staff_action(self, action: StaffAction) -> None:
        if action is StaffAction.NEXT:
            self.outbox.add(fc.NEXT)
        else:
            log.debug("frame dialect has no message for %s", action.value)

    def report_rated(self, ticket: str, level: int) -> None:
        self.outbox.add(fc.RATED, ticket, level)

    def _reset_decoder(self) -> None:
        self._decoder = fc.FrameDecoder(self.gap_s)

    def _answer(self, cmd: int, payload: bytes = b"") -> None:
        # Half duplex: an answer is only ever written here, right after the master's frame.
        self.transport.write(fc.encode(fc.Frame(self.address, cmd, payload)), queue_if_down=False)

    def _on_bytes(self, data: bytes) -> None:
        for item in self._decoder.feed(data, self.transport.last_rx_at):
            if isinstance(item, fc.Dropped):
                log.warning("dropped bus bytes %s: %s", item.raw.hex(" "), item.reason)
                continue
            if item.addr not in (self.address, fc.BROADCAST):
                continue  # another kiosk's traffic on the shared bus: normal, not an error
            if item.cmd >= 0x80:
                continue  # a kiosk's answer (our own echo on some adapters): not for us
            self._on_frame(item, broadcast=item.addr == fc.BROADCAST)

    def _on_frame(self, frame: fc.Frame, broadcast: bool) -> None:
        msg = fc.to_message(frame)
        if isinstance(msg, fc.Dropped):
            log.warning("dropped frame 0x%02x: %s", frame.cmd, msg.reason)
            return
        if isinstance(msg, fc.Poll):
            if broadcast:
                return
            head = self.outbox.head()
            if head is None:
                self._answer(fc.IDLE)
            else:
                self._answer(head.cmd, fc.payload(*head.values))
            return
        if isinstance(msg, fc.EventAck):
            if not self.outbox.ack(msg.seq):
                log.info("EVENT_ACK %d is not the oldest event: ignored", msg.seq)
        else:
            log.info("bus master says %s", msg)
            self.events.put(msg)
        if not broadcast:
            self._answer(fc.ACK)
