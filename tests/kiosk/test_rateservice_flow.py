"""Issue 26 item 7: a hall running JackQChen/QueueSystem swaps its RateService tablets for the
kiosk. The emulated service pushes a RateQuest; the kiosk's flow (no UI) rates it, and the
service gets RateSubmit with that rateId and the level in all four dimensions."""
import pytest

from drivers.sim.rateservice import RateServiceEmulator
from kiosk import config
from kiosk.flow import Mode
from kiosk.services import Services
from tests.kiosk.test_services import pump_until


def rateservice_cfg(tmp_path, url, extra=""):
    return config.parse(
        f'[device]\nid = "dev-5"\ndata_dir = "{tmp_path}"\n[window]\nnumber = 5\n'
        f'[queue]\nurl = "{url}"\ndialect = "rateservice"\nrateservice_user = "0101"\n{extra}')


@pytest.fixture
def hall(tmp_path):
    service = RateServiceEmulator(users={"05": {"0101"}}).start()
    services = Services(rateservice_cfg(tmp_path, service.url, 'rateservice_window = "05"\n'))
    services.start()
    pump_until(services, lambda: services.flow.state.link.value == "connected")
    yield service, services
    services.stop()
    service.stop()


def test_a_rate_quest_is_rated_on_the_kiosk_and_submitted(hall):
    service, services = hall
    service.quest("05", "20261207093001", transactor="李四", item="营业执照变更登记",
                  date="2026-12-07")
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    assert services.flow.state.case.case_id == "20261207093001"
    services.flow.tap_level(5)
    rows = services.store.all()
    assert [(r["case_id"], r["level"]) for r in rows] == [("20261207093001", 5)]
    assert "李四" not in repr(rows)
    pump_until(services, lambda: service.stored)
    submit = service.stored[0].submit
    assert (submit.rate_id, submit.attitude, submit.quality, submit.efficiency,
            submit.honest) == ("20261207093001", 5, 5, 5, 5)


def test_a_bad_review_is_submitted_after_its_reasons(hall):
    service, services = hall
    service.quest("05", "Q2")
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    services.flow.tap_level(1)
    assert services.flow.state.mode is Mode.REASONS and not service.stored
    services.flow.submit_reasons(["attitude"])
    pump_until(services, lambda: service.stored)
    assert service.stored[0].submit == service.stored[0].submit.__class__("Q2", 1, 1, 1, 1)


def test_pause_from_the_service_pauses_the_kiosk(hall):
    service, services = hall
    service.operate("05", "Pause")
    pump_until(services, lambda: services.flow.state.paused)
    service.operate("05", "Reset")
    pump_until(services, lambda: not services.flow.state.paused)


def test_the_kiosk_reconnects_after_the_service_restarts(hall):
    service, services = hall
    service.stop()
    pump_until(services, lambda: services.flow.state.link.value == "disconnected")
    service.start()
    pump_until(services, lambda: services.flow.state.link.value == "connected", timeout=20)
    service.quest("05", "Q3")
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    services.flow.tap_level(4)
    pump_until(services, lambda: service.stored)
    assert service.stored[0].submit.rate_id == "Q3"


@pytest.mark.parametrize("queue,error", [
    ('url = "ws://127.0.0.1:1"\ndialect = "rateservice"',
     "[queue] rateservice_user must be set for the rateservice dialect"),
    ('url = "/dev/ttyUSB0"\ndialect = "rateservice"\nrateservice_user = "1"',
     "should be a ws:// or wss:// URL for the rateservice dialect"),
    ('url = "ws://127.0.0.1:1"\ndialect = "line"',
     "should be a pyserial URL (not ws://) for the line, frame and caller68 dialects"),
    ('rateservice_window = "0 5"', "should be up to 32 characters without spaces"),
    ('caller68_result_keys = [0, 1, 2, 3]',
     "should be a list of 5 evaluator keys 0..3, for levels 1..5"),
    ('caller68_wires = 1', "[queue] caller68_wires = 1 should be 2 or 4"),
])
def test_bad_queue_settings_name_the_key(queue, error):
    with pytest.raises(config.ConfigError) as exc:
        config.parse(f"[queue]\n{queue}\n", "kiosk.toml")
    assert error in str(exc.value) and str(exc.value).startswith("kiosk.toml: [queue]")
