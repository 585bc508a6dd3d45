"""The rating screen of a 办件 the business system asked to be rated (issue 29): the 事项 name
is on screen, wrapped, never clipped, at every supported size, and the level buttons keep their
15 mm; a queue case without one has no 事项 band at all."""
from __future__ import annotations

import pytest

from drivers.events import Done
from kiosk.ui.app import pump_until
from kiosk.ui.screen_rating import MIN_TARGET_MM, px_to_mm
from sync.prompts import Prompt
from tests.kiosk.conftest import SIZES

LONG = "城乡居民基本养老保险参保登记及个人权益记录查询打印（含跨省转移接续申请）"


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_item_name_wraps_and_is_never_clipped(kiosk_app, screenshot, size, language):
    app = kiosk_app(language=language, size=SIZES[size], trigger="business")
    app.flow.handle(Prompt("330100202611020009", "330100-000-XK-017", LONG, staff_id="1024"))
    assert pump_until(lambda: app.root.current == "rating", 10)
    pump_until(timeout=0.2)
    rating = app.root.get_screen("rating")
    label = rating.ids.item_label
    assert LONG in label.text.replace("\n", "") and label.text.startswith("事项：" if language == "zh_CN"
                                                        else "Service item: ")
    assert label.texture_size[0] <= label.width + 1 and label.texture_size[1] <= label.height + 1
    x, y = label.to_window(label.x, label.y)
    assert x >= 0 and x + label.width <= SIZES[size][0] and y + label.height <= SIZES[size][1]
    assert label.text.count("\n") == 1  # two lines (Kivy itself breaks only at spaces)
    assert rating.ids.ticket_label.text == ""  # no queue ticket: no made-up one either
    assert "1024" in rating.ids.staff_badge.ids.staff_label.text  # the 办件's 经办人
    for b in rating.buttons():
        assert px_to_mm(min(b.width, b.height), app.cfg.ui.dpi) >= MIN_TARGET_MM, b.name
    screenshot(app, f"rating_item_{language}_{size}")


def test_a_queue_case_has_no_item_band(kiosk_app):
    app = kiosk_app()
    app.flow.handle(Done("A023", "C1", "11410000"))
    assert pump_until(lambda: app.root.current == "rating", 10)
    pump_until(timeout=0.1)
    band = app.root.get_screen("rating").ids.item_band
    assert band.height == 0 and app.root.get_screen("rating").item_text == ""


def test_a_short_item_name_stays_one_line():
    from kiosk.ui.screen_rating import break_line

    assert break_line("事项：不动产登记", 760, 24) == "事项：不动产登记"
    first, second = break_line("事项：" + LONG, 760, 24).split("\n")
    assert abs(len(first) - len(second)) <= 2
