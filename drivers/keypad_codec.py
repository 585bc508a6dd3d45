"""Pure decoding of Linux `input_event` records from a staff keypad into staff actions."""
from __future__ import annotations

import struct
from dataclasses import dataclass

from evdev import ecodes

from drivers.events import KeyDigit, StaffAction

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
    # 签到: then the 工号 on the digits, then 确认 (KEY_KPENTER); 签到 and 确认 with no digits,
    # or 签退 (Backspace, which deletes a digit while a 工号 is typed), signs out.
    "KEY_NUMLOCK": "sign_in",
    "KEY_BACKSPACE": "sign_out",
}
# Keys that type a digit of a 工号 after 签到 (besides whatever action the map gives them).
DIGIT_KEYS = {**{f"KEY_KP{d}": str(d) for d in range(10)}, **{f"KEY_{d}": str(d) for d in range(10)}}


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
        self.digits = {ecodes.ecodes[name]: d for name, d in DIGIT_KEYS.items()}
        for name, action in (keys if keys is not None else DEFAULT_KEYS).items():
            code = ecodes.ecodes.get(name)
            if code is None or not name.startswith(("KEY_", "BTN_")):
                raise ValueError(f"unknown key name {name!r} (use evdev names like KEY_KPENTER)")
            try:
                self.by_code[code] = StaffAction(action)
            except ValueError:
                names = ", ".join(a.value for a in StaffAction)
                raise ValueError(f"key {name}: unknown action {action!r} ({names})") from None

    def action(self, event: InputEvent) -> StaffAction | KeyDigit | None:
        """The key's action; a digit key comes as KeyDigit (with its action, if mapped)."""
        if event.type != EV_KEY or event.value != KEY_DOWN:
            return None
        if event.code in self.digits:
            return KeyDigit(self.digits[event.code], self.by_code.get(event.code))
        return self.by_code.get(event.code)
