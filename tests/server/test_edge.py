"""The HTTP edge (server/edge.py) against a real server: oversized bodies refused with 413
before they are read (declared or chunked), /r/ headers and cross-site refusal, rate limits
with slow-down, and no phone token in any log line."""
import socket
import subprocess
import sys
import time

import pytest
import requests

from server import edge
from sync.wire.qr_token import make_qr_url
from tests.server.conftest import ADMIN_TOKEN

ENDPOINTS = {  # path -> the limit it must enforce
    "/api/v1/enrol": 1024,
    "/api/v1/device/heartbeat": 8 * 1024,
    "/api/v1/admin/device-config": 512 * 1024,
    "/r/v1.e30.AAAA": 8 * 1024,
    "/api/v1/ratings/batch": 2 * 1024 * 1024,
    "/console/login": 4096 * 1024,
}


def _raw(server, request: bytes, then: bytes = b"", wait_s: float = 5.0) -> bytes:
    """Send a request head (and maybe some body) on a raw socket; what came back."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait_s) as sock:
        sock.sendall(request + then)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return out


@pytest.mark.parametrize("path", ENDPOINTS, ids=ENDPOINTS)
def test_declared_oversized_body_is_413_before_a_byte_is_read(server, path):
    started = time.monotonic()
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {100 * 1024 * 1024}\r\n\r\n").encode()
    answer = _raw(server, head)  # no body at all: the answer cannot depend on reading it
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # Answered without the body: nowhere near the 30 s body deadline (a hang bound, not a goal).
    assert b'"body too large"' in answer and time.monotonic() - started < 10


@pytest.mark.parametrize("path", [p for p in ENDPOINTS if not p.startswith("/console")])
def test_chunked_oversized_body_is_413_json(server, device, path):
    limit = ENDPOINTS[path]
    if path.startswith("/r/"):
        path = make_qr_url("", device.device_id, device.qr_key, "A1", "C1", 600, window=3)
    token = ADMIN_TOKEN if "admin" in path else device.token
    chunks = (b" " * 16384 for _ in range(limit // 16384 + 8))  # bounded, no Content-Length
    send = requests.put if "device-config" in path else requests.post
    resp = send(server.url + path, data=chunks, timeout=10,
                         headers={"Content-Type": "application/json",
                                  "Authorization": f"Bearer {token}"})
    assert resp.status_code == 413 and resp.json() == {"error": "body too large",
                                                       "max_bytes": limit}


def test_answer_before_the_body_closes_the_connection(server):
    """An error sent before the body was read closes the connection instead of draining an
    endless upload."""
    answer = _raw(server, b"POST /r/not-a-token HTTP/1.1\r\nHost: x\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n", then=b"4000\r\n" + b" " * 64)
    assert answer.startswith(b"HTTP/1.1 400") and b"connection: close" in answer.lower()


def test_small_bodies_still_pass(server, device):
    resp = requests.post(server.url + "/api/v1/device/heartbeat", json={"version": "1"},
                         headers={"Authorization": f"Bearer {device.token}"}, timeout=5)
    assert resp.status_code == 200


def test_phone_page_cannot_be_framed_sniffed_or_leak_its_token(server, device):
    url = make_qr_url(server.url, device.device_id, device.qr_key, "A1", "C1", 600, window=3)
    resp = requests.get(url, timeout=5)
    assert resp.status_code == 200
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert "default-src 'none'" in resp.headers["content-security-policy"]
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "https://evil.example"}, {"Origin": "null"}],
                         ids=["sec-fetch-site", "foreign origin", "null origin"])
def test_cross_site_post_to_phone_page_is_refused(server, device, headers):
    url = make_qr_url(server.url, device.device_id, device.qr_key, "A1", "C1", 600, window=3)
    resp = requests.post(url, data={"level": "1", "reasons": ["attitude"]}, headers=headers,
                         timeout=5)
    assert resp.status_code == 403
    assert server.store.count() == 0
    same = {"Sec-Fetch-Site": "same-origin", "Origin": server.url}
    assert requests.post(url, data={"level": "5"}, headers=same, timeout=5).status_code == 200
    assert server.store.count() == 1


def test_enrolment_slows_down_then_refuses_per_address(server, monkeypatch):
    monkeypatch.setitem(edge.RATE_LIMITS, "/api/v1/enrol",
                        edge.Rate(soft=3, hard=6, step_s=0.15))
    times, codes = [], []
    for _ in range(7):
        started = time.monotonic()
        resp = requests.post(server.url + "/api/v1/enrol", json={"code": "WRONG-CODE-1234"},
                             timeout=10)
        times.append(time.monotonic() - started)
        codes.append(resp.status_code)
    assert codes == [403] * 6 + [429]
    # Held back past the soft limit: lower bounds only, a busy machine cannot break them.
    assert times[3] >= 0.15 and times[4] >= 0.30 and times[5] >= 0.45
    assert max(times[:3]) < 5  # not hung; that the first three wait 0 s is checked below
    limiter = edge.RateLimiter({"/api/v1/enrol": edge.Rate(soft=3, hard=6, step_s=0.15)})
    waits = [limiter.check("/api/v1/enrol", "192.0.2.9", now=100.0) for _ in range(7)]
    assert waits[:6] == pytest.approx([0, 0, 0, 0.15, 0.30, 0.45]) and waits[6] is None
    other = requests.post(server.url + "/api/v1/enrol", json={"code": "WRONG-CODE-1234"},
                          headers={"X-Forwarded-For": "192.0.2.7"}, timeout=10)
    assert other.status_code == 403  # another address is not held back


@pytest.mark.parametrize("target", ["/api/v1/ratings?device_id=a%00",
                                    "/api/v1/admin/devices/%00/revoke"])
def test_nul_in_path_or_query_is_400(server, target):
    method = "POST" if target.endswith("revoke") else "GET"
    answer = _raw(server, f"{method} {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                          f"{ADMIN_TOKEN}\r\nContent-Length: 0\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 400") and b"NUL" in answer


def test_served_access_log_never_holds_a_phone_token(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port),
                             "--db", str(tmp_path / "s.db")], stderr=subprocess.STDOUT,
                            stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        secret = "v1.eyJkIjoiZGV2In0.SECRETTAGSECRETTAG"
        assert requests.get(f"http://127.0.0.1:{port}/r/{secret}", timeout=5).status_code \
            == 400
    finally:
        proc.terminate()
        err, _ = proc.communicate(timeout=15)
    assert "GET /r/… HTTP/1.1" in err  # the request is logged, without its token
    assert "SECRETTAG" not in err
