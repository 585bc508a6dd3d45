"""Small Kivy widgets the screens share: buttons, the rating faces, the QR code, reason toggles.
They draw and forward taps; decisions stay in kiosk/flow.py."""
from __future__ import annotations

from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from drivers.events import LinkState
from kiosk.ui.face import Face  # noqa: F401 - the level cards' pictogram (common.kv)
from kiosk.ui.fonts import (  # noqa: F401 - kv and tests use them
    drop_surfaces,
    font_step,
    measure,
    share_faces,
)
from sync.wire.labels import N_

share_faces()  # before any label opens a face
drop_surfaces()

LEVEL_COLORS = {  # 非常满意 → 非常不满意: dark green, light green, amber, orange, red
    5: (0.11, 0.48, 0.20, 1), 4: (0.49, 0.70, 0.26, 1), 3: (0.98, 0.75, 0.18, 1),
    2: (0.96, 0.49, 0.0, 1), 1: (0.78, 0.16, 0.16, 1),
}
WHITE, INK = (1.0, 1.0, 1.0, 1.0), (0.13, 0.13, 0.13, 1.0)
# The screens' background, drawn as the window's clear colour (kiosk.ui.app): a full-screen
# rectangle on every screen was one more blended layer over every pixel of every frame.
PAPER = (0.96, 0.97, 0.98, 1.0)


