"""Pure codec of the `line` dialect: bytes <-> typed messages, no I/O (queue-link.md)."""
from __future__ import annotations

from dataclasses import dataclass

from drivers import fields
from drivers.events import Call, Done, Login, Logout, Pause, Recall, Resume
from drivers.framing import Dropped

MAX_LINE = 256  # bytes, terminator included (spec)


@dataclass(frozen=True)
class Ping:
    """Liveness probe from the queue system; the driver answers PONG."""


@dataclass(frozen=True)
class Next:
    """Kiosk to queue: staff asked for the next number."""

    window: int


@dataclass(frozen=True)
class Rated:
    """Kiosk to queue: the rating for a ticket (0 = timed out)."""

    window: int
    ticket: str
    level: int


@dataclass(frozen=True)
class Pong:
    """Kiosk to queue: answer to PING."""


class LineSplitter:
    """Cuts a byte stream into lines of at most MAX_LINE bytes; over-long lines are discarded."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._discarding = False

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a message (bounded)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes | Dropped]:
        """Return complete lines (without terminator) and drops, in arrival order."""
        out: list[bytes | Dropped] = []
        self._buf += data
        while True:
            nl = self._buf.find(b"\n")
            if nl < 0:
                if len(self._buf) >= MAX_LINE:
                    # Keep memory bounded: the line is already too long, drop what we have.
                    if not self._discarding:
                        out.append(Dropped("line longer than 256 bytes", bytes(self._buf[:32])))
                    self._discarding = True
                    self._buf.clear()
                return out
            line = bytes(self._buf[: nl + 1])
            del self._buf[: nl + 1]
            if self._discarding:
                self._discarding = False
                continue
            if len(line) > MAX_LINE:
                out.append(Dropped("line longer than 256 bytes", line[:32]))
                continue
            out.append(line[:-2] if line.endswith(b"\r\n") else line[:-1])


def _fields(raw: bytes) -> list[str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fields.FieldError("not UTF-8") from exc
    return text.split(",")


# command -> (min fields, max fields) counting the command itself
_QUEUE_ARITY = {
    "CALL": (3, 3), "RECALL": (3, 3), "DONE": (3, 5), "PAUSE": (2, 2),
    "RESUME": (2, 2), "LOGIN": (3, 3), "LOGOUT": (2, 2), "PING": (1, 1),
}


def parse_queue_line(raw: bytes, own_window: int):
    """Parse one queue->kiosk line into an event, Ping, or Dropped (wrong window included)."""
    try:
        f = _fields(raw)
        cmd = f[0]
        if cmd not in _QUEUE_ARITY:
            return Dropped(f"unknown command {cmd[:16]!r}", raw[:32])
        lo, hi = _QUEUE_ARITY[cmd]
        if not lo <= len(f) <= hi:
            return Dropped(f"{cmd} with {len(f) - 1} fields", raw[:32])
        if cmd == "PING":
            return Ping()
        win = fields.window(f[1])
        if win != own_window:
            return Dropped(f"{cmd} for window {win}, not {own_window}", raw[:32])
        if cmd == "CALL":
            return Call(fields.ticket(f[2]))
        if cmd == "RECALL":
            return Recall(fields.ticket(f[2]))
        if cmd == "DONE":
            case_id = fields.ident(f[3], "case_id") if len(f) > 3 else None
            item = fields.ident(f[4], "item_code") if len(f) > 4 else None
            return Done(fields.ticket(f[2]), case_id, item)
        if cmd == "LOGIN":
            return Login(fields.ident(f[2], "staff_id"))
        return {"PAUSE": Pause, "RESUME": Resume, "LOGOUT": Logout}[cmd]()
    except fields.FieldError as exc:
        return Dropped(str(exc), raw[:32])


def parse_kiosk_line(raw: bytes):
    """Parse one kiosk->queue line (the simulator's side) into Next, Rated, Pong or Dropped."""
    try:
        f = _fields(raw)
        if f == ["PONG"]:
            return Pong()
        if f[0] == "NEXT" and len(f) == 2:
            return Next(fields.window(f[1]))
        if f[0] == "RATED" and len(f) == 4:
            return Rated(fields.window(f[1]), fields.ticket(f[2]), fields.level(f[3]))
        return Dropped(f"unknown or malformed {f[0][:16]!r}", raw[:32])
    except fields.FieldError as exc:
        return Dropped(str(exc), raw[:32])


def encode(msg) -> bytes:
    """Encode any line-dialect message (either direction) with its CRLF terminator."""
    match msg:
        case Next(window=w):
            text = f"NEXT,{w}"
        case Rated(window=w, ticket=t, level=lv):
            text = f"RATED,{w},{t},{lv}"
        case Pong():
            text = "PONG"
        case Ping():
            text = "PING"
        case _:
            raise TypeError(f"not a kiosk message: {msg!r}")
    return text.encode("ascii") + b"\r\n"


def encode_queue(window: int, event) -> bytes:
    """Encode a queue->kiosk event for `window` (used by the simulator and the tests)."""
    match event:
        case Call(ticket=t):
            text = f"CALL,{window},{t}"
        case Recall(ticket=t):
            text = f"RECALL,{window},{t}"
        case Done(ticket=t, case_id=c, item_code=i):
            text = ",".join(["DONE", str(window), t] + [x for x in (c, i) if x])
        case Pause():
            text = f"PAUSE,{window}"
        case Resume():
            text = f"RESUME,{window}"
        case Login(staff_id=s):
            text = f"LOGIN,{window},{s}"
        case Logout():
            text = f"LOGOUT,{window}"
        case Ping():
            text = "PING"
        case _:
            raise TypeError(f"not a queue message: {event!r}")
    return text.encode("utf-8") + b"\r\n"
