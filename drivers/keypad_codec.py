"""Pure decoding of Linux `input_event` records from a staff keypad into staff actions."""
from __future__ import annotations

import struct
from dataclasses import dataclass

from evdev import ecodes

from drivers.events import StaffAction

# struct input_event: struct timeval (two longs), __u16 type, __u16 code, __s32 value.
EVENT = struct.Struct("@llHHi")
EV_KEY = ecodes.EV_KEY
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2

DEFAULT_KEYS = {
    "KEY_KPENTER": "next",
    "KEY_KPPLUS": "recall",
    "KEY_KPMINUS": "evaluate",
    "KEY_KPASTERISK": "pause",
    "KEY_KPSLASH": "resume",
    "KEY_KPDOT": "transfer",
    "KEY_KP7": "give_up",
    "KEY_KP8": "hold",
    "KEY_KP9": "call_back",
}


@dataclass(frozen=True)
class InputEvent:
    type: int
    code: int
    value: int


def pack(type_: int, code: int, value: int, sec: int = 0, usec: int = 0) -> bytes:
    """One raw record, as the kernel writes it (tests and the keypad simulator use this)."""
    return EVENT.pack(sec, usec, type_, code, value)


def key_press(name: str) -> bytes:
    """The records of pressing and releasing one key, with the SYN reports between."""
    code = ecodes.ecodes[name]
    syn = pack(ecodes.EV_SYN, ecodes.SYN_REPORT, 0)
    return pack(EV_KEY, code, KEY_DOWN) + syn + pack(EV_KEY, code, KEY_UP) + syn


class InputEventDecoder:
    """Cuts a byte stream into input_event records; a partial record waits for its rest."""

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a message (bounded)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[InputEvent]:
        self._buf += data
        whole = len(self._buf) - len(self._buf) % EVENT.size
        out = [InputEvent(t, c, v) for _, _, t, c, v in EVENT.iter_unpack(bytes(self._buf[:whole]))]
        del self._buf[:whole]
        return out


class KeyMap:
    """Key name -> action from config; only a key going down counts (no repeats, no release)."""

    def __init__(self, keys: dict[str, str] | None = None) -> None:
        self.by_code: dict[int, StaffAction] = {}
        for name, action in (keys if keys is not None else DEFAULT_KEYS).items():
            code = ecodes.ecodes.get(name)
            if code is None or not name.startswith(("KEY_", "BTN_")):
                raise ValueError(f"unknown key name {name!r} (use evdev names like KEY_KPENTER)")
            try:
                self.by_code[code] = StaffAction(action)
            except ValueError:
                names = ", ".join(a.value for a in StaffAction)
                raise ValueError(f"key {name}: unknown action {action!r} ({names})") from None

    def action(self, event: InputEvent) -> StaffAction | None:
        if event.type != EV_KEY or event.value != KEY_DOWN:
            return None
        return self.by_code.get(event.code)
