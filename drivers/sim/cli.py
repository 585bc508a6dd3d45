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

from drivers.events import Done, Pause, Recall, Resume
from drivers.sim.script import USAGE, ScriptError, parse_script, play
from drivers.sim.session import SimSession

KEYS = """keys: n = call next   d = done (rating)   r = recall   p = pause/resume   q = quit"""


def _print_heard(session: SimSession) -> None:
    session.poll_caller_keys()
    while not session.heard.empty():
        click.echo(f"{datetime.now():%H:%M:%S} kiosk -> {session.heard.get()}")


def _interactive(session: SimSession, address: int | None) -> None:
    click.echo(KEYS)
    current, paused, case_no = None, False, 0
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
@click.option("-v", "--verbose", is_flag=True, help="Log every decoded byte exchange.")
def simulate(dialect, url, window, addresses, poll_interval, script, linger, verbose):
    """Play the queue system (排队叫号系统) so a kiosk can be tested without one.

    Prints the port to configure on the kiosk as [queue] url, then either reads
    single keys (call next, done, recall, pause) or plays a script. Whatever the
    kiosk answers (NEXT, RATED, key presses) is printed with the time.
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    steps = None
    if script:
        try:
            steps = parse_script(script.read())
        except ScriptError as exc:
            raise click.UsageError(f"{script.name}: {exc}") from None
    session = SimSession(dialect, url, window, list(addresses) or [1], poll_interval).start()
    for path in session.port_paths:
        click.echo(f"queue system ({dialect}) on: {path}")
    try:
        if steps is None:
            _interactive(session, None)
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