def luminance(rgba) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0..1 channels)."""
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG 2 contrast ratio of two colours, 1..21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(fill) -> tuple:
    """White or ink, whichever reads better on `fill` (every level card reaches AA)."""
    return WHITE if contrast(WHITE, fill) >= contrast(INK, fill) else INK


LINK_COLORS = {
    LinkState.CONNECTED: (0.30, 0.85, 0.40, 1), LinkState.CONNECTING: (1.0, 0.76, 0.03, 1),
    LinkState.DISCONNECTED: (0.96, 0.26, 0.21, 1), LinkState.CLOSED: (0.62, 0.62, 0.62, 1),
}
LINK_TEXT = {
    LinkState.CONNECTED: N_("Connected"), LinkState.CONNECTING: N_("Connecting"),
    LinkState.DISCONNECTED: N_("Disconnected"), LinkState.CLOSED: N_("No queue system"),
}


class FitLabel(Label):
    """A label that always fits its box: its text wraps (up to max_lines) and then shrinks
    (down to min_scale of base_font), never clipped or shortened. Set base_font, not
    font_size. Text and size changes refit in place; nothing is rebuilt."""

    base_font = NumericProperty(20)
    max_lines = NumericProperty(1)
    min_scale = NumericProperty(0.3)
    line_scale = NumericProperty(0.8)  # shrink a line this far before wrapping it

    def __init__(self, **kw) -> None:
        from kivy.clock import Clock

        # Not fitted until a layout has sized it (or a clock tick has passed, for a box left
        # at Kivy's default size): fitting in the default 100x100 box explored sizes never
        # drawn, and SDL2 keeps a font face for each (bench/memory.py).
        self._placed = False
        super().__init__(**kw)
        self._refit = Clock.create_trigger(self.fit, -1)
        self.bind(size=self._on_size, base_font=self._refit, max_lines=self._refit,
                  bold=self._refit, font_name=self._refit)
        Clock.schedule_once(self._place, 0)
        self.fit()

    def _on_size(self, *_args) -> None:
        self._placed = True
        self._refit()

    def _place(self, _dt) -> None:
        if not self._placed:
            self._placed = True
            self.fit()

    def on_text(self, *_args) -> None:
        self.fit()

    def fit(self, *_args) -> None:
        w, h = self.width - 2, self.height
        if not self.text or w < 4 or h < 4 or not self._placed:
            self.font_size, self.text_size = font_step(self.base_font), (max(w, 1), None)
            return
        size, floor = self.base_font, self.base_font * self.min_scale
        # Measured as drawn (wrapped at the box's width), so what fits here fits on screen.
        tw, th, lines = measure(self, self.text, size, w)
        if lines > 1 and self.max_lines > 1:
            one, _h, n = measure(self, self.text, size, None)
            if n == 1 and one * self.line_scale <= w:
                size *= w / one * 0.98  # a short line reads better a little smaller than broken
                tw, th, lines = measure(self, self.text, size, w)
                while lines > 1 and size * 0.97 >= self.base_font * self.line_scale:
                    size *= 0.97  # padding does not shrink with the text: a step or two more
                    tw, th, lines = measure(self, self.text, size, w)
        # A word is never broken (Dissatisfi / ed): the widest one must fit a line.
        word = max(self.text.split(), key=len) if self.text.isascii() else ""
        ww = measure(self, word, size, None)[0] if word else 0
        for _ in range(16):  # text width scales with font size, so this settles in 1-3 steps
            if (tw <= w and th <= h and lines <= self.max_lines and ww <= w) or size <= floor:
                break
            ratio = min(w / tw if tw > w else 1.0, h / th if th > h else 1.0,
                        w / ww if ww > w else 1.0)
            if lines > self.max_lines == 1:  # one line: scale by its unwrapped width
                ratio = min(ratio, w / measure(self, self.text, size, None)[0])
            elif lines > self.max_lines:  # too many lines: creep down, wrapping is not linear
                ratio = min(ratio, 0.93)
            size = max(floor, size * min(0.98, ratio))
            tw, th, lines = measure(self, self.text, size, w)
            ww = measure(self, word, size, None)[0] if word else 0
        self.font_size = font_step(size)  # the size measure() laid out
        # One centred line needs no wrap width, and without one its texture is as wide as the
        # text, not the box (Kivy centres the texture in the label either way): ~1 MB of
        # label textures less across the screens (bench/memory_breakdown.py).
        one_line = lines == 1 and tw <= w and "\n" not in self.text
        self.text_size = (None, None) if one_line and self.halign == "center" else (w, None)


class LevelButton(ButtonBehavior, BoxLayout):
    """One big coloured rating target: a face over its label; `name` is level_N. `lines` is
    the label broken where a reader would break it (非常 / 不满意), shown when it wraps."""

    level = NumericProperty(0)
    name = StringProperty("")
    text = StringProperty("")
    lines = StringProperty("")
    fill = ListProperty([0.5, 0.5, 0.5, 1])


class FlatButton(ButtonBehavior, FitLabel):
    """A flat rounded button (submit, skip, next, menu keys); its text fits like FitLabel's.
    `outline` draws it white with a coloured border and text (a secondary action that must
    not look disabled)."""

    fill = ListProperty([0.08, 0.40, 0.75, 1])
    outline = BooleanProperty(False)


class ReasonToggle(ToggleButtonBehavior, FitLabel):
    """A reason the citizen can tick; several may be down at once. A chosen one shows a tick
    in its box, not only another colour."""

    code = StringProperty("")


class ShowsStaff:
    """show(staff) for a card with ids staff_name, staff_label and maybe staff_stars."""

    def show(self, staff) -> None:
        from kiosk.i18n import _
        from kiosk.roster import PLACEHOLDER

        ids = self.ids
        if staff is None:
            ids.staff_label.text, ids.staff_name.text = _("Not logged in"), ""
            self.photo, stars = str(PLACEHOLDER), 0
        else:
            ids.staff_label.text = _("Staff No. {staff_id}").format(staff_id=staff.staff_id)
            ids.staff_name.text, self.photo, stars = staff.name, staff.photo, staff.stars
        if "staff_stars" in ids:
            ids.staff_stars.stars = stars


class Photo(Image):
    """The staff member's photo, scaled to fit inside its box (fit_mode "contain"). Its kv
    rule (common.kv) replaces Kivy's Image rule, whose stencil clip never cuts anything from
    a contained picture but cost three more draws in every frame of the idle and rating
    screens, and a second set of GL pipelines for the stencil states."""

    fit_mode = StringProperty("contain")


class StaffCard(ButtonBehavior, ShowsStaff, BoxLayout):
    """The person on duty, upright: photo, name, 工号 and stars (the idle screen); tapped,
    the staff sign-in screen opens."""

    photo = StringProperty("")


class StaffBadge(ShowsStaff, BoxLayout):
    """The person on duty, side by side: photo, name and 工号 (the rating screen, whose
    prompt says 我的服务)."""

    photo = StringProperty("")


class QrCode(Widget):
    """Shows the QR code of `data` (empty: nothing); the texture comes from kiosk.ui.qr."""

    data = StringProperty("")
    texture = ObjectProperty(None, allownone=True)

    def on_data(self, _instance, data: str) -> None:
        from kivy.clock import Clock

        # Drawn on the next clock tick, after the frame in progress: the data changes at
        # DONE, when the rating screen must be on the next frame and the idle screen that
        # shows the code is hidden (encoding it takes ~7 ms here, several times that on a Pi).
        self.texture = None
        if data:
            Clock.schedule_once(lambda _dt: self._encode(data), 0)

    def _encode(self, data: str) -> None:
        from kiosk.ui.qr import qr_texture

        if data == self.data:  # not replaced meanwhile
            self.texture = qr_texture(data)


class Stars(Label):
    """★★★★☆ for a star level 0..5 (empty for none)."""

    stars = NumericProperty(0)

    def on_stars(self, _instance, value) -> None:
        n = max(0, min(5, int(value)))
        self.text = "★" * n + "☆" * (5 - n) if n else ""
