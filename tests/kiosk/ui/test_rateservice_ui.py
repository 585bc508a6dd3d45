"""Issue 26 item 7 end to end in the real kiosk window (Kivy on Xvfb): the emulated RateService
pushes a RateQuest, the rating screen opens, a touch on 非常满意 answers with RateSubmit."""
from __future__ import annotations

import dataclasses

import pytest

from drivers.sim.rateservice import RateServiceEmulator
from kiosk.config import Queue
from tests.kiosk.conftest import FakeClock, kiosk_config


@pytest.fixture
def service():
    emu = RateServiceEmulator(users={"5": {"0101"}}).start()
    yield emu
    emu.stop()


def test_a_rate_quest_is_rated_by_touch_and_submitted(display, tmp_path, service, tap,
                                                      screenshot):
    from kivy.app import App

    from kiosk.ui.app import embedded, pump_until

    cfg = dataclasses.replace(kiosk_config(tmp_path / "kiosk"), queue=Queue(
        url=service.url, dialect="rateservice", rateservice_user="0101"))
    app = embedded(cfg)
    app.ui_clock = FakeClock()
    try:
        assert pump_until(lambda: app.root.current == "idle" and service.windows() == ["5"], 10)
        assert service.quest("5", "20261207101500", transactor="王五", item="社保卡申领") == 1
        assert pump_until(lambda: app.root.current == "rating", 10)
        screenshot(app, "rating")
        tap(app.root.get_screen("rating").ids.level_5)
        assert pump_until(lambda: service.stored, 10)
        submit = service.stored[0].submit
        assert (submit.rate_id, submit.attitude, submit.quality, submit.efficiency,
                submit.honest) == ("20261207101500", 5, 5, 5, 5)
        assert app.root.current == "thanks"
    finally:
        App.get_running_app().stop_services()
