"""The rating faces: a pictogram per level, painted once into a texture in a shared Fbo."""
from __future__ import annotations

import math

from kivy.graphics import (
    ClearBuffers,
    ClearColor,
    Color,
    Fbo,
    Mesh,
    Rectangle,
    SmoothEllipse,
    SmoothLine,
)
from kivy.properties import ListProperty, NumericProperty
from kivy.uix.widget import Widget


class Face(Widget):
    """A face pictogram for a level: 5 a wide open laugh with smiling eyes, 4 a smile, 3 a
    straight mouth, 2 a frown, 1 a deep frown with knitted brows.

    It is painted once into a texture (on its card's colour `paper`, so opaque) and each
    frame draws that one rectangle: its anti-aliased discs and strokes are hundreds of small
    triangles, which a software rasteriser pays for in every frame (bench/ui_latency.py).
    """

    level = NumericProperty(3)
    ink = ListProperty([0.2, 0.2, 0.2, 1])
    paper = ListProperty([1, 1, 1, 1])  # what is behind the face (the card's fill)

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        from kivy.clock import Clock

        self._texture = None
        self._painted = None
        # Redrawn once per frame at most: a layout settling at start-up changed pos and size
        # several times in one tick, and each change painted the texture again (35 paints
        # for 10 faces before the first frame, bench/startup.py).
        self._redraw = Clock.create_trigger(self._draw, -1)
        self.bind(pos=self._redraw, size=self._redraw, level=self._redraw, ink=self._redraw,
                  paper=self._redraw)
        self._redraw()

    def mouth_curve(self) -> float:
        """+1 broad smile .. -1 deep frown (for tests and the drawing)."""
        return (self.level - 3) / 2

    def _draw(self, *_args) -> None:
        d = min(self.width, self.height)
        self.canvas.clear()
        if d <= 2:
            return
        side = math.ceil(d)
        look = (side, d, self.level, tuple(self.ink), tuple(self.paper))
        if look != self._painted:  # size, level or colours changed: paint the texture again
            self._painted = look
            self._texture = _painted(side, self.paper, lambda: self._paint(side / 2, side / 2, d))
        with self.canvas:  # whole pixels, so the texture maps 1:1 and stays sharp
            Color(1, 1, 1, 1)
            Rectangle(texture=self._texture, size=(side, side),
                      pos=(round(self.center_x - side / 2), round(self.center_y - side / 2)))

    def _paint(self, cx: float, cy: float, d: float) -> None:
        # Smooth* shapes: the window has no MSAA (kiosk.ui.app), nor has an Fbo, so plain
        # Ellipse and Line edges would be jagged. SmoothLine has no round caps or joints:
        # discs stand in.
        r = d / 2
        curve = self.mouth_curve()
        ring, rim = r - d * 0.02, max(1.0, d * 0.025)  # the outline: a ring at `ring`
        Color(*self.ink)
        _disc(cx - ring - rim, cy - ring - rim, 2 * (ring + rim))
        Color(1, 1, 1, 1)
        _disc(cx - ring + rim, cy - ring + rim, 2 * (ring - rim))
        Color(*self.ink)
        eye = d * 0.11
        for sx in (-1, 1):
            if self.level == 5:  # smiling eyes: upturned arcs, so 5 and 4 differ at once
                ex = cx + sx * r * 0.36
                _stroke([ex - eye * 0.8, cy + r * 0.2, ex, cy + r * 0.36,
                         ex + eye * 0.8, cy + r * 0.2], max(1.0, d * 0.03), joints=True)
            else:
                _disc(cx + sx * r * 0.36 - eye / 2, cy + r * 0.18, eye, eye * 1.3)
            if self.level == 1:  # knitted brows
                _stroke([cx + sx * r * 0.52, cy + r * 0.56, cx + sx * r * 0.2,
                         cy + r * 0.44], max(1.0, d * 0.03))
        if self.level == 5:  # a wide open laugh: a filled half-moon
            self._laugh(cx, cy, r)
            return
        points = []
        for i in range(13):
            t = i / 6 - 1
            points += [cx + t * r * 0.45, cy - r * 0.38 - curve * (1 - t * t) * r * 0.22
                       + abs(curve) * r * 0.11]
        _stroke(points, max(1.0, d * 0.035))

    def _laugh(self, cx: float, cy: float, r: float) -> None:
        top, half = cy - r * 0.12, r * 0.5
        verts, edge = [cx, top, 0, 0], []
        for i in range(17):
            t = i / 16 * math.pi
            x, y = cx - half * math.cos(t), top - half * 0.9 * math.sin(t)
            verts += [x, y, 0, 0]
            edge += [x, y]
        Mesh(vertices=verts, indices=list(range(18)), mode="triangle_fan")
        SmoothLine(points=edge, width=1.0, close=True)  # an anti-aliased rim for the mesh


_SCRATCH: list = []  # the one Fbo faces are painted in: each Fbo holds ~0.5 MB under llvmpipe


def _painted(side: int, paper, paint):
    """A side x side texture of what paint() draws on `paper`: painted in the shared Fbo, then
    copied out, so each face keeps only its pixels."""
    from kivy.graphics.texture import Texture

    if not _SCRATCH or _SCRATCH[0].size[0] < side:
        _SCRATCH[:] = [Fbo(size=(side, side), with_stencilbuffer=False)]
    fbo = _SCRATCH[0]
    fbo.clear()
    with fbo:
        ClearColor(*paper)
        ClearBuffers()
        paint()
    fbo.draw()
    row = fbo.size[0] * 4  # pixels come bottom row first, as a texture takes them
    pixels = fbo.pixels
    texture = Texture.create(size=(side, side), colorfmt="rgba")
    texture.blit_buffer(b"".join(pixels[y * row:y * row + side * 4] for y in range(side)),
                        colorfmt="rgba", bufferfmt="ubyte")
    return texture


def _stroke(points: list[float], width: float, joints: bool = False) -> None:
    """A line `width` wide each side of `points` with round ends (and round joints if asked),
    anti-aliased: SmoothLine draws its solid part 1 px narrower than Line, its fringe covers
    that px."""
    SmoothLine(points=points, width=width + 0.5)
    ends = range(0, len(points), 2) if joints else (0, len(points) - 2)
    for i in ends:
        _disc(points[i] - width, points[i + 1] - width, 2 * width)


def _disc(x: float, y: float, w: float, h: float | None = None) -> None:
    """An anti-aliased ellipse with as many segments as its size needs: Kivy's default of 180
    for every one, eyes and line ends included, made the faces most of a frame's triangles,
    which a software rasteriser pays for one by one (bench/ui_latency.py)."""
    h = w if h is None else h
    SmoothEllipse(pos=(x, y), size=(w, h), segments=max(12, min(64, int(max(w, h) * 0.4))))
