"""[rating] trigger set from the server's device config (only when set: an unset value stays the
kiosk's own), applied live: the 请评价 long poll starts for business/both and stops for queue,
and the technician's lines say where the value comes from."""
from drivers.events import Call, Done
from kiosk import settings
from kiosk.flow import Mode
from sync.prompts import Prompt
from tests.kiosk.test_config_pull import kiosk, server, set_config  # noqa: F401 - fixtures
from tests.kiosk.test_services import pump_until

PROMPT = Prompt("330100202611020003", "330100-000-XK-001", "个体工商户登记")


def test_server_sets_the_trigger_live_and_the_poll_follows(tmp_path, server, kiosk):
    cfg, start = kiosk
    services = start()
    pump_until(services, lambda: services.config_status()["origin"] == "server")
    assert services.flow.trigger == "queue" and services.prompt_poller._thread is None
    assert [(s.value, s.origin) for s in settings.in_force(cfg, services.pushed)
            if s.key == "rating_trigger"] == [("queue", settings.DEFAULT)]
    # ... and the technician's line says so, in the kiosk's language (another test may have
    # left it Chinese).
    assert (("Rating trigger", "queue system  (built-in default)") in services.settings()
            or ("评价触发", "排队叫号系统（内置默认值）") in services.settings())

    set_config(server.db_path, tmp_path, {"rating_trigger": "business"})
    services.config_puller.wake()
    pump_until(services, lambda: services.flow.trigger == "business")
    assert services.prompt_poller._thread is not None  # holding its long poll
    origin = [s.origin for s in settings.in_force(cfg, services.pushed)
              if s.key == "rating_trigger"]
    assert origin == [settings.SERVER]
    services.flow.handle(Call("A001"))
    services.flow.handle(Done("A001"))
    assert services.flow.state.mode is Mode.IDLE  # the queue no longer opens the screen
    services.prompt_poller.prompts.put(PROMPT)
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    assert services.flow.state.case.item_name == "个体工商户登记"

    set_config(server.db_path, tmp_path, {"window_name": "综合受理"})  # trigger unset again
    services.config_puller.wake()
    pump_until(services, lambda: services.flow.trigger == "queue")
    assert services.prompt_poller._thread is None


def test_a_value_the_kiosk_cannot_use_is_ignored_like_an_unset_one(tmp_path):
    from kiosk import config

    cfg = config.parse('[rating]\ntrigger = "both"\n')
    [trigger] = [s for s in settings.in_force(cfg, {"rating_trigger": "sometimes"})
                 if s.key == "rating_trigger"]
    assert (trigger.value, trigger.origin) == ("both", settings.FILE)
