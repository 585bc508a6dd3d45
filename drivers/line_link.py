"""Driver of the `line` dialect: a Transport plus the line codec; answers PING by itself."""
from __future__ import annotations

import logging
import queue

from . import line_codec as codec
from .events import LinkChanged, LinkState
from .transport import Transport

log = logging.getLogger(__name__)


class LineLink:
    """Point-to-point queue link (RS-232, USB-CDC, TCP). Events go to `self.events`."""

    def __init__(self, url: str, window: int, baudrate: int = 9600) -> None:
        self.window = window
        self.events: queue.Queue = queue.Queue()
        self._splitter = codec.LineSplitter()
        self._transport = Transport(url, self._on_bytes, self._on_state, baudrate, "line-link")

    @property
    def state(self) -> LinkState:
        return self._transport.state

    def start(self) -> None:
        self._transport.start()

    def stop(self) -> None:
        self._transport.stop()

    def request_next(self) -> None:
        self._transport.write(codec.encode(codec.Next(self.window)))

    def report_rated(self, ticket: str, level: int) -> None:
        self._transport.write(codec.encode(codec.Rated(self.window, ticket, level)))

    def _on_state(self, state: LinkState) -> None:
        if state is LinkState.CONNECTING:
            return
        if state is LinkState.CONNECTED:
            self._splitter = codec.LineSplitter()  # a half line from before the drop is garbage
        self.events.put(LinkChanged(state))

    def _on_bytes(self, data: bytes) -> None:
        for item in self._splitter.feed(data):
            msg = item if isinstance(item, codec.Dropped) else codec.parse_queue_line(item, self.window)
            if isinstance(msg, codec.Dropped):
                log.warning("dropped queue line %r: %s", msg.raw, msg.reason)
            elif isinstance(msg, codec.Ping):
                self._transport.write(codec.encode(codec.Pong()), queue_if_down=False)
            else:
                log.info("queue says %s", msg)
                self.events.put(msg)
