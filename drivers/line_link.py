"""Driver of the `line` dialect: a Transport plus the line codec; answers PING by itself."""
from __future__ import annotations

import logging

from drivers import line_codec as codec
from drivers.events import StaffAction
from drivers.link import LinkBase

log = logging.getLogger(__name__)


class LineLink(LinkBase):
    """Point-to-point queue link (RS-232, USB-CDC, TCP). Events go to `self.events`."""

    name = "line-link"

    def __init__(self, url: str, window: int, baudrate: int = 9600) -> None:
        self.window = window
        self._splitter = codec.LineSplitter()
        super().__init__(url, baudrate)

    def staff_action(self, action: StaffAction) -> None:
        # The line dialect only knows NEXT; the rest are handled on the kiosk or not at all.
        if action is StaffAction.NEXT:
            self.transport.write(codec.encode(codec.Next(self.window)))
        else:
            log.debug("line dialect has no message for %s", action.value)

    def report_rated(self, ticket: str, level: int) -> None:
        self.transport.write(codec.encode(codec.Rated(self.window, ticket, level)))

    def _reset_decoder(self) -> None:
        self._splitter = codec.LineSplitter()

    def _on_bytes(self, data: bytes) -> None:
        for item in self._splitter.feed(data):
            msg = item if isinstance(item, codec.Dropped) else codec.parse_queue_line(item, self.window)
            if isinstance(msg, codec.Dropped):
                log.warning("dropped queue line %r: %s", msg.raw, msg.reason)
            elif isinstance(msg, codec.Ping):
                self.transport.write(codec.encode(codec.Pong()), queue_if_down=False)
            else:
                log.info("queue says %s", msg)
                self.events.put(msg)
