"""Rating by phone through a signed QR token: genuine, forged, expired, reused; first wins."""
import re
import time
from datetime import date

import requests

from sync.wire import BATCH_PATH
from sync.wire.qr_token import make_qr_token, make_qr_url
from tests.server.conftest import ADMIN_TOKEN

DAY = date(2026, 5, 4)


def ratings(server):
    return requests.get(server.url + "/api/v1/ratings", params={"limit": 1000}, timeout=5,
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()["ratings"]


def url_for(server, device, ticket="A023", case_id="C1", ttl_s=600, **kw):
    return make_qr_url(server.url, device.device_id, device.qr_key, ticket, case_id, ttl_s,
                       window=3, day=DAY, **kw)


def test_genuine_code_shows_the_five_levels_in_chinese_and_english(server, device):
    url = url_for(server, device)
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert name in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    english = requests.get(url + "?lang=en", timeout=5).text
    assert "Very dissatisfied" in english and "非常满意" not in english


def test_phone_rating_is_stored_once_and_a_reused_code_stores_nothing_more(server, device):
    url = url_for(server, device)
    done = requests.post(url, data={"level": "2", "reasons": ["attitude", "efficiency"]},
                         timeout=5)
    assert done.status_code == 200 and "感谢您的评价" in done.text
    again = requests.post(url, data={"level": "5"}, timeout=5)
    assert "已经评价过" in again.text
    assert "已经评价过" in requests.get(url, timeout=5).text
    [row] = ratings(server)
    assert row["source"] == "phone" and row["level"] == 2
    assert row["reasons"] == ["attitude", "efficiency"]
    assert row["case_key"] == f"{DAY.isoformat()}/3/A023/C1" and row["time_trusted"] is True


def test_forged_code_gets_a_clear_page_and_nothing_is_stored(server, device, enrolled):
    other = enrolled(window=4)
    forged = make_qr_token(device.device_id, other.qr_key, "A023", "C1", 600)  # wrong key
    resp = requests.post(f"{server.url}/r/{forged}", data={"level": "1"}, timeout=5)
    assert resp.status_code == 403 and "未记录任何评价" in resp.text
    genuine = url_for(server, device)
    payload, sig = genuine.rsplit(".", 1)
    tampered = payload + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    assert requests.get(tampered, timeout=5).status_code == 403
    assert requests.get(f"{server.url}/r/not-a-token", timeout=5).status_code == 400
    assert ratings(server) == []


def test_expired_code_gets_a_clear_page_and_nothing_is_stored(server, device):
    token = make_qr_token(device.device_id, device.qr_key, "A023", "C1", ttl_s=60,
                          now=time.time() - 120)
    resp = requests.post(f"{server.url}/r/{token}", data={"level": "5"}, timeout=5)
    assert resp.status_code == 410 and "已过期" in resp.text
    # Issue 23.3: it says why (nobody else may rate the visit), that nothing was recorded,
    # and where to rate instead; Chinese first.
    assert "防止他人代为评价" in resp.text and "未记录任何评价" in resp.text
    assert "窗口的评价器" in resp.text
    assert ratings(server) == []


def test_kiosk_first_then_phone_keeps_the_kiosk_rating_and_the_phone_one_superseded(
        server, http, device, make_rating):
    key = f"{DAY.isoformat()}/3/A023/C1"
    kiosk = make_rating(level=4, ticket="A023", case_id="C1", case_key=key)
    assert http.post(server.url + BATCH_PATH, json={"ratings": [kiosk]}).json()[
        "results"][0]["status"] == "accepted"
    resp = requests.post(url_for(server, device), data={"level": "1"}, timeout=5)
    assert "已在窗口评价" in resp.text
    rows = {r["source"]: r for r in ratings(server)}
    assert rows["kiosk"]["superseded"] is False and rows["phone"]["superseded"] is True


def test_phone_first_then_kiosk_keeps_the_phone_rating(server, http, device, make_rating):
    requests.post(url_for(server, device), data={"level": "5"}, timeout=5)
    kiosk = make_rating(level=3, ticket="A023", case_id="C1",
                        case_key=f"{DAY.isoformat()}/3/A023/C1")
    result = http.post(server.url + BATCH_PATH, json={"ratings": [kiosk]}).json()["results"][0]
    assert result["status"] == "accepted" and result["reason"].startswith("superseded")
    rows = {r["source"]: r for r in ratings(server)}
    assert rows["phone"]["superseded"] is False and rows["kiosk"]["superseded"] is True


def test_phone_rating_takes_a_case_the_kiosk_timed_out_on(server, http, device, make_rating):
    key = f"{DAY.isoformat()}/3/A023/C1"
    timeout = make_rating(level=0, ticket="A023", case_id="C1", case_key=key)
    http.post(server.url + BATCH_PATH, json={"ratings": [timeout]})
    assert "感谢" in requests.post(url_for(server, device), data={"level": "4"}, timeout=5).text
    rows = {r["source"]: r for r in ratings(server)}
    assert rows["phone"]["superseded"] is False and rows["kiosk"]["superseded"] is True


def test_page_escapes_everything_it_shows(server, device):
    token = make_qr_token(device.device_id, device.qr_key, '<script>"x"</script>', "C1", 600)
    page = requests.get(f"{server.url}/r/{token}", timeout=5).text
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_bad_form_is_refused_and_nothing_is_stored(server, device):
    url = url_for(server, device)
    for data in ({}, {"level": "9"}, {"level": "x"}, {"level": "1", "reasons": "<b>"}):
        assert requests.post(url, data=data, timeout=5).status_code == 400
    assert ratings(server) == []


def test_revoked_device_codes_no_longer_work(server, device):
    url = url_for(server, device)
    server.store.revoke_device(device.device_id, "2026-01-01T00:00:00.000Z")
    assert requests.get(url, timeout=5).status_code == 403
    assert re.search(r"/r/v1\.", url)


def test_a_code_naming_another_window_than_the_kiosks_is_refused(server, device):
    """Issue 24.8: a window-3 kiosk's key signs a code for window 999: nothing is stored or
    counted, as an upload for another window is refused (ingest.window_mismatch)."""
    wrong = make_qr_url(server.url, device.device_id, device.qr_key, "A023", "C1", 600,
                        window=999, day=DAY)
    assert requests.get(wrong, timeout=5).status_code == 403
    resp = requests.post(wrong, data={"level": "1"}, timeout=5)
    assert resp.status_code == 403 and "未记录任何评价" in resp.text
    assert ratings(server) == []
    right = requests.post(url_for(server, device), data={"level": "4"}, timeout=5)
    assert right.status_code == 200 and [r["window"] for r in ratings(server)] == [3]
