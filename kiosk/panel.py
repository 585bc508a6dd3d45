"""The panel the kiosk draws on: its real size, found the way the kiosk's window will see it.

Full screen must take the display's real size. SDL (the library under Kivy's window) reports
it for every way a kiosk draws: on X (SDL's x11 driver; RandR's mode, so Xvfb at any
`-screen` size too), on Wayland (the output's size; the compositor then sizes the full-screen
window) and on KMS/DRM without any display server (the connector's mode). It is asked through
the very SDL library Kivy's window loads (the wheel's Kivy.libs copy, else the system's), and
let go before the window starts. Without SDL (`kiosk-setup` over SSH while the kiosk holds the
screen), the kernel's list of modes of the connected connector (/sys/class/drm) says the same.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SDL_INIT_VIDEO = 0x20
DRM = Path("/sys/class/drm")
SCREENS = ("x11", "wayland", "kmsdrm", "rpi")  # SDL's drivers that draw on a real screen
RECORD = "panel.json"  # in the data dir: what the running kiosk got, for `kiosk-setup doctor`


@dataclass(frozen=True)
class Screen:
    driver: str  # x11, wayland, kmsdrm (SDL's names), or drm (the kernel's mode list)
    width: int
    height: int

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


class _Rect(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("w", ctypes.c_int),
                ("h", ctypes.c_int)]


def _sdl_library() -> str | None:
    """The SDL2 that Kivy's window links: the wheel's bundled copy, else the system one."""
    spec = importlib.util.find_spec("kivy")
    if spec is not None and spec.origin:
        site = Path(spec.origin).resolve().parents[1]
        for folder in ("Kivy.libs", "kivy.libs"):
            found = sorted((site / folder).glob("libSDL2-2*.so*"))
            if found:
                return str(found[0])
    return ctypes.util.find_library("SDL2")


def sdl_screen() -> Screen | None:
    """The first display's size as SDL's video driver sees it, or None (no display, no SDL)."""
    path = _sdl_library()
    if path is None:
        return None
    try:
        sdl = ctypes.CDLL(path)
    except OSError:
        return None
    sdl.SDL_GetCurrentVideoDriver.restype = ctypes.c_char_p
    sdl.SDL_GetError.restype = ctypes.c_char_p
    sdl.SDL_GetDisplayBounds.argtypes = [ctypes.c_int, ctypes.POINTER(_Rect)]
    if sdl.SDL_InitSubSystem(SDL_INIT_VIDEO) != 0:
        log.info("no display for SDL: %s", sdl.SDL_GetError().decode(errors="replace"))
        return None
    try:
        rect = _Rect()
        if sdl.SDL_GetNumVideoDisplays() < 1 or sdl.SDL_GetDisplayBounds(0, ctypes.byref(rect)):
            return None
        driver = (sdl.SDL_GetCurrentVideoDriver() or b"").decode()
        if driver.lower() not in SCREENS or rect.w <= 0 or rect.h <= 0:
            return None  # SDL's offscreen or dummy driver: no screen at all
        return Screen(driver, rect.w, rect.h)
    finally:
        sdl.SDL_QuitSubSystem(SDL_INIT_VIDEO)  # Kivy's window starts SDL's video afresh


def drm_screen(root: Path = DRM) -> Screen | None:
    """The preferred mode of the first connected connector (card1-DSI-1, card1-HDMI-A-1...)."""
    for connector in sorted(root.glob("card*-*")):
        try:
            if (connector / "status").read_text().strip() != "connected":
                continue
            first = (connector / "modes").read_text().split()
        except OSError:
            continue
        if first and "x" in first[0]:
            w, _x, h = first[0].partition("x")
            if w.isdigit() and h.rstrip("i").isdigit():
                return Screen("drm", int(w), int(h.rstrip("i")))
    return None


def detect() -> Screen | None:
    """The display's real size: SDL's answer, else the kernel's; None when there is none."""
    return sdl_screen() or drm_screen()


def record(data_dir: str | Path, screen: Screen | None, window: tuple[int, int],
           rotation: int) -> None:
    """Note what the running kiosk got (its window in panel pixels, before rotation)."""
    body = {"screen": asdict(screen) if screen else None, "window": list(window),
            "rotation": rotation}
    try:
        (Path(data_dir) / RECORD).write_text(json.dumps(body), encoding="utf-8")
    except OSError as exc:
        log.warning("cannot note the panel size in %s: %s", data_dir, exc)


def recorded(data_dir: str | Path) -> dict | None:
    """What the kiosk noted at its last start, or None."""
    try:
        return json.loads((Path(data_dir) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
