"""Pure codec of the legacy `caller68` hardware-caller bus: FF 68 LEN LEN 68 ... CS 16 frames."""
from __future__ import annotations

from dataclasses import dataclass

from drivers.events import Call, StaffAction, Waiting
from drivers.framing import NEED_MORE, Dropped, HuntingDecoder

HEAD = b"\xff\x68"
END = 0x16
KEY, DISPLAY, BEEP = 0x01, 0x02, 0x03
BLANK = 0x0A

KEY_CODES: dict[StaffAction, bytes] = {
    StaffAction.NEXT: b"\x0c",
    StaffAction.RECALL: b"\x0d",
    StaffAction.EVALUATE: b"\x0b",
    StaffAction.PAUSE: b"\x12",
    StaffAction.TRANSFER: b"\x13",
    StaffAction.GIVE_UP: b"\x06\x0f",
    StaffAction.HOLD: b"\x00\x0f",
    StaffAction.CALL_BACK: b"\x03\x0f",
}


@dataclass(frozen=True)
class Frame:
    addr: int
    cmd: int
    data: bytes = b""


@dataclass(frozen=True)
class Beep:
    """The host asks the caller to beep."""


@dataclass(frozen=True)
class KeyEcho:
    """The host echoed a key frame: that key press was received."""

    data: bytes


def checksum(addr: int, cmd: int, data: bytes) -> int:
    return (addr + cmd + sum(data)) % 256


def encode(frame: Frame) -> bytes:
    length = 2 + len(frame.data)
    if length > 255 or not 0 <= frame.addr <= 255:
        raise ValueError(f"frame out of range: {frame!r}")
    return (HEAD + bytes([length, length, 0x68, frame.addr, frame.cmd]) + frame.data
            + bytes([checksum(frame.addr, frame.cmd, frame.data), END]))


def key_frame(addr: int, action: StaffAction) -> Frame:
    return Frame(addr, KEY, KEY_CODES[action])


class Caller68Decoder(HuntingDecoder):
    """Cuts a byte stream into checked frames; anything broken is skipped up to the next FF 68."""

    HEADER = HEAD

    def _parse(self, buf: bytearray):
        if len(buf) < 5:
            return NEED_MORE
        length, again, mark = buf[2], buf[3], buf[4]
        if length != again or mark != 0x68 or length < 2:
            return 2, Dropped("bad header", bytes(buf[:5]))
        total = 5 + length + 2
        if len(buf) < total:
            return NEED_MORE
        raw = bytes(buf[:total])
        addr, cmd, body = raw[5], raw[6], raw[7:5 + length]
        if raw[-1] != END or raw[-2] != checksum(addr, cmd, body):
            return 2, Dropped("bad checksum or end byte", raw[:16])
        return total, Frame(addr, cmd, body)


def to_message(frame: Frame):
    """A host->caller frame as Call (ticket on display), Waiting, Beep, KeyEcho, or Dropped."""
    if frame.cmd == BEEP and not frame.data:
        return Beep()
    if frame.cmd == KEY and frame.data:
        return KeyEcho(frame.data)
    if frame.cmd == DISPLAY and len(frame.data) == 6 and all(c <= BLANK for c in frame.data):
        cells = frame.data
        if cells[:3] == b"\x0a\x0a\x0a" and BLANK not in cells[3:]:
            return Call("".join(str(c) for c in cells[3:]))
        if cells[3:] == b"\x0a\x0a\x0a" and BLANK not in cells[:3]:
            return Waiting(int("".join(str(c) for c in cells[:3])))
        return Dropped("display pattern not understood", frame.data)
    return Dropped(f"command 0x{frame.cmd:02x} with {len(frame.data)} data bytes", frame.data[:16])


def display_ticket(addr: int, digits: str) -> Frame:
    """Host side: show the called ticket's last three digits (used by the simulator)."""
    last = digits[-3:].rjust(3, "0")
    return Frame(addr, DISPLAY, b"\x0a\x0a\x0a" + bytes(int(c) for c in last))


def display_waiting(addr: int, count: int) -> Frame:
    text = str(min(max(count, 0), 999)).rjust(3, "0")
    return Frame(addr, DISPLAY, bytes(int(c) for c in text) + b"\x0a\x0a\x0a")
