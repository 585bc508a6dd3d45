"""The kiosk's HTTP client through a real loopback proxy, as the environment names it (the
way requests, and so kiosk-setup, already did): plain HTTP by the whole URL, HTTPS by a
CONNECT tunnel with TLS verified end to end, no_proxy going direct."""
import base64
import http.client
import select
import socket
import socketserver
import threading

import pytest

from sync.httpclient import Client, ConnectError
from sync.proxies import bypassed, proxy_for
from tests.sync.test_httpclient import Server


class LoopbackProxy:
    """An HTTP proxy on loopback: CONNECT host:port tunnels, absolute-URI requests are
    forwarded. Notes each request line and its Proxy-Authorization header."""

    def __init__(self):
        self.seen = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                while True:
                    line = self.rfile.readline().decode("latin-1").strip()
                    if not line:
                        return
                    headers = {}
                    while (h := self.rfile.readline().decode("latin-1").strip()):
                        name, _, value = h.partition(":")
                        headers[name.strip().lower()] = value.strip()
                    outer.seen.append((line, headers.get("proxy-authorization")))
                    method, target, _ = line.split(" ", 2)
                    if method == "CONNECT":
                        host, port = target.rsplit(":", 1)
                        upstream = socket.create_connection((host, int(port)))
                        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        self._pipe(upstream)
                        return
                    body = self.rfile.read(int(headers.get("content-length") or 0))
                    url = http.client.urlsplit(target)
                    conn = http.client.HTTPConnection(url.hostname, url.port)
                    forward = {k: v for k, v in headers.items() if k != "proxy-authorization"}
                    conn.request(method, url.path + (f"?{url.query}" if url.query else ""),
                                 body=body or None, headers=forward)
                    answer = conn.getresponse()
                    data = answer.read()
                    self.wfile.write(f"HTTP/1.1 {answer.status} {answer.reason}\r\n"
                                     f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
                    conn.close()

            def _pipe(self, upstream):
                ends = [self.connection, upstream]
                while True:
                    readable, _, _ = select.select(ends, [], [], 5)
                    if not readable:
                        break
                    for end in readable:
                        data = end.recv(65536)
                        if not data:
                            upstream.close()
                            return
                        (upstream if end is self.connection else self.connection).sendall(data)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    p = LoopbackProxy()
    yield p
    p.stop()


def test_plain_http_goes_through_the_proxy_with_its_credentials(proxy, monkeypatch):
    srv = Server({"/api/x": (200, {}, b'{"ok": true}')})
    try:
        monkeypatch.setenv("http_proxy", proxy.url.replace("http://", "http://tech:s%40fe@"))
        with Client(timeout_s=5, headers={"Authorization": "Bearer t"}) as client:
            assert client.get(srv.url + "/api/x").json() == {"ok": True}
            assert client.post(srv.url + "/api/x", json={"a": 1}).status == 200
        assert [line for line, _ in proxy.seen] == [f"GET {srv.url}/api/x HTTP/1.1",
                                                    f"POST {srv.url}/api/x HTTP/1.1"]
        assert proxy.seen[0][1] == "Basic " + base64.b64encode(b"tech:s@fe").decode()
        # the device token still reaches the server through the proxy
        assert {k.lower(): v for k, v in srv.seen[0][1].items()}["authorization"] == "Bearer t"
    finally:
        srv.stop()


def test_https_is_tunnelled_and_verified_end_to_end(proxy, monkeypatch, tmp_path):
    from server.runner import ServerThread
    from tests.helpers.tls import make_ca_and_server_cert

    certs = make_ca_and_server_cert(tmp_path / "tls")
    srv = ServerThread(tmp_path / "server.db", ssl_certfile=str(certs["cert"]),
                       ssl_keyfile=str(certs["key"])).start()
    try:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with Client(str(certs["ca"]), timeout_s=5) as client:
            assert client.get(srv.url + "/healthz").status == 200
        assert proxy.seen == [(f"CONNECT 127.0.0.1:{srv.port} HTTP/1.0", None)]
    finally:
        srv.stop()


def test_no_proxy_hosts_go_direct(proxy, monkeypatch):
    srv = Server({"/": (200, {}, b"hi")})
    try:
        monkeypatch.setenv("http_proxy", proxy.url)
        monkeypatch.setenv("no_proxy", "example.org, 127.0.0.0/8")
        assert Client(timeout_s=5).get(srv.url + "/").content == b"hi"
        assert proxy.seen == []
    finally:
        srv.stop()


def test_a_proxy_it_cannot_use_is_a_clear_connect_error(monkeypatch):
    monkeypatch.setenv("https_proxy", "socks5://10.0.0.1:1080")
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(ConnectError, match="https_proxy=socks5://10.0.0.1:1080: only http://"):
        Client(timeout_s=1).get("https://pj.example.gov.cn/healthz")


@pytest.mark.parametrize("host, port, no_proxy, direct", [
    ("pj.example.gov.cn", 443, "gov.cn", True),
    ("pj.example.gov.cn", 443, ".example.gov.cn", True),
    ("pj.example.gov.cn", 443, "*.gov.cn", True),
    ("pj.example.gov.cn", 443, "notgov.cn", False),
    ("pj.example.gov.cn", 443, "pj.example.gov.cn:8443", False),
    ("pj.example.gov.cn", 8443, "pj.example.gov.cn:8443", True),
    ("10.1.2.3", 80, "10.0.0.0/8", True),
    ("192.168.1.2", 80, "10.0.0.0/8,localhost", False),
    ("::1", 80, "[::1]", True),
    ("anything", 80, "*", True),
])
def test_no_proxy_entries_read_as_curl_reads_them(host, port, no_proxy, direct):
    assert bypassed(host, port, no_proxy) is direct


def test_the_environment_names_the_proxy_lower_case_first():
    env = {"HTTPS_PROXY": "http://upper:3128", "https_proxy": "lower:8080",
           "all_proxy": "http://all:1"}
    assert proxy_for("https", "pj.example.gov.cn", 443, env)[:2] == ("lower", 8080)
    assert proxy_for("http", "pj.example.gov.cn", 80, env)[:2] == ("all", 1)
    assert proxy_for("http", "pj.example.gov.cn", 80, {}) is None
