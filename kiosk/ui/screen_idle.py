"""The idle screen: window, clerk on duty, the ticket being called, waiting count, clock, a QR
code for rating by phone, paused and logged-out states, the language button."""
from __future__ import annotations

import time

from kivy.animation import Animation
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

from drivers.events import LinkState
from kiosk.flow import FlowState
from kiosk.i18n import _, language
from kiosk.roster import PLACEHOLDER
from kiosk.ui.base_screen import KioskScreen
from kiosk.ui.widgets import LINK_COLORS, LINK_TEXT

CAPTION_MM = 5.0  # the QR caption's font (em) at least this tall on the panel ([ui] dpi):
# about 17' of arc at 1 m (ISO 9241-303 asks at least 16'; the level labels have 6 mm)
CAPTION_PX = 28  # design px: 5.3 mm at 133 dpi (7-inch 800x480)


def caption_px(u: float, dpi: float) -> float:
    """The QR caption's font size: the design's, or more where the panel's pixels are finer
    than CAPTION_MM allows (a font-ladder rung at or above it, kiosk/ui/fonts.py)."""
    from kiosk.ui.fonts import font_step

    need = CAPTION_MM / 25.4 * dpi
    size = max(u * CAPTION_PX, need)
    while font_step(size) < need:
        size *= 1.06
    return size


class IdleScreen(KioskScreen):
    hall_name = StringProperty("")
    window_name = StringProperty("")
    paused = BooleanProperty(False)
    calling = BooleanProperty(False)
    staff_strip = BooleanProperty(False)
    link_color = ListProperty(LINK_COLORS[LinkState.CLOSED])
    photo = StringProperty(str(PLACEHOLDER))
    flash = NumericProperty(0.0)      # 0..1, the recall highlight behind the call
    flash_count = NumericProperty(0)  # how many times the call was flashed (tests)
    site = ObjectProperty(None, allownone=True)
    qr_links = ObjectProperty(None, allownone=True)
    notice = StringProperty("")       # a short message for the clerk, shown in the call strip
    supervision = StringProperty("")  # the hall's supervision line, e.g. 监督电话 12345
    logo = StringProperty("")         # the hall's logo file (issue 26 item 8)

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._call_count = 0
        self._qr_case = None

    def on_site(self, _screen, site) -> None:
        """A new site (the server's device config, live): the hall's line and logo."""
        self.supervision = getattr(site, "supervision", "") or ""
        self.logo = getattr(site, "logo", "") or ""

    def on_kv_post(self, base_widget) -> None:
        # The staff card's parts under the names the screen always had (tests, tools).
        self.ids.update(self.ids.staff_card.ids)

    def render(self, state: FlowState) -> None:
        ids = self.ids
        ids.window_label.text = _("Window {number}").format(number=state.window)
        self._render_staff(state.staff_id)
        self.calling = bool(state.calling)
        self.notice = _(state.notice).format(**dict(state.notice_args)) if state.notice else ""
        ids.calling_label.text = self.notice or (
            _("Number {ticket}, please come to window {window}").format(
                ticket=state.calling, window=state.window) if state.calling else _("Welcome"))
        if state.calling and state.call_count != self._call_count:
            self._flash()
        self._call_count = state.call_count
        ids.waiting_label.text = ("" if state.waiting is None else
                                  _("People waiting: {count}").format(count=state.waiting))
        self.paused = state.paused
        self.link_color = LINK_COLORS[state.link]
        ids.link_label.text = _(LINK_TEXT[state.link])
        ids.lang_button.text = "EN" if language() != "en" else "中文"
        self._render_qr(state)

    def open_signin(self) -> None:
        """The staff card was tapped: the sign-in screen (kiosk/ui/signin_view.py)."""
        from kivy.app import App

        app = App.get_running_app()
        if app is not None and hasattr(app, "open_signin"):
            app.open_signin()

    def _render_staff(self, staff_id: str | None) -> None:
        card = self.ids.staff_card
        card.show(self.site.on_duty(staff_id) if self.site is not None else None)
        self.photo = card.photo

    def _render_qr(self, state: FlowState) -> None:
        from kiosk.ui.qr import case_of

        case = case_of(state)
        if case == self._qr_case:
            return  # a signed URL changes every second (expiry); redraw per case only
        self._qr_case = case
        url = self.qr_links.rating_url(state) if self.qr_links is not None else None
        self.ids.qr.data = url or ""
        self.ids.qr_caption.text = _("Scan to rate") if url else ""

    def _flash(self) -> None:
        """A new call or a recall: pulse the call strip three times so heads turn."""
        self.flash_count += 1
        Animation.cancel_all(self, "flash")
        anim = Animation(flash=1.0, d=0.18) + Animation(flash=0.0, d=0.32)
        (anim + anim + anim).start(self)

    def show_time(self, now: time.struct_time) -> None:
        self.ids.date_label.text = time.strftime("%Y-%m-%d", now)
        self.ids.clock_label.text = time.strftime("%H:%M", now)
