"""Enrolment, device tokens, revocation and who may write which ratings (real server and db)."""
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import requests

from server.api.enrol import create_code
from sync.enrol import EnrolError, enrol
from sync.wire import BATCH_PATH
from tests.server.conftest import ADMIN_TOKEN, session_with

DEVICES = "/api/v1/devices"


def kiosk_server(*args, db, schema=None):
    env = dict(os.environ)
    if schema:  # the CLI reaches a schema through libpq's options
        env["PGOPTIONS"] = f"-c search_path={schema}"
    return subprocess.run([sys.executable, "-m", "server.cli", *args, "--db", db],
                          capture_output=True, text=True, timeout=60, env=env)


def test_cli_enrol_code_is_redeemed_once_for_a_device_of_that_hall_and_window(server, db):
    done = kiosk_server("enrol-code", "--hall", "hallA", "--window", "7", "--json", db=db[0],
                        schema=db[1])
    assert done.returncode == 0, done.stderr
    code = json.loads(done.stdout)
    assert code["hall"] == "hallA" and code["window"] == 7
    out = enrol(server.url, code["code"].lower())  # case and dashes do not matter
    assert out.device_id.startswith("hallA-w007-")
    assert out.hall == "hallA" and out.window == 7 and len(out.token) >= 40
    with pytest.raises(EnrolError, match="403"):
        enrol(server.url, code["code"])


def test_expired_or_unknown_code_is_refused(server):
    old = create_code(server.store, "hallA", None, ttl_hours=1,
                      now=datetime.now(timezone.utc) - timedelta(hours=2))
    for code in (old.code, "AAAA-BBBB-CCCC-DDDD"):
        resp = requests.post(server.url + "/api/v1/enrol", json={"code": code}, timeout=5)
        assert resp.status_code == 403 and "expired" in resp.json()["error"]


def test_server_keeps_only_hashes_of_codes_and_tokens(server, device):
    with server.store.transaction(write=False) as tx:
        dump = repr(tx.all("SELECT * FROM devices")) + repr(tx.all("SELECT * FROM enrol_codes"))
    assert device.token not in dump


def test_upload_without_or_with_a_wrong_token_is_401(server, make_rating):
    batch = {"ratings": [make_rating()]}
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic x"}):
        resp = requests.post(server.url + BATCH_PATH, json=batch, headers=headers, timeout=5)
        assert resp.status_code == 401
        assert resp.headers["www-authenticate"] == "Bearer"


def test_revoked_device_gets_401_and_other_devices_carry_on(server, db, enrolled, make_rating):
    victim, other = enrolled(), enrolled()
    with session_with(victim.token) as s:
        ok = s.post(server.url + BATCH_PATH,
                    json={"ratings": [make_rating(device_id=victim.device_id)]})
        assert ok.status_code == 200
    done = kiosk_server("revoke", victim.device_id, db=db[0], schema=db[1])
    assert done.returncode == 0, done.stderr
    with session_with(victim.token) as s:
        resp = s.post(server.url + BATCH_PATH,
                      json={"ratings": [make_rating(device_id=victim.device_id)]})
        assert resp.status_code == 401 and resp.json()["error"] == "device revoked"
        assert s.get(server.url + "/api/v1/device/config").status_code == 401
    with session_with(other.token) as s:
        resp = s.post(server.url + BATCH_PATH,
                      json={"ratings": [make_rating(device_id=other.device_id)]})
        assert resp.json()["results"][0]["status"] == "accepted"
    again = kiosk_server("revoke", victim.device_id, db=db[0], schema=db[1])
    assert again.returncode != 0 and "already revoked" in again.stderr


def test_a_device_cannot_write_another_devices_ratings(server, http, enrolled, make_rating):
    other = enrolled(window=4)
    mine, forged = make_rating(), make_rating(device_id=other.device_id)
    resp = http.post(server.url + BATCH_PATH, json={"ratings": [mine, forged]})
    assert resp.status_code == 200
    [ok, refused] = resp.json()["results"]
    assert ok["status"] == "accepted"
    assert refused["status"] == "rejected" and "is not this device" in refused["reason"]
    listed = requests.get(server.url + "/api/v1/ratings", timeout=5,
                          headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    assert [r["uuid"] for r in listed["ratings"]] == [mine["uuid"]]


def test_admin_endpoints_need_the_admin_token_not_a_device_token(server, http, admin):
    assert http.get(server.url + DEVICES).status_code == 401
    assert requests.get(server.url + DEVICES, timeout=5).status_code == 401
    assert http.get(server.url + "/api/v1/ratings").status_code == 401
    assert admin.get(server.url + DEVICES).status_code == 200


def test_admin_api_makes_codes_and_revokes(server, admin):
    resp = admin.post(server.url + "/api/v1/admin/enrol-codes",
                      json={"hall": "hallB", "window": 2, "ttl_hours": 1})
    assert resp.status_code == 200
    out = enrol(server.url, resp.json()["code"])
    listed = admin.get(server.url + DEVICES).json()["devices"]
    assert [d["device_id"] for d in listed] == [out.device_id]
    assert admin.post(f"{server.url}/api/v1/admin/devices/{out.device_id}/revoke").json()["ok"]
    assert admin.post(f"{server.url}/api/v1/admin/devices/{out.device_id}/revoke"
                      ).status_code == 404
    assert admin.get(server.url + DEVICES).json()["devices"][0]["revoked_at"]
    bad = admin.post(server.url + "/api/v1/admin/enrol-codes", json={"hall": "bad hall!"})
    assert bad.status_code == 422


def test_token_file_is_private_and_holds_no_secret_in_its_repr(server, tmp_path):
    from sync.enrol import load_credentials

    code = create_code(server.store, "hallC", 1).code
    path = tmp_path / "kiosk" / "device-token.json"
    out = enrol(server.url, code, token_file=path)
    assert (path.stat().st_mode & 0o777) == 0o600
    creds = load_credentials(path)
    assert creds.token == out.token and out.token not in repr(creds)
    path.chmod(0o644)
    with pytest.raises(EnrolError, match="chmod 600"):
        load_credentials(path)
