"""The staff keypad: a USB HID keyboard read with evdev, grabbed, hot-plugged, mapped to actions."""
from __future__ import annotations

import logging
import os
import select
import stat
import threading
from pathlib import Path

from drivers.events import KeypadChanged, LinkState  # noqa: F401 - KeypadChanged is ours to emit
from drivers.keypad_codec import InputEventDecoder, KeyMap
from drivers.link import EventQueue

log = logging.getLogger(__name__)

BY_ID = Path("/dev/input/by-id")
FIRST_RETRY_S, MAX_RETRY_S = 0.5, 5.0


def input_devices() -> list[dict]:
    """Every evdev input device with its name and stable by-id path, for the setup CLI."""
    import evdev

    by_id = {}
    if BY_ID.is_dir():
        by_id = {os.path.realpath(p): str(p) for p in BY_ID.iterdir()}
    found = []
    for path in sorted(evdev.list_devices()):
        try:
            dev = evdev.InputDevice(path)
        except OSError:
            continue
        found.append({"path": path, "name": dev.name, "by_id": by_id.get(os.path.realpath(path)),
                      "phys": dev.phys, "has_keys": 1 in dev.capabilities()})
        dev.close()
    return found


def find_device(selector: str) -> str | None:
    """A path (as given, e.g. a by-id link) or the first device whose name contains `selector`."""
    if selector.startswith("/"):
        return selector if os.path.exists(selector) else None
    try:
        for dev in input_devices():
            if selector.lower() in dev["name"].lower():
                return dev["path"]
    except (ImportError, OSError):
        pass
    return None


class Keypad:
    """Reader thread: StaffAction and KeypadChanged go to `events`. Survives unplug and re-plug."""

    def __init__(self, selector: str, keymap: KeyMap, grab: bool = True) -> None:
        self.selector = selector
        self.keymap = keymap
        self.grab = grab
        self.events = EventQueue()
        self.state = LinkState.CLOSED
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="keypad", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._set(LinkState.CLOSED)

    def _set(self, state: LinkState) -> None:
        if state != self.state:
            self.state = state
            log.info("keypad %s is %s", self.selector, state.value)
            self.events.put(KeypadChanged(state))

    def _open(self, path: str):
        """(fd, device) for a real evdev node, grabbed; (fd, None) for a pipe or file in tests."""
        if stat.S_ISCHR(os.stat(path).st_mode):
            import evdev

            dev = evdev.InputDevice(path)
            if self.grab:
                dev.grab()  # key presses must never reach the desktop or a shell
            return dev.fd, dev
        return os.open(path, os.O_RDONLY | os.O_NONBLOCK), None

    def _run(self) -> None:
        delay = FIRST_RETRY_S
        while not self._stop.is_set():
            path = find_device(self.selector)
            try:
                fd, dev = self._open(path) if path else (None, None)
            except OSError as exc:
                log.warning("cannot open keypad %s: %s", path, exc)
                fd, dev = None, None
            if fd is None:
                self._set(LinkState.DISCONNECTED)
                self._stop.wait(delay)
                delay = min(delay * 2, MAX_RETRY_S)
                continue
            self._set(LinkState.CONNECTED)
            delay = FIRST_RETRY_S
            try:
                self._read(fd)
            finally:
                if dev is not None:
                    try:
                        dev.close()
                    except OSError:
                        pass
                else:
                    os.close(fd)
            if not self._stop.is_set():
                self._set(LinkState.DISCONNECTED)
                self._stop.wait(FIRST_RETRY_S)

    def _read(self, fd: int) -> None:
        decoder = InputEventDecoder()
        while not self._stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(fd, 24 * 64)
            except BlockingIOError:
                continue
            except OSError as exc:  # ENODEV: the keypad was pulled out
                log.warning("keypad %s lost: %s", self.selector, exc)
                return
            if not data:
                return  # end of file: the writer went away
            for event in decoder.feed(data):
                action = self.keymap.action(event)
                if action is not None:
                    # A digit may be part of a 工号: logged as a digit key, never its value.
                    log.info("keypad: %s", getattr(action, "value", "digit key"))
                    self.events.put(action)
