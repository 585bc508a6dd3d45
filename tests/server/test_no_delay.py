"""Answers are not held back 40 ms by Nagle's algorithm: every connection the server accepts
gets TCP_NODELAY, also through a listening socket made without a proto (as uvicorn binds one
for --workers, and ServerThread does), where asyncio would not set it."""
import gc
import http.client
import socket

from server.runner import ServerThread
from server.serving import GuardedH11Protocol


def _server_side(port: int) -> socket.socket:
    """The server's socket of the connection whose client end is on `port`."""
    for obj in gc.get_objects():
        if isinstance(obj, GuardedH11Protocol) and obj.transport is not None:
            peer = obj.transport.get_extra_info("peername")
            if peer and peer[1] == port:
                return obj.transport.get_extra_info("socket")
    raise AssertionError(f"no server connection from port {port}")


def test_an_accepted_connection_has_tcp_nodelay(tmp_path):
    with ServerThread(tmp_path / "s.db") as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/healthz")
        assert conn.getresponse().read()
        sock = _server_side(conn.sock.getsockname()[1])
        assert sock.proto != socket.IPPROTO_TCP  # the case asyncio leaves alone
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        conn.close()
