"""Run the server in a background thread on loopback: for tests and for `kiosk demo`."""
from __future__ import annotations

import logging
import socket
import threading
import time
import urllib.request
from pathlib import Path

import uvicorn

from .app import create_app
from .store import SQLiteStore

log = logging.getLogger(__name__)


class ServerThread:
    """uvicorn + SQLiteStore(db_path) in a daemon thread.

    port=0 picks a free port; after start(), `.port` and `.url` give the real one.
    start() blocks until GET /healthz answers; stop() shuts down and closes the store.
    """

    def __init__(self, db_path: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.db_path = Path(db_path)
        self.host = host
        self.port = port
        self.store: SQLiteStore | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 10.0) -> "ServerThread":
        if self._thread is not None:
            raise RuntimeError("server already started")
        self.store = SQLiteStore(self.db_path)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            self.store.close()
            raise
        sock.listen(128)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.store), log_config=None, log_level="warning",
                                access_log=False, lifespan="off", timeout_graceful_shutdown=2,
                                timeout_keep_alive=5)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, args=(sock,),
                                        name=f"server-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self._thread.is_alive():
                raise RuntimeError(f"server thread died: {self._error!r}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        log.info("server up at %s (db %s)", self.url, self.db_path)
                        return self
            except OSError:
                pass
            time.sleep(0.02)
        self.stop()
        raise TimeoutError(f"server at {self.url} did not answer /healthz in {timeout_s}s")

    def _run(self, sock: socket.socket) -> None:
        try:
            self._server.run(sockets=[sock])
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self._error = exc
            log.exception("server thread crashed")
        finally:
            sock.close()

    def stop(self, timeout_s: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning("server thread did not stop within %ss", timeout_s)
        self._thread = None
        self._server = None
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
