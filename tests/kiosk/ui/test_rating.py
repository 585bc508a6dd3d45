"""Rating screen targets, faces, countdown and ghost presses, through real touches."""
from __future__ import annotations

import pytest

from drivers.events import Done
from kiosk.ui.app import pump_until
from kiosk.ui.screen_rating import MIN_TARGET_MM, px_to_mm
from tests.kiosk.conftest import SIZES


def rate(app, ticket="A023", case_id="C1"):
    app.flow.handle(Done(ticket, case_id, "11410000"))
    assert pump_until(lambda: app.root.current == "rating", 10)
    pump_until(timeout=0.1)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_five_targets_at_least_15_mm_with_faces(kiosk_app, screenshot, size, language):
    app = kiosk_app(language=language, size=SIZES[size])
    rate(app)
    rating = app.root.get_screen("rating")
    buttons = rating.buttons()
    dpi = app.cfg.ui.dpi
    for b in buttons:
        assert px_to_mm(min(b.width, b.height), dpi) >= MIN_TARGET_MM, (b.name, b.size)
        assert min(b.size) >= 79 if size == "panel" else True
        x, y = b.to_window(b.x, b.y)
        assert x >= 0 and y >= 0 and x + b.width <= SIZES[size][0] and y + b.height <= SIZES[size][1]
        label = b.children[0]
        assert label.texture_size[0] <= b.width, f"{label.text} is cut off"
    faces = [b.children[1] for b in buttons]
    assert [f.mouth_curve() for f in faces] == [1.0, 0.5, 0.0, -0.5, -1.0]
    if app.portrait:
        ys = [b.y for b in buttons]
        assert ys == sorted(ys, reverse=True), "非常满意 at the top"
    else:
        xs = [b.x for b in buttons]
        assert xs == sorted(xs), "非常满意 on the left"
    prompt = rating.ids.prompt_label.text
    assert prompt == ("请您对我的服务做出评价" if language == "zh_CN" else "Please rate my service")
    assert rating.ids.countdown.text in (("30 秒", "29 秒") if language == "zh_CN" else ("30 s", "29 s"))
    assert 0.9 < rating.fraction <= 1.0
    screenshot(app, f"rating_{language}_{size}")


def test_double_tap_on_a_bad_level_counts_once_and_ticks_no_reason(kiosk_app, tap):
    app = kiosk_app()
    rate(app)
    level_2 = app.root.get_screen("rating").ids.level_2
    tap(level_2)
    assert pump_until(lambda: app.root.current == "reasons", 10)
    reasons = app.root.get_screen("reasons")
    # the same finger bounces 0.15 s later: it lands on a reason toggle of the new screen
    x, y = level_2.to_window(*level_2.center)
    under = [t for t in reasons.toggles.values() if t.collide_point(*t.to_widget(x, y))]
    assert under, "a reason sits where the level button was"
    tap(under[0], after=0.15)
    assert reasons.chosen() == []
    assert app.debouncer.dropped == 1
    tap(under[0], after=1.0)                     # a real tap later counts
    assert reasons.chosen() == [under[0].code]


def test_bouncing_tap_on_a_good_level_stores_one_rating(kiosk_app, tap):
    app = kiosk_app()
    rate(app)
    level_5 = app.root.get_screen("rating").ids.level_5
    tap(level_5)
    tap(level_5, after=0.2)
    tap(level_5, after=0.2)
    assert pump_until(lambda: app.root.current == "thanks", 10)
    assert [r["level"] for r in app.flow.store.all()] == [5]


def test_taps_with_no_case_pending_do_nothing(kiosk_app, tap, caplog):
    app = kiosk_app()
    rating = app.root.get_screen("rating")
    assert app.root.current == "idle"
    rating.tap(4)  # e.g. a stale press delivered after the screen went away
    assert app.flow.store.all() == []
    assert "no case pending" in caplog.text


def test_countdown_and_bar_run_down_with_injected_flow_time(kiosk_app):
    app = kiosk_app(timeout_s=20)
    now = [500.0]
    app.flow.clock = lambda: now[0]
    rate(app)
    rating = app.root.get_screen("rating")
    assert rating.ids.countdown.text == "20 秒" and rating.fraction == pytest.approx(1.0)
    now[0] += 12.5
    assert pump_until(lambda: rating.ids.countdown.text == "8 秒", 10)  # at the next UI pump
    assert rating.fraction == pytest.approx(7.5 / 20)
    now[0] += 8
    assert pump_until(lambda: app.root.current == "idle", 10)
    assert [r["level"] for r in app.flow.store.all()] == [0]
