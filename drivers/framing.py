"""What the binary dialects share: hunting for a header in a byte stream, and the drop record."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dropped:
    """Bytes a decoder refused, with why; drivers log it and carry on."""

    reason: str
    raw: bytes


NEED_MORE = None


BITS_PER_CHAR = 11  # start + 8 data + parity or 2nd stop + stop, as Modbus RTU counts them


def silence_gap_s(baudrate: int, chars: float = 3.5, floor_ms: float = 20.0) -> float:
    """Modbus RTU's end-of-frame silence (3.5 character times) at this speed, but never less
    than floor_ms: a pty, or a USB adapter that hands bytes over every 16 ms (FTDI's latency
    timer), splits one frame into chunks with gaps far longer than 3.5 characters."""
    return max(chars * BITS_PER_CHAR / baudrate, floor_ms / 1000.0)


class HuntingDecoder:
    """Finds `HEADER`, asks `_parse` for one frame there, skips garbage and broken frames.

    `_parse(buf)` sees a buffer starting with the header and returns NEED_MORE, or
    (consumed, item). A Dropped item should consume only the header, so the hunt resumes
    inside the broken frame: a real frame may start there.

    With `gap_s`, bytes fed with `at` (a monotonic timestamp the link takes when they arrive;
    the codec reads no clock) after at least gap_s of silence start afresh: a half frame held
    back is dropped as truncated. Without it a frame that claims more bytes than were sent
    swallows the frames after it until its length is reached and its CRC fails.
    """

    HEADER = b""

    def __init__(self, gap_s: float | None = None) -> None:
        self._buf = bytearray()
        self.gap_s = gap_s
        self._last_at: float | None = None

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a message (bounded by the longest frame)."""
        return len(self._buf)

    def _parse(self, buf: bytearray):
        raise NotImplementedError

    def feed(self, data: bytes, at: float | None = None) -> list:
        out: list = []
        if at is not None:
            last, self._last_at = self._last_at, at
            if (self.gap_s is not None and self._buf and last is not None
                    and at - last >= self.gap_s):
                out.append(Dropped(f"truncated frame ({(at - last) * 1000:.0f} ms of silence)",
                                   bytes(self._buf[:16])))
                self._buf.clear()
        self._buf += data
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
