"""Shared test setup: Kivy environment and a private Xvfb display for the kiosk's window tests."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

# Kivy reads these when it is first imported (collection time), so set them now.
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
# 督察 photos of a PostgreSQL store (no database file to sit beside) go to a temporary
# directory, not into the checkout (server/assess/inspections_photos.py).
os.environ.setdefault("KIOSK_SERVER_EVIDENCE_DIR", tempfile.mkdtemp(prefix="evidence-"))

XVFB_SCREEN = "1280x800x24"


def _start_xvfb(screen: str = XVFB_SCREEN) -> tuple[subprocess.Popen, str]:
    """Xvfb on a display number it picks itself (-displayfd), so parallel runs never clash;
    `screen` is WxHxDEPTH (tests/helpers/panel_kiosk.py starts one per panel size)."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb) and DISPLAY is unset")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp",
         "-noreset"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        raise RuntimeError("Xvfb did not report a display number")
    return proc, f":{number}"


def _close_kivy_window() -> None:
    """Close the app and its window before the X server goes, so exit is clean."""
    if "kivy.base" not in sys.modules:
        return
    from kivy.app import App
    from kivy.base import EventLoop

    app = App.get_running_app()
    if app is not None:
        app.stop()
    if EventLoop.window is not None:
        EventLoop.window.close()


@pytest.fixture(scope="session")
def display():
    """A usable X display: the caller's DISPLAY, or a private Xvfb for the session."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        _close_kivy_window()
        return
    proc, name = _start_xvfb()
    os.environ["DISPLAY"] = name
    try:
        yield name
    finally:
        _close_kivy_window()
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.environ.pop("DISPLAY", None)
