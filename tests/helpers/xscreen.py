"""What a person at an X display sees and does, for tests of a kiosk running as its own process
(`kiosk run` on Xvfb): grab the screen's pixels (XGetImage) and tap a point (XTest), through
libX11 and libXtst by ctypes, so no tool beyond the X libraries Kivy already needs."""
from __future__ import annotations

import ctypes
import time


class _XImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                ("format", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_char)),
                ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
                ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
                ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int),
                ("bits_per_pixel", ctypes.c_int)]


class Screen:
    """One connection to the display `name` (":3")."""

    def __init__(self, name: str) -> None:
        self.x11 = ctypes.CDLL("libX11.so.6")
        self.xtst = ctypes.CDLL("libXtst.so.6")
        self.x11.XOpenDisplay.restype = ctypes.c_void_p
        self.x11.XDefaultRootWindow.restype = ctypes.c_ulong
        self.x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self.x11.XGetImage.restype = ctypes.POINTER(_XImage)
        self.x11.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int,
                                       ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                       ctypes.c_ulong, ctypes.c_int]
        self.x11.XDisplayWidth.argtypes = self.x11.XDisplayHeight.argtypes = [
            ctypes.c_void_p, ctypes.c_int]
        self.x11.XDestroyImage.argtypes = [ctypes.POINTER(_XImage)]
        self.x11.XFlush.argtypes = self.x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.xtst.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                                   ctypes.c_int, ctypes.c_ulong]
        self.xtst.XTestFakeButtonEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint,
                                                   ctypes.c_int, ctypes.c_ulong]
        self.dpy = self.x11.XOpenDisplay(name.encode())
        if not self.dpy:
            raise RuntimeError(f"cannot open display {name}")
        self.root = self.x11.XDefaultRootWindow(self.dpy)
        self.size = (self.x11.XDisplayWidth(self.dpy, 0), self.x11.XDisplayHeight(self.dpy, 0))

    def grab(self):
        """The whole screen as a PIL RGB image."""
        from PIL import Image

        w, h = self.size
        img = self.x11.XGetImage(self.dpy, self.root, 0, 0, w, h, 0xFFFFFFFF, 2)  # ZPixmap
        if not img:
            raise RuntimeError("XGetImage failed")
        try:
            im = img.contents
            assert im.bits_per_pixel == 32, im.bits_per_pixel
            raw = ctypes.string_at(im.data, im.bytes_per_line * h)
            return Image.frombuffer("RGB", (w, h), raw, "raw", "BGRX", im.bytes_per_line, 1)
        finally:
            self.x11.XDestroyImage(img)

    def tap(self, x: int, y: int, hold_s: float = 0.08) -> None:
        """A finger (the left button) down and up at screen point (x, y)."""
        self.xtst.XTestFakeMotionEvent(self.dpy, -1, int(x), int(y), 0)
        self.x11.XFlush(self.dpy)
        time.sleep(0.05)
        self.xtst.XTestFakeButtonEvent(self.dpy, 1, 1, 0)
        self.x11.XFlush(self.dpy)
        time.sleep(hold_s)
        self.xtst.XTestFakeButtonEvent(self.dpy, 1, 0, 0)
        self.x11.XFlush(self.dpy)

    def close(self) -> None:
        self.x11.XCloseDisplay(self.dpy)


def find_color(image, rgb: tuple[int, int, int], tolerance: int = 6, step: int = 4):
    """(centre x, centre y, count) of the pixels of about colour `rgb` (sampled every `step`
    pixels), or None when there are too few to be a button."""
    w, h = image.size
    px = image.load()
    xs, ys = [], []
    for y in range(0, h, step):
        for x in range(0, w, step):
            r, g, b = px[x, y]
            if abs(r - rgb[0]) <= tolerance and abs(g - rgb[1]) <= tolerance \
                    and abs(b - rgb[2]) <= tolerance:
                xs.append(x)
                ys.append(y)
    if len(xs) < 50:
        return None
    xs.sort()
    ys.sort()
    return xs[len(xs) // 2], ys[len(ys) // 2], len(xs)
