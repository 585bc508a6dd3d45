"""Roster and QR URL sources (server cache, local file, pattern) and the QR matrix, decoded."""
from __future__ import annotations

import json
import os
from datetime import date

import pytest

from kiosk.config import Config, Device, Ui, Window
from kiosk.flow import Case, FlowState
from kiosk.roster import PLACEHOLDER, load_site
from kiosk.ui.qr import QrLinks, load_qr_key, qr_matrix


def cfg_for(tmp_path, **ui) -> Config:
    return Config(device=Device(id="hall01-w05", data_dir=str(tmp_path)),
                  window=Window(number=5, name="综合受理", hall_name="市民中心"), ui=Ui(**ui))


def test_placeholder_is_a_png():
    assert PLACEHOLDER.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_local_roster_file(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "1024.png").write_bytes(PLACEHOLDER.read_bytes())
    (tmp_path / "roster.json").write_text(json.dumps({"staff": [
        {"staff_id": "1024", "name": "张敏", "photo": "photos/1024.png", "stars": 5},
        {"staff_id": "1025", "name": "李强", "stars": 9},
        {"name": "no id"}]}, ensure_ascii=False), encoding="utf-8")
    site = load_site(cfg_for(tmp_path))
    assert site.source == "file" and (site.hall_name, site.window_name) == ("市民中心", "综合受理")
    zhang = site.on_duty("1024")
    assert (zhang.name, zhang.stars, zhang.photo) == ("张敏", 5, str(tmp_path / "photos/1024.png"))
    assert site.on_duty("1025").stars == 5 and site.on_duty("1025").photo == str(PLACEHOLDER)
    unknown = site.on_duty("7777")
    assert (unknown.staff_id, unknown.name, unknown.photo) == ("7777", "", str(PLACEHOLDER))
    assert site.on_duty(None) is None


def test_server_config_cache_wins(tmp_path):
    (tmp_path / "roster.json").write_text('{"staff": [{"staff_id": "1", "name": "本地"}]}',
                                          encoding="utf-8")
    (tmp_path / "device-config.json").write_text(json.dumps({"etag": "x", "config": {
        "hall_name": "政务大厅", "window_name": "", "qr_base_url": "https://pj.example.gov.cn",
        "staff": [{"staff_id": "1", "name": "服务器", "photo_url": "https://x/1.png",
                   "stars": 3}]}}, ensure_ascii=False), encoding="utf-8")
    site = load_site(cfg_for(tmp_path, qr_base_url="https://local.example"))
    assert site.source == "server"
    assert (site.hall_name, site.window_name) == ("政务大厅", "综合受理")
    assert site.qr_base_url == "https://pj.example.gov.cn"
    assert site.on_duty("1").name == "服务器" and site.on_duty("1").photo == str(PLACEHOLDER)


def test_broken_files_are_ignored(tmp_path):
    (tmp_path / "roster.json").write_text("{nope", encoding="utf-8")
    site = load_site(cfg_for(tmp_path))
    assert site.staff == {} and site.source == "none"


def state_with_case(ticket="A023", case_id="C1"):
    return FlowState(window=5, case=Case(ticket, case_id, None, "k"))


def test_pattern_url_for_current_then_last_case():
    links = QrLinks("hall01-w05", 5, pattern="https://pj.example.gov.cn/rate?d={device}&w={window}"
                    "&t={ticket}&c={case_id}&day={day}", today=lambda: date(2026, 11, 22))
    assert links.rating_url(FlowState()) is None
    assert links.rating_url(state_with_case()) == (
        "https://pj.example.gov.cn/rate?d=hall01-w05&w=5&t=A023&c=C1&day=2026-11-22")
    last = FlowState(last_rating={"ticket": "B7", "case_id": None}, qr_until=1.0)
    assert links.rating_url(last).endswith("t=B7&c=&day=2026-11-22")
    # Its time on screen is up, or the next number was called (issue 23.3): no code.
    assert links.rating_url(FlowState(last_rating={"ticket": "B7", "case_id": None})) is None


def test_signed_url_verifies_with_the_key():
    from sync.wire.qr_token import read_qr_token, verify_qr_token

    links = QrLinks("hall01-w05", 5, base_url="https://pj.example.gov.cn", key="k" * 32)
    url = links.rating_url(state_with_case())
    assert url.startswith("https://pj.example.gov.cn/r/v1.")
    token = url.rsplit("/", 1)[1]
    payload = read_qr_token(token)
    assert (payload["d"], payload["t"], payload["c"], payload["w"]) == ("hall01-w05", "A023", "C1", 5)
    verify_qr_token(token, "k" * 32)


def test_qr_key_from_the_token_file(tmp_path):
    cfg = cfg_for(tmp_path)
    assert load_qr_key(cfg) is None
    path = tmp_path / "device-token.json"
    path.write_text(json.dumps({"device_id": "d", "token": "t", "qr_key": "secret"}))
    os.chmod(path, 0o600)
    assert load_qr_key(cfg) == "secret"


def test_qr_matrix_decodes_to_the_url():
    pyzbar = pytest.importorskip("pyzbar.pyzbar")
    url = "https://pj.example.gov.cn/r/v1.eyJkIjoiaGFsbDAxIn0.abc"
    rows = qr_matrix(url)
    scale = 4
    pixels = bytes(0 if rows[y // scale][x // scale] else 255
                   for y in range(len(rows) * scale) for x in range(len(rows) * scale))
    [found] = pyzbar.decode((pixels, len(rows) * scale, len(rows) * scale))
    assert found.data.decode() == url
