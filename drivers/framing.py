"""What the binary dialects share: hunting for a header in a byte stream, and the drop record."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dropped:
    """Bytes a decoder refused, with why; drivers log it and carry on."""

    reason: str
    raw: bytes


NEED_MORE = None


class HuntingDecoder:
    """Finds `HEADER`, asks `_parse` for one frame there, skips garbage and broken frames.

    `_parse(buf)` sees a buffer starting with the header and returns NEED_MORE, or
    (consumed, item). A Dropped item should consume only the header, so the hunt resumes
    inside the broken frame: a real frame may start there.
    """

    HEADER = b""

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a message (bounded by the longest frame)."""
        return len(self._buf)

    def _parse(self, buf: bytearray):
        raise NotImplementedError

    def feed(self, data: bytes) -> list:
        self._buf += data
        out: list = []
        while True:
            start = self._buf.find(self.HEADER)
            if start < 0:
                # Keep a trailing first header byte: the rest of the header may follow.
                keep = 1 if self._buf.endswith(self.HEADER[:1]) else 0
                if len(self._buf) > keep:
                    out.append(Dropped("garbage between frames", bytes(self._buf[:16])))
                del self._buf[: len(self._buf) - keep]
                return out
            if start:
                out.append(Dropped("garbage between frames", bytes(self._buf[:min(start, 16)])))
                del self._buf[:start]
            result = self._parse(self._buf)
            if result is NEED_MORE:
                return out
            consumed, item = result
            del self._buf[:consumed]
            out.append(item)
