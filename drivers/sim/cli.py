"""`kiosk-setup simulate`: play the queue system of any dialect, by keys or from a script."""
from __future__ import annotations

import logging
import select
import sys
import termios
import time
import tty
from datetime import datetime

import click
import serial

from drivers.events import Done, Login, Logout, Pause, Recall, Resume
from drivers.sim.script import USAGE, ScriptError, parse_script, play
from drivers.sim.session import SimSession

KEYS = ("keys: n = call next   d = done (rating)   r = recall   p = pause/resume\n"
        "      l = log staff {staff} in / out   q = quit")


def _port_trouble(url: str, exc: Exception) -> str:
    """One line saying why the port did not open and what to do."""
    text = str(exc)
    if "No such file" in text or "[Errno 2]" in text:
        return (f"cannot open {url}: it does not exist (adapter unplugged, or another name); "
                f"`kiosk-setup ports` lists the ports, or use --port pty")
    if "busy" in text.lower() or "temporarily unavailable" in text:
        return f"cannot open {url}: another program holds it (the kiosk service?)"
    if "Permission denied" in text or "[Errno 13]" in text:
        return f"cannot open {url}: no permission (join group dialout, or use sudo)"
    return f"cannot open {url}: {text.splitlines()[0][:200]}; check --port"


def _print_heard(session: SimSession) -> None:
    session.poll_caller_keys()
    while not session.heard.empty():
        click.echo(f"{datetime.now():%H:%M:%S} kiosk -> {session.heard.get()}")


def _interactive(session: SimSession, address: int | None, staff: str) -> None:
    click.echo(KEYS.format(staff=staff))
    current, paused, case_no, logged_in = None, False, 0, False
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd) if sys.stdin.isatty() else None
    if old:
        tty.setcbreak(fd)  # single keys without Enter
    try:
        while True:
            _print_heard(session)
            ready, _, _ = select.select([sys.stdin], [], [], 0.2)
            if not ready:
                continue
            key = sys.stdin.read(1)
            if key in ("q", ""):
                return
            if key == "n":
                current = session.call_next(address)
                click.echo(f"called {current}")
            elif key == "r" and current:
                session.send(Recall(current), address)
            elif key == "d" and current:
                case_no += 1
                session.send(Done(current, f"C{datetime.now():%Y%m%d}{case_no:03d}"), address)
                click.echo(f"{current} done: the kiosk should ask for a rating")
            elif key == "p":
                paused = not paused
                session.send(Pause() if paused else Resume(), address)
            elif key == "l":
                logged_in = not logged_in
                session.send(Login(staff) if logged_in else Logout(), address)
                click.echo(f"staff {staff} logged {'in' if logged_in else 'out'}")
    finally:
        if old:
            termios.tcsetattr(fd, termios.TCSADRAIN, old)


@click.command("simulate", epilog="\b\nScript format:\n" + USAGE)
@click.option("--dialect", type=click.Choice(["line", "frame", "caller68"]), default="line",
              show_default=True, help="Wire dialect the simulated queue system speaks.")
@click.option("--port", "url", default="pty", show_default=True,
              help="Where to play: 'pty' makes a fresh pty and prints the path to give the kiosk; "
                   "or a pyserial URL (/dev/ttyUSB1, loop://); or tcp-listen://HOST:PORT for a "
                   "kiosk that connects with socket://HOST:PORT.")
@click.option("--window", type=int, default=1, show_default=True,
              help="Window number written in line-dialect messages.")
@click.option("--address", "addresses", type=int, multiple=True,
              help="Bus address to poll (frame; repeat for several kiosks) or of the caller "
                   "(caller68). Default 1.")
@click.option("--poll-interval", type=float, default=0.2, show_default=True,
              help="Seconds between POLL rounds of the frame-dialect bus master.")
@click.option("--script", "script", type=click.File("r", encoding="utf-8"),
              help="Play this script instead of reading keys (format below), then exit.")
@click.option("--linger", type=float, default=1.0, show_default=True,
              help="Seconds to keep listening to the kiosk after a script ends.")
@click.option("--staff", default="1024", show_default=True,
              help="工号 the l key logs in (LOGIN), so the kiosk shows the staff card.")
@click.option("-v", "--verbose", is_flag=True, help="Log every decoded byte exchange.")
def simulate(dialect, url, window, addresses, poll_interval, script, linger, staff, verbose):
    """Play the queue system (排队叫号系统) so a kiosk can be tested without one.

    Prints the port to configure on the kiosk as [queue] url, then either reads
    single keys (call next, done, recall, pause, staff login) or plays a script.
    Whatever the kiosk answers (NEXT, RATED, key presses) is printed with the time.
    Exits 1 when the port cannot be opened, 2 for a bad option or script.
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    steps = None
    if script:
        try:
            steps = parse_script(script.read())
        except ScriptError as exc:
            raise click.UsageError(f"{script.name}: {exc}") from None
    try:
        session = SimSession(dialect, url, window, list(addresses) or [1],
                             poll_interval).start()
    except (OSError, ValueError, serial.SerialException) as exc:
        click.echo(f"error: {_port_trouble(url, exc)}", err=True)
        raise SystemExit(1) from None
    for path in session.port_paths:
        click.echo(f"queue system ({dialect}) on: {path}")
    try:
        if steps is None:
            _interactive(session, None, staff)
            return
        sent = play(steps, lambda ev, addr: (session.send(ev, addr), _print_heard(session)))
        end = time.monotonic() + linger
        while time.monotonic() < end:
            _print_heard(session)
            time.sleep(0.05)
        click.echo(f"script done: {sent} messages sent")
    except KeyboardInterrupt:
        pass
    finally:
        session.stop()
