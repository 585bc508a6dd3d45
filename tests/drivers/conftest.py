"""Fixtures that start real serial peers: a pty-pair queue simulator and a TCP queue server."""
import socket
import threading

import pytest

from drivers.sim.line import LineSimulator


@pytest.fixture
def simulator():
    sim = LineSimulator(window=5).start()
    yield sim
    sim.stop()


class TcpQueue:
    """A one-client TCP queue system on loopback, like a queue server on the hall LAN."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.conn = None
        self.accepted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.conn = conn
            self.accepted.set()

    def reset_client(self):
        """Drop the current connection hard, as a TCP reset would."""
        conn, self.conn = self.conn, None
        self.accepted.clear()
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()

    def close(self):
        self.server.close()
        if self.conn:
            self.conn.close()


@pytest.fixture
def tcp_queue():
    q = TcpQueue()
    yield q
    q.close()
