"""Config pull with ETag/304, set by CLI or admin API; heartbeats and the device list."""
import json

import requests

from sync.device_config import fetch_config
from sync.enrol import Credentials, save_credentials
from sync.heartbeat import HeartbeatSender, build_payload
from sync.wire import CONFIG_PATH, HEARTBEAT_PATH
from tests.server.api.test_devices import kiosk_server

ROSTER = {"hall_name": "市民中心", "window_name": "综合受理",
          "staff": [{"staff_id": "S-017", "name": "王芳", "photo_url": "https://x/p.jpg",
                     "stars": 4}],
          "reasons": ["attitude", "efficiency"], "rating_timeout_s": 20,
          "qr_base_url": "https://pj.example.gov.cn"}


def test_config_set_by_cli_is_pulled_with_etag_and_304_until_it_changes(
        server, db, http, device, tmp_path):
    path = tmp_path / "hall.json"
    path.write_text(json.dumps(ROSTER, ensure_ascii=False), encoding="utf-8")
    done = kiosk_server("set-config", "--hall", "hall01", str(path), db=db[0], schema=db[1])
    assert done.returncode == 0, done.stderr
    first = http.get(server.url + CONFIG_PATH)
    assert first.status_code == 200
    body = first.json()
    assert body["window_name"] == "综合受理" and body["staff"][0]["name"] == "王芳"
    assert body["device_id"] == device.device_id and body["window"] == 3
    etag = first.headers["ETag"]
    again = http.get(server.url + CONFIG_PATH, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    # a window-specific config overrides the hall's; the ETag changes
    path.write_text(json.dumps({**ROSTER, "window_name": "不动产"}), encoding="utf-8")
    done = kiosk_server("set-config", "--hall", "hall01", "--window", "3", str(path), db=db[0],
                        schema=db[1])
    assert done.returncode == 0, done.stderr
    changed = http.get(server.url + CONFIG_PATH, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["window_name"] == "不动产"
    assert changed.headers["ETag"] != etag


def test_invalid_config_file_is_refused_by_the_cli(server, db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"staff": [{"staff_id": "x", "name": "y", "stars": 9}]}))
    done = kiosk_server("set-config", "--hall", "hall01", str(path), db=db[0], schema=db[1])
    assert done.returncode != 0 and "stars" in done.stderr


def test_kiosk_fetches_caches_and_uses_the_cache_offline(server, admin, device, tmp_path):
    resp = admin.put(server.url + "/api/v1/admin/device-config",
                     json={"hall": "hall01", "config": ROSTER})
    assert resp.status_code == 200
    cache = tmp_path / "kiosk" / "device-config.json"
    got = fetch_config(server.url, device.token, cache)
    assert got.source == "server" and got.config["hall_name"] == "市民中心"
    assert fetch_config(server.url, device.token, cache).source == "unchanged"
    offline = fetch_config("http://127.0.0.1:9", device.token, cache, timeout_s=1)
    assert offline.source == "cache" and offline.config == got.config


def test_nothing_is_pushed_before_the_admin_sets_a_config(server, http):
    """Issue 23.2: a hall with no device config pushes no value at all (the kiosk keeps its
    own timeout, reasons, names and QR URL), only who the device is."""
    body = http.get(server.url + CONFIG_PATH).json()
    assert set(body) == {"device_id", "hall", "window"}


def test_only_the_keys_the_admin_set_are_pushed(server, http, admin):
    resp = admin.put(server.url + "/api/v1/admin/device-config", json={
        "hall": "hall01", "config": {"window_name": "综合受理", "qr_base_url": None}})
    assert resp.status_code == 200, resp.text
    body = http.get(server.url + CONFIG_PATH).json()
    assert body["window_name"] == "综合受理"
    for unset in ("rating_timeout_s", "reasons", "qr_base_url", "hall_name"):
        assert unset not in body


def test_heartbeat_is_kept_per_device_and_listed_for_the_admin(server, admin, device, tmp_path):
    token_file = tmp_path / "token.json"
    save_credentials(token_file, Credentials(device.device_id, device.token, device.qr_key))
    sender = HeartbeatSender(server.url, token_file, tmp_path,
                             status_fn=lambda: {"link_state": "up", "backlog": 7})
    assert sender.send_once() and sender.send_once()
    assert abs(sender.clock_offset_s) < 5
    [listed] = admin.get(server.url + "/api/v1/devices").json()["devices"]
    assert listed["device_id"] == device.device_id and listed["last_heartbeat_at"]
    beat = listed["heartbeat"]
    assert beat["link_state"] == "up" and beat["backlog"] == 7 and beat["free_disk_mb"] > 0
    assert beat["uptime_s"] > 0 and abs(beat["server_offset_s"]) < 5


def test_heartbeat_sender_thread_beats_and_stops(server, device, tmp_path):
    from tests.waiting import wait_for

    token_file = tmp_path / "token.json"
    save_credentials(token_file, Credentials(device.device_id, device.token, device.qr_key))
    sender = HeartbeatSender(server.url, token_file, tmp_path, interval_s=0.05).start()
    try:
        wait_for(lambda: sender.sent >= 3)
    finally:
        sender.stop()


def test_heartbeat_payload_is_valid_without_a_server(tmp_path):
    payload = build_payload(tmp_path, link_state="down", backlog=2)
    assert payload["backlog"] == 2 and payload["device_now"].endswith("Z")


def test_heartbeat_needs_a_device_token(server):
    assert requests.post(server.url + HEARTBEAT_PATH, json={}, timeout=5).status_code == 401


def test_a_body_stored_with_empty_defaults_pushes_none_of_them(server, http):
    """A config stored before only-set-values (every field, empty ones included)."""
    body = json.dumps({"hall_name": "", "window_name": "综合受理", "staff": [], "reasons": [],
                       "qr_base_url": ""}, ensure_ascii=False)
    server.store.set_device_config("hall01", 3, body, '"old"', "2026-05-04T00:00:00.000Z")
    pushed = http.get(server.url + CONFIG_PATH).json()
    assert pushed["window_name"] == "综合受理" and pushed["staff"] == []
    assert not {"hall_name", "reasons", "qr_base_url"} & set(pushed)
