"""The queue-system link seen from the technician's side: open it, decode what arrives, watch it.

`kiosk-setup monitor` prints the traffic live; `doctor` and `status` use `probe()`.
Only one program may hold a serial port: stop the kiosk service before watching its port.
"""
from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from datetime import datetime

import click

from drivers import caller68_codec, frame_codec, line_codec
from kiosk.i18n import _
from kiosk.setup.common import FAILED, config_option, fail, load_config


@dataclass
class Decoded:
    """One message off the wire: what it is, for whom, and its raw bytes."""

    kind: str
    detail: dict
    raw: bytes
    ours: bool = True   # addressed to this kiosk (window / bus address)
    dropped: bool = False

    def as_dict(self) -> dict:
        return {"kind": self.kind, "detail": self.detail, "raw": self.raw.hex(" "),
                "ours": self.ours, "dropped": self.dropped}

    def text(self) -> str:
        detail = " ".join(f"{k}={v}" for k, v in self.detail.items() if v is not None)
        mark = "" if self.ours else "  " + _("(not for us)")
        if self.dropped:
            mark = "  " + _("(dropped)")
        return f"{self.kind:<10} {detail}{mark}   [{self.raw.hex(' ')[:60]}]"


def _detail(msg) -> dict:
    return dataclasses.asdict(msg) if dataclasses.is_dataclass(msg) else {}


class WireDecoder:
    """Bytes in, Decoded messages out, for one dialect, from the kiosk's point of view."""

    def __init__(self, dialect: str, window: int, address: int) -> None:
        self.dialect, self.window, self.address = dialect, window, address
        self._cut = {"line": line_codec.LineSplitter, "frame": frame_codec.FrameDecoder,
                     "caller68": caller68_codec.Caller68Decoder}[dialect]()

    def feed(self, data: bytes) -> list[Decoded]:
        return [self._one(item) for item in self._cut.feed(data)]

    def _one(self, item) -> Decoded:
        if isinstance(item, (line_codec.Dropped, frame_codec.Dropped, caller68_codec.Dropped)):
            return Decoded("DROPPED", {"reason": item.reason}, item.raw, dropped=True)
        if self.dialect == "line":
            msg = line_codec.parse_queue_line(item, self.window)
            if isinstance(msg, line_codec.Dropped):
                other = " for window " in msg.reason
                return Decoded(item.split(b",")[0].decode("ascii", "replace").upper()[:10],
                               {"reason": msg.reason}, item, ours=not other, dropped=not other)
            return Decoded(type(msg).__name__.upper(), _detail(msg), item)
        if self.dialect == "frame":
            raw = frame_codec.encode(item) if item.addr <= 247 else item.payload
            msg = frame_codec.to_message(item)
            ours = item.addr in (self.address, frame_codec.BROADCAST)
            if isinstance(msg, frame_codec.Dropped):
                return Decoded(f"0x{item.cmd:02X}", {"addr": item.addr, "reason": msg.reason},
                               raw, ours=ours, dropped=True)
            return Decoded(type(msg).__name__.upper(), {"addr": item.addr, **_detail(msg)}, raw,
                           ours=ours)
        raw = caller68_codec.encode(item)
        msg = caller68_codec.to_message(item)
        ours = item.addr == self.address
        if isinstance(msg, caller68_codec.Dropped):
            return Decoded(f"0x{item.cmd:02X}", {"addr": item.addr, "reason": msg.reason}, raw,
                           ours=ours, dropped=True)
        detail = {"addr": item.addr, **{k: (v.hex() if isinstance(v, bytes) else v)
                                        for k, v in _detail(msg).items()}}
        return Decoded(type(msg).__name__.upper(), detail, raw, ours=ours)


