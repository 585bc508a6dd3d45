"""The rating screens: five levels, bad-review reasons, thank you. They forward taps to the
flow and draw what it says."""
from __future__ import annotations

import logging

from kivy.properties import StringProperty

from kiosk.flow import FlowState, Mode
from kiosk.i18n import _, level_label, reason_label
from kiosk.ui.base_screen import KioskScreen
from kiosk.ui.widgets import LEVEL_COLORS, ReasonToggle
from sync.wire import BAD_LEVELS
from sync.wire.business import business_ticket

log = logging.getLogger(__name__)

MIN_TARGET_MM = 15.0  # each level button at least this wide and high on the configured panel
# Where a reader breaks a level label that needs two lines (a CJK line otherwise breaks
# at whichever character hits the edge: 非常不满 / 意).
LINE_BREAKS = {"非常满意": "非常\n满意", "基本满意": "基本\n满意", "非常不满意": "非常\n不满意"}
PHOTO_MM = 20.0  # the staff photo's height on the rating screen: a face recognised at 1 m
LABEL_MM = 6.0  # level labels: 32 design px = 6.1 mm at 133 dpi, about 21' of arc at 1 m


def px_to_mm(px: float, dpi: float) -> float:
    return px / dpi * 25.4


def break_line(text: str, width: float, font_px: float) -> str:
    """`text` with one line break where a CJK run would overflow a line `width` wide (Kivy
    breaks lines at spaces only, so a long 事项 name would otherwise shrink to fit one line):
    two lines of about equal width. Widths in ems: a CJK
    or full-width glyph about 1, anything else about 0.55; FitLabel still shrinks whatever
    does not fit."""
    ems = [0.55 if ord(c) < 0x2E80 else 1.0 for c in text]
    line = width / max(font_px, 1.0)
    if line < 4 or sum(ems) <= line or text.isascii() or "\n" in text:
        return text
    goal, run = sum(ems) / 2, 0.0  # (too long for two lines: both shrink alike)
    for cut, em in enumerate(ems):
        if run + em > goal:
            break
        run += em
    return text[:cut].rstrip() + "\n" + text[cut:].lstrip()


class RatingScreen(KioskScreen):
    photo = StringProperty("")
    item_text = StringProperty("")  # "事项：<事项名称>" when the queue or business system named one
    supervision = StringProperty("")  # the hall's supervision line (the idle screen's)
    _logged = None
    _item = ""  # the 事项 line unbroken; item_text is it as laid out

    def on_kv_post(self, base_widget) -> None:
        self.ids.item_label.bind(width=lambda *_a: self._lay_item())
        for level in range(1, 6):
            button = self.ids[f"level_{level}"]
            button.text = level_label(level)
            button.lines = LINE_BREAKS.get(button.text, "")
            button.fill = LEVEL_COLORS[level]

    def render(self, state: FlowState) -> None:
        case = state.case
        ticket = case.ticket if case else ""
        if case is not None and case.case_id and ticket == business_ticket(case.case_id):
            ticket = ""  # a 办件 with no queue ticket: its made-up ticket means nothing here
        self.ids.ticket_label.text = _("Number {ticket}").format(ticket=ticket) if ticket else ""
        if case is not None and state.mode is Mode.RATING:
            text = _("Service item: {name}").format(name=case.item_name) if case.item_name else ""
            self._item = text
            self._lay_item()
            if text and case.key != self._logged:
                self._logged = case.key  # once a case: the business system's 办件 is up
                log.info("rating screen for 办件 %s: %s", case.case_id, text)
        if state.mode is not Mode.RATING:
            return
        site = self.manager.idle.site if self.manager is not None else None
        self.supervision = self.manager.idle.supervision if self.manager is not None else ""
        serving = (case.staff_id if case is not None else None) or state.staff_id  # 经办人
        self.ids.staff_badge.show(site.on_duty(serving) if site is not None else None)
        if state.mode is Mode.RATING:
            self.total_s = self.manager.flow.timing.rating_s

    def _lay_item(self) -> None:
        label = self.ids.item_label
        self.item_text = break_line(self._item, label.width - 2, label.base_font)

    def buttons(self) -> list:
        """The level buttons as shown, 非常满意 first."""
        return [self.ids[f"level_{n}"] for n in (5, 4, 3, 2, 1)]

    def tap(self, level: int) -> None:
        self.manager.flow.tap_level(level)


class ReasonsScreen(KioskScreen):
    toggles: dict[str, ReasonToggle]

    def build_toggles(self, codes: tuple[str, ...]) -> None:
        """Fresh, all-up toggles for the configured reason codes."""
        grid = self.ids.reason_grid
        grid.clear_widgets()
        self.toggles = {}
        for code in codes:
            toggle = ReasonToggle(code=code, text=reason_label(code))
            self.toggles[code] = toggle
            grid.add_widget(toggle)

    def render(self, state: FlowState) -> None:
        level = state.case.level if state.case and state.case.level else None
        self.ids.level_label.text = level_label(level) if level else ""
        if state.mode is Mode.REASONS:
            self.total_s = self.manager.flow.timing.reasons_s

    def chosen(self) -> list[str]:
        return [code for code, t in self.toggles.items() if t.state == "down"]

    def submit(self) -> None:
        self.manager.flow.submit_reasons(self.chosen())

    def skip(self) -> None:
        self.manager.flow.submit_reasons([])


class ThanksScreen(KioskScreen):
    def render(self, state: FlowState) -> None:
        level = (state.last_rating or {}).get("level")
        self.ids.rated_label.text = (_("Your rating: {level}").format(level=level_label(level))
                                     if level else "")
        self.ids.followup_label.text = (
            _("We are sorry. Your feedback has been recorded and will be followed up.")
            if level in BAD_LEVELS else "")
