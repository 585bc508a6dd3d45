"""Issue 23.3: a stranger cannot rate someone else's case by phone. A kiosk driven by the queue
system over a pty (line dialect), enrolled with a real ServerThread on loopback, signs the QR
code of a case its citizen walked away from; the next call takes the code off the screen, and
the server's phone page refuses a code past its validity ([ui] qr_ttl_s, 10 min by default)."""
import time

import pytest
import requests

from drivers.events import Call, Done
from drivers.sim.session import SimSession
from kiosk import config
from kiosk.flow import Mode
from kiosk.services import Services
from kiosk.ui.qr import QrLinks, case_of, load_qr_key
from server.api.enrol import create_code
from server.runner import ServerThread
from sync.enrol import enrol
from tests.kiosk.test_services import pump_until

ADMIN = "phone-qr-admin-token"


@pytest.fixture
def setup(tmp_path):
    server = ServerThread(tmp_path / "server.db", open_ingest=False, admin_token=ADMIN).start()
    sim = SimSession("line", window=5).start()
    started = []

    def kiosk():
        token_file = tmp_path / "kiosk" / "device-token.json"
        creds = enrol(server.url, create_code(server.store, "H01", 5).code, token_file=token_file)
        cfg = config.parse(
            f'[device]\nid = "{creds.device_id}"\ndata_dir = "{tmp_path / "kiosk"}"\n'
            f'[window]\nnumber = 5\n[queue]\nurl = "{sim.port_paths[0]}"\ndialect = "line"\n'
            f'[ui]\nqr_base_url = "{server.url}"\n')
        services = Services(cfg)
        services.start()
        started.append(services)
        pump_until(services, lambda: services.flow.state.link.value == "connected")
        return cfg, services

    yield server, sim, kiosk
    for services in started:
        services.stop()
    sim.stop()
    server.stop()


def phone_ratings(server):
    rows = requests.get(server.url + "/api/v1/ratings", params={"limit": 100}, timeout=5,
                        headers={"Authorization": f"Bearer {ADMIN}"}).json()["ratings"]
    return [r for r in rows if r["source"] == "phone"]


def walk_away(services, sim, ticket):
    """The queue system calls and completes `ticket`; nobody answers the rating screen."""
    sim.send(Call(ticket))
    sim.send(Done(ticket, "C-" + ticket))
    pump_until(services, lambda: services.flow.state.mode is Mode.RATING)
    services.flow.clock = lambda: time.monotonic() + 31  # the 30 s rating timeout passes
    pump_until(services, lambda: services.flow.state.mode is Mode.IDLE)


def test_the_next_call_takes_the_walked_away_citizens_code_off_the_screen(setup):
    server, sim, kiosk = setup
    cfg, services = kiosk()
    links = QrLinks(cfg.device.id, 5, services.site.qr_base_url, load_qr_key(cfg),
                    ttl_s=cfg.ui.qr_ttl_s)
    walk_away(services, sim, "A001")
    url = links.rating_url(services.flow.state)
    assert url and case_of(services.flow.state) == ("A001", "C-A001")
    assert requests.get(url, timeout=5).status_code == 200  # the citizen may still rate it
    sim.send(Call("A002"))  # the next citizen is called to the window
    pump_until(services, lambda: services.flow.state.calling == "A002")
    assert case_of(services.flow.state) is None
    assert links.rating_url(services.flow.state) is None, "the stranger sees no code"


def test_with_nobody_called_the_code_leaves_after_qr_show_s(setup):
    server, sim, kiosk = setup
    cfg, services = kiosk()
    walk_away(services, sim, "A001")
    assert case_of(services.flow.state) is not None
    services.flow.clock = lambda: time.monotonic() + 31 + cfg.ui.qr_show_s + 1
    pump_until(services, lambda: case_of(services.flow.state) is None)
    assert cfg.ui.qr_show_s == 180  # a few minutes, unless [ui] qr_show_s says otherwise


def test_the_server_refuses_the_code_once_it_expired_with_a_clear_page(setup):
    server, sim, kiosk = setup
    cfg, services = kiosk()
    # The kiosk made this case's code 10 minutes and a second ago (its default validity).
    links = QrLinks(cfg.device.id, 5, services.site.qr_base_url, load_qr_key(cfg),
                    ttl_s=cfg.ui.qr_ttl_s, wall_clock=lambda: time.time() - 601)
    walk_away(services, sim, "A001")
    url = links.rating_url(services.flow.state)
    page = requests.get(url, timeout=5)
    assert page.status_code == 410 and "已过期" in page.text and "未记录任何评价" in page.text
    sent = requests.post(url, data={"level": "1"}, timeout=5)
    assert sent.status_code == 410 and "他人" in sent.text
    assert "nobody else can rate it" in requests.get(url + "?lang=en", timeout=5).text
    assert phone_ratings(server) == []
    fresh = QrLinks(cfg.device.id, 5, services.site.qr_base_url, load_qr_key(cfg),
                    ttl_s=cfg.ui.qr_ttl_s).rating_url(services.flow.state)
    assert requests.post(fresh, data={"level": "4"}, timeout=5).status_code == 200
    assert [r["level"] for r in phone_ratings(server)] == [4]
