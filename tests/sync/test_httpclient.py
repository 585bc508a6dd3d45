"""sync/httpclient.py against real loopback servers: keep-alive reuse, a connection the server
closed while idle, redirects (the token stays with its origin), time-outs and size limits,
and TLS verified against a CA bundle."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sync.httpclient import Client, ConnectError, SSLError, Timeout, TooLarge


class Server:
    """HTTP/1.1 on loopback; routes: path -> (status, headers, body), or a callable of the
    handler and request body returning that (None: it answered itself). Notes every request
    as (path, headers, client port, body)."""

    def __init__(self, routes):
        self.seen = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive unless Connection: close

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.seen.append((self.path, dict(self.headers), self.client_address[1], body))
                route = routes[self.path]
                answer = route(self, body) if callable(route) else route
                if answer is None:
                    return
                status, headers, data = answer
                self.send_response(status)
                for key, value in {"Content-Length": str(len(data)), **headers}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def ports(self):
        """How many connections the requests came on."""
        return len({port for _, _, port, _ in self.seen})

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    started = []

    def start(routes):
        started.append(Server(routes))
        return started[-1]

    yield start
    for srv in started:
        srv.stop()


def test_json_round_trip_over_one_kept_alive_connection(serve):
    srv = serve({"/echo": lambda handler, body: (
        200, {"Content-Type": "application/json"}, json.dumps({"got": json.loads(body)}).encode())})
    with Client(headers={"Authorization": "Bearer t"}) as client:
        answers = [client.post(srv.url + "/echo", json={"n": i, "s": "评价"}) for i in range(3)]
    assert [a.json() for a in answers] == [{"got": {"n": i, "s": "评价"}} for i in range(3)]
    assert answers[0].status == 200 and answers[0].headers["content-type"] == "application/json"
    assert srv.ports() == 1  # the same connection three times
    assert srv.seen[0][1]["Authorization"] == "Bearer t"
    assert srv.seen[0][1]["Content-Type"] == "application/json"


def test_a_connection_the_server_closed_while_idle_is_replaced_not_failed(serve):
    def then_close(handler, body):
        handler.close_connection = True  # without saying so: an idle keep-alive time-out
        return 200, {}, b"ok"

    srv = serve({"/a": then_close})
    with Client() as client:
        assert client.get(srv.url + "/a").text == "ok"
        time.sleep(0.2)  # the server's FIN arrives
        assert client.get(srv.url + "/a").text == "ok"
    assert srv.ports() == 2


def test_redirects_are_followed_and_the_token_stays_with_its_origin(serve):
    other = serve({"/photo": (200, {}, b"img")})
    srv = serve({"/p": (302, {"Location": other.url + "/photo"}, b""),
                 "/here": (301, {"Location": "/p"}, b"")})
    with Client() as client:
        resp = client.get(srv.url + "/here", headers={"Authorization": "Bearer t"})
        assert resp.content == b"img" and resp.url == other.url + "/photo"
        assert srv.seen[1][0] == "/p" and srv.seen[1][1]["Authorization"] == "Bearer t"
        assert "Authorization" not in other.seen[0][1]
        assert client.post(srv.url + "/p", json={}).status == 302  # a POST is not redirected


def test_a_slow_answer_raises_timeout_and_the_client_goes_on(serve):
    srv = serve({"/slow": lambda handler, body: (time.sleep(1.0), (200, {}, b"late"))[1],
                 "/fast": (200, {}, b"ok")})
    with Client(timeout_s=0.3) as client:
        with pytest.raises(Timeout, match="^Timeout: "):
            client.get(srv.url + "/slow")
        assert client.get(srv.url + "/fast").text == "ok"


def test_bodies_over_max_bytes_are_refused_declared_or_streamed(serve):
    def chunked(handler, body):
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for _ in range(3):
            handler.wfile.write(b"400\r\n" + b"x" * 1024 + b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")
        return None  # answered here

    srv = serve({"/big": (200, {}, b"x" * 5000), "/chunked": chunked})
    with Client() as client:
        with pytest.raises(TooLarge, match="5000 bytes is over the 4096-byte limit"):
            client.get(srv.url + "/big", max_bytes=4096)
        with pytest.raises(TooLarge, match="over the 2048-byte limit"):
            client.get(srv.url + "/chunked", max_bytes=2048)


def test_refused_connection_is_a_connect_error(free_port):
    with pytest.raises(ConnectError, match="ConnectionRefusedError"):
        Client(timeout_s=2).get(f"http://127.0.0.1:{free_port}/")


def test_tls_is_verified_against_the_ca_bundle_and_refused_without_it(tmp_path):
    from server.runner import ServerThread
    from tests.helpers.tls import make_ca_and_server_cert

    certs = make_ca_and_server_cert(tmp_path / "tls")
    srv = ServerThread(tmp_path / "server.db", ssl_certfile=str(certs["cert"]),
                       ssl_keyfile=str(certs["key"])).start()
    try:
        with Client(str(certs["ca"])) as client:
            assert client.get(srv.url + "/api/v1/ratings?limit=1").status == 200
        with pytest.raises(SSLError, match="CERTIFICATE_VERIFY_FAILED"):
            Client().get(srv.url + "/api/v1/ratings?limit=1")
    finally:
        srv.stop()
