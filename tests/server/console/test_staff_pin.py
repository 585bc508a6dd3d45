"""Issue 27 item 2: the hall supervisor sets a staff member's kiosk PIN in the console (over
HTTP, on both stores); a real kiosk pulls it with its device config and signs the member in
with it, offline. Only a salted hash is stored and sent, the audit says who set whose PIN
without the PIN, a made-up PIN is shown once, and an unset PIN stays unset on the kiosk."""
import json
import os
import re
import stat
import time

import pytest

from kiosk import config
from kiosk.services import Services
from server.api.enrol import create_code
from server.db import audit
from sync.enrol import enrol
from tests.server.console.conftest import login, post_form

HALL = "/console/org/halls/H01"
ACTION = HALL + "/staff-pin"


def kiosk_for(tmp_path, server, window=1):
    cfg = config.parse(f'[device]\nid = "pin-kiosk"\ndata_dir = "{tmp_path}"\n'
                       f'[window]\nnumber = {window}\n[server]\nurl = "{server.url}"\n')
    enrol(server.url, create_code(server.store, "H01", window).code, token_file=cfg.token_path)
    return cfg


def pulled(services, predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        services.pump()
        if predicate():
            return True
        time.sleep(0.02)
    raise AssertionError("the kiosk did not get the config")


def test_a_pin_set_in_the_console_signs_in_at_the_kiosk(console_both, tmp_path):
    server = console_both
    sup = login(server, "sup1")
    r = post_form(sup, server, HALL, ACTION, {"staff_id": "S002", "pin": "2580",
                                              "action": "set"})
    assert r.status_code == 303
    page = sup.get(f"{server.url}{HALL}").text
    assert "2580" not in page and "S002 · 李四 · " in page          # marked as set, not shown
    # Stored as a salted scrypt hash only.
    with server.store.transaction(write=False) as tx:
        stored = tx.one("SELECT pin_hash FROM staff_pins WHERE staff_id = ?", ["S002"])[0]
    assert stored.startswith("scrypt$") and "2580" not in stored
    entry = next(e for e in audit.entries(server.store, 20)[0] if e["action"] == "org.staff.pin")
    assert entry["actor"] == "user:sup1" and entry["target"] == "staff:S002"
    assert "2580" not in json.dumps(entry) and stored not in json.dumps(entry)

    cfg = kiosk_for(tmp_path, server)
    services = Services(cfg)
    services.start()
    try:
        pulled(services, lambda: "S002" in services.site.staff)
        assert services.site.staff["S002"].pin_hash == stored
        assert services.site.staff["S001"].pin_hash == ""            # unset stays unset
        cache = cfg.config_cache_path
        assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
        sent = json.loads(cache.read_text(encoding="utf-8"))["config"]["staff"]
        assert [("pin_hash" in s) for s in sent] == [False, True]   # S001 unset, S002 set
        # Checked on the kiosk against the pulled hash (no request to the server).
        assert not services.signin.try_pin("S002", "0852").ok
        assert services.signin.try_pin("S002", "2580").ok
        assert services.flow.state.staff_id == "S002"
    finally:
        services.stop()


def test_a_made_up_pin_is_shown_once_and_clearing_it_takes_it_off_the_kiosk(console_both,
                                                                             tmp_path):
    server = console_both
    sup = login(server, "sup1")
    r = post_form(sup, server, HALL, ACTION, {"staff_id": "S003", "action": "generate"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    shown = re.search(r'id="pin-shown"[^>]*>[^<]*?(\d{6})', r.text)
    assert shown, r.text[:500]
    pin = shown.group(1)
    assert pin not in sup.get(f"{server.url}{HALL}").text            # never again
    cfg = kiosk_for(tmp_path, server, window=3)
    services = Services(cfg)
    services.start()
    try:
        pulled(services, lambda: services.site.staff.get("S003") is not None
               and services.site.staff["S003"].pin_hash != "")
        assert services.signin.try_pin("S003", pin).ok
        r = post_form(sup, server, HALL, ACTION, {"staff_id": "S003", "action": "clear"})
        assert r.status_code == 303
        services.config_puller.wake()
        pulled(services, lambda: services.site.staff["S003"].pin_hash == "")
        assert not services.signin.try_pin("S003", pin).ok
    finally:
        services.stop()


@pytest.mark.parametrize("pin", ["123", "1234567", "12a4", "１２３４"])
def test_a_bad_pin_is_refused_beside_the_field(console_both, pin):
    server = console_both
    sup = login(server, "sup1")
    r = post_form(sup, server, HALL, ACTION, {"staff_id": "S001", "pin": pin, "action": "set"})
    assert r.status_code == 400
    assert re.search(r'name="pin"[^>]*aria-invalid="true"', r.text)
    with server.store.transaction(write=False) as tx:
        assert tx.one("SELECT count(*) FROM staff_pins WHERE staff_id = 'S001'")[0] == 0


def test_only_the_halls_own_supervisor_sets_its_pins(console_both):
    server = console_both
    other = login(server, "sup2")                 # H02's supervisor
    r = post_form(other, server, "/console/org/halls/H02", ACTION,
                  {"staff_id": "S001", "pin": "1111", "action": "set"})
    assert r.status_code == 403
    sup2_own = post_form(other, server, "/console/org/halls/H02",
                         "/console/org/halls/H02/staff-pin",
                         {"staff_id": "S001", "pin": "1111", "action": "set"})
    assert sup2_own.status_code == 403            # S001 works in H01, not H02
    staff = login(server, "staff1", lands="/console/")
    r = post_form(staff, server, "/console/", ACTION, {"staff_id": "S001", "pin": "1111",
                                                       "action": "set"})
    assert r.status_code == 403
    with server.store.transaction(write=False) as tx:
        assert tx.one("SELECT count(*) FROM staff_pins WHERE staff_id = 'S001'")[0] == 0