def open_port(url: str, baudrate: int, timeout: float = 0.1):
    """(port, None) when the link opens, else (None, why) in words a technician can act on."""
    import serial

    try:
        port = serial.serial_for_url(url, baudrate=baudrate, timeout=timeout, do_not_open=True)
        if url.startswith("/"):
            port.exclusive = True
        port.open()
        return port, None
    except (serial.SerialException, OSError, ValueError) as exc:
        text = str(exc)
        if "No such file" in text or "[Errno 2]" in text:
            why = _("{url} does not exist (adapter unplugged, or another name)")
        elif "Resource temporarily unavailable" in text or "busy" in text.lower():
            why = _("{url} is in use by another program (the kiosk service?)")
        elif "Permission denied" in text or "[Errno 13]" in text:
            why = _("no permission to open {url} (not in group dialout?)")
        else:  # pyserial's own words, kept: they name what the OS said
            why = _("cannot open {url}: {error}")
        return None, why.format(url=url, error=text)


@dataclass
class Probe:
    opened: bool
    error: str | None = None
    messages: list[Decoded] = field(default_factory=list)

    @property
    def ours(self) -> list[Decoded]:
        return [m for m in self.messages if m.ours and not m.dropped]


def probe(cfg, seconds: float) -> Probe:
    """Open the configured link and listen `seconds` for traffic (nothing is sent)."""
    q = cfg.queue
    port, error = open_port(q.url, q.baudrate)
    if port is None:
        return Probe(False, error)
    decoder = WireDecoder(q.dialect, cfg.window.number, q.address)
    result = Probe(True)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            data = port.read(port.in_waiting or 1)
            if data:
                result.messages += decoder.feed(data)
                if q.dialect == "frame" and any(m.kind == "POLL" for m in result.ours):
                    break
                if q.dialect != "frame" and result.ours:
                    break
    except Exception as exc:  # noqa: BLE001 - a port that dies while we listen is a finding
        result.error = _("{url} failed while listening: {error}").format(url=q.url, error=exc)
    finally:
        port.close()
    return result


@click.command("monitor")
@config_option
@click.option("--url", help="Watch this pyserial URL instead of the configured [queue] url.")
@click.option("--dialect", type=click.Choice(["line", "frame", "caller68"]),
              help="Decode as this dialect instead of the configured one.")
@click.option("--count", type=click.IntRange(1), help="Stop after this many messages.")
@click.option("--seconds", type=click.FloatRange(0.1), help="Stop after this many seconds.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object per message (JSON lines).")
def monitor(config_path, url, dialect, count, seconds, as_json) -> None:
    """Show the queue-system traffic live, decoded, with timestamps.

    Opens the link the config names (or --url) with the configured dialect and prints
    every message that arrives: kind, fields, whether it is addressed to this kiosk, and
    the raw bytes. Nothing is sent. Ctrl-C stops. The kiosk service holds the port while it
    runs: stop it first (systemctl stop kiosk). Exits 1 when the port cannot be opened.
    """
    cfg = load_config(config_path)
    target = url or cfg.queue.url
    if not target:
        fail(_("no [queue] url configured; pass --url"))
    if (dialect or cfg.queue.dialect) == "rateservice":
        fail(_("monitor watches serial links; for rateservice run `kiosk-setup doctor`"), 2)
    decoder = WireDecoder(dialect or cfg.queue.dialect, cfg.window.number, cfg.queue.address)
    port, error = open_port(target, cfg.queue.baudrate)
    if port is None:
        click.echo(_("error: {message}").format(message=error), err=True)
        raise SystemExit(FAILED)
    if not as_json:
        click.echo(_("watching {url} ({dialect}, window {window}, address {address}); Ctrl-C "
                     "stops").format(url=target, dialect=decoder.dialect,
                                     window=cfg.window.number, address=cfg.queue.address),
                   err=True)
    seen, deadline = 0, (time.monotonic() + seconds) if seconds else None
    try:
        while deadline is None or time.monotonic() < deadline:
            data = port.read(port.in_waiting or 1)
            for msg in decoder.feed(data) if data else []:
                stamp = datetime.now().isoformat(timespec="milliseconds")
                if as_json:
                    click.echo(json.dumps({"time": stamp, **msg.as_dict()}, ensure_ascii=False))
                else:
                    click.echo(f"{stamp}  {msg.text()}")
                seen += 1
                if count and seen >= count:
                    return
    except KeyboardInterrupt:
        pass
    finally:
        port.close()
        if not as_json:
            click.echo(_("{count} message(s)").format(count=seen), err=True)
