"""Small Kivy widgets the screens share: buttons, the rating faces, the QR code, reason toggles.
They draw and forward taps; decisions stay in kiosk/flow.py."""
from __future__ import annotations

from kivy.graphics import Color, Ellipse, Line
from kivy.properties import (
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from drivers.events import LinkState
from sync.wire.labels import N_

LEVEL_COLORS = {  # 非常满意 → 非常不满意: greens, amber, orange, red
    5: (0.11, 0.56, 0.24, 1), 4: (0.30, 0.69, 0.31, 1), 3: (0.85, 0.58, 0.02, 1),
    2: (0.93, 0.42, 0.0, 1), 1: (0.78, 0.16, 0.16, 1),
}
LINK_COLORS = {
    LinkState.CONNECTED: (0.30, 0.85, 0.40, 1), LinkState.CONNECTING: (1.0, 0.76, 0.03, 1),
    LinkState.DISCONNECTED: (0.96, 0.26, 0.21, 1), LinkState.CLOSED: (0.62, 0.62, 0.62, 1),
}
LINK_TEXT = {
    LinkState.CONNECTED: N_("Connected"), LinkState.CONNECTING: N_("Connecting"),
    LinkState.DISCONNECTED: N_("Disconnected"), LinkState.CLOSED: N_("No queue system"),
}


class Face(Widget):
    """A face pictogram for a level: 5 a broad smile ... 3 a straight mouth ... 1 a frown."""

    level = NumericProperty(3)
    ink = ListProperty([0.2, 0.2, 0.2, 1])

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.bind(pos=self._draw, size=self._draw, level=self._draw, ink=self._draw)
        self._draw()

    def mouth_curve(self) -> float:
        """+1 broad smile .. -1 deep frown (for tests and the drawing)."""
        return (self.level - 3) / 2

    def _draw(self, *_args) -> None:
        d = min(self.width, self.height)
        cx, cy, r = self.center_x, self.center_y, d / 2
        self.canvas.clear()
        if d <= 2:
            return
        curve = self.mouth_curve()
        with self.canvas:
            Color(1, 1, 1, 1)
            Ellipse(pos=(cx - r, cy - r), size=(d, d))
            Color(*self.ink)
            Line(circle=(cx, cy, r - d * 0.02), width=max(1.0, d * 0.025))
            eye = d * 0.11
            for sx in (-1, 1):
                Ellipse(pos=(cx + sx * r * 0.36 - eye / 2, cy + r * 0.18), size=(eye, eye * 1.3))
                if self.level == 1:  # knitted brows
                    Line(points=[cx + sx * r * 0.52, cy + r * 0.56, cx + sx * r * 0.2,
                                 cy + r * 0.44], width=max(1.0, d * 0.03), cap="round")
            points = []
            for i in range(13):
                t = i / 6 - 1
                points += [cx + t * r * 0.45, cy - r * 0.38 - curve * (1 - t * t) * r * 0.22
                           + abs(curve) * r * 0.11]
            Line(points=points, width=max(1.0, d * 0.035), cap="round", joint="round")


class LevelButton(ButtonBehavior, BoxLayout):
    """One big coloured rating target: a face over its label; `name` is level_N."""

    level = NumericProperty(0)
    name = StringProperty("")
    text = StringProperty("")
    fill = ListProperty([0.5, 0.5, 0.5, 1])


class FlatButton(ButtonBehavior, Label):
    """A flat rounded button (submit, skip, next, menu keys)."""

    fill = ListProperty([0.08, 0.40, 0.75, 1])


class ReasonToggle(ToggleButtonBehavior, Label):
    """A reason the citizen can tick; several may be down at once."""

    code = StringProperty("")


class QrCode(Widget):
    """Shows the QR code of `data` (empty: nothing); the texture comes from kiosk.ui.qr."""

    data = StringProperty("")
    texture = ObjectProperty(None, allownone=True)

    def on_data(self, _instance, data: str) -> None:
        from kiosk.ui.qr import qr_texture

        self.texture = qr_texture(data) if data else None


class Stars(Label):
    """★★★★☆ for a star level 0..5 (empty for none)."""

    stars = NumericProperty(0)

    def on_stars(self, _instance, value) -> None:
        n = max(0, min(5, int(value)))
        self.text = "★" * n + "☆" * (5 - n) if n else ""
