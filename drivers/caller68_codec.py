"""Pure codec of the legacy `caller68` hardware-caller bus: FF 68 LEN LEN 68 ... CS 16 frames.

Reference host: JackQChen/QueueSystem `CallSystem/CallSystem/frmMain.cs` (frmMain_Load's serial
thread). It answers every frame it reads: a key frame (CMD 01) with the very same bytes, an
evaluator result (CMD 11, DATA = the key index of a 4-key evaluator) with `01 DATA CS-0x10`,
i.e. the frame a key press of DATA would be; and it acts on every copy it reads."""
from __future__ import annotations

from dataclasses import dataclass

from drivers.events import Call, StaffAction, Waiting
from drivers.framing import NEED_MORE, Dropped, HuntingDecoder

HEAD = b"\xff\x68"
END = 0x16
KEY, DISPLAY, BEEP = 0x01, 0x02, 0x03
RESULT = 0x11  # evaluator result: DATA = key index 0..3 of a 4-key evaluator
RESULT_KEYS = 4
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
class Blank:
    """The host blanked the caller's display: no ticket is called to this window."""


@dataclass(frozen=True)
class ResultHeard:
    """An evaluator result frame on the bus: only ever the kiosk's own, heard back on a
    2-wire (half-duplex RS-485) adapter."""

    data: bytes


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


def result_frame(addr: int, key_index: int) -> Frame:
    """The evaluator result frame: FF 68 03 03 68 ADDR 11 KEY CS 16."""
    if not 0 <= key_index < RESULT_KEYS:
        raise ValueError(f"evaluator key index {key_index} is not 0..{RESULT_KEYS - 1}")
    return Frame(addr, RESULT, bytes([key_index]))


def answer(frame: Frame) -> Frame:
    """What the reference host sends back for a frame it read: the same frame, except a
    result frame, answered `01 DATA CS-0x10` (CS-0x10 is the checksum of CMD 01 with DATA)."""
    if frame.cmd == RESULT:
        return Frame(frame.addr, KEY, frame.data[:1])
    return frame


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


def _number(cells: bytes) -> str | None:
    """Three cells as digits, leading blanks allowed (a host that suppresses leading zeros
    shows ticket 7 as `0A 0A 07`); None when a blank follows a digit or all three are blank."""
    text = bytes(cells).lstrip(b"\x0a")
    if not text or BLANK in text:
        return None
    return "".join(str(c) for c in text)


def to_message(frame: Frame):
    """A host->caller frame as Call (ticket on display), Waiting, Blank (display cleared),
    Beep, KeyEcho (also the host's answer to a result frame), ResultHeard, or Dropped."""
    if frame.cmd == BEEP and not frame.data:
        return Beep()
    if frame.cmd == KEY and frame.data:
        return KeyEcho(frame.data)
    if frame.cmd == RESULT and frame.data:
        return ResultHeard(frame.data)
    if frame.cmd == DISPLAY and len(frame.data) == 6 and all(c <= BLANK for c in frame.data):
        left, right = frame.data[:3], frame.data[3:]
        if frame.data == bytes([BLANK]) * 6:
            return Blank()
        if left == b"\x0a\x0a\x0a" and (ticket := _number(right)) is not None:
            return Call(ticket.rjust(3, "0"))  # the same ticket whether shown 007 or __7
        if right == b"\x0a\x0a\x0a" and (count := _number(left)) is not None:
            return Waiting(int(count))
        return Dropped("display pattern not understood", frame.data)
    return Dropped(f"command 0x{frame.cmd:02x} with {len(frame.data)} data bytes", frame.data[:16])


def _cells(text: str, blanks: bool) -> bytes:
    """Three display cells for a number; with `blanks`, leading zeros shown blank."""
    digits = bytes(int(c) for c in text.rjust(3, "0")[-3:])
    if blanks:
        digits = (digits.lstrip(b"\x00") or b"\x00").rjust(3, b"\x0a")
    return digits


def display_ticket(addr: int, digits: str, blanks: bool = False) -> Frame:
    """Host side: show the called ticket's last three digits (used by the simulator)."""
    return Frame(addr, DISPLAY, b"\x0a\x0a\x0a" + _cells(digits[-3:], blanks))


def display_waiting(addr: int, count: int, blanks: bool = False) -> Frame:
    return Frame(addr, DISPLAY, _cells(str(min(max(count, 0), 999)), blanks) + b"\x0a\x0a\x0a")


def display_blank(addr: int) -> Frame:
    """Host side: blank the whole display (no ticket called)."""
    return Frame(addr, DISPLAY, bytes([BLANK]) * 6)
