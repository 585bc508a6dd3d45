"""Run the server in a background thread on loopback: for tests, benchmarks and `kiosk demo`."""
from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
import urllib.request
from pathlib import Path

import uvicorn

from server.app import create_app
from server.auth import AuthSettings
from server.db.store import open_store
from server.serving import GuardedH11Protocol, quiet_logs

log = logging.getLogger(__name__)


class ServerThread:
    """uvicorn + a store in a daemon thread.

    db is a SQLite path or a postgresql:// URL (schema= picks the PostgreSQL schema); or
    pass store= to share an open store (the caller then closes it). port=0 picks a free port;
    after start(), `.port` and `.url` give the real one. start() blocks until GET /healthz
    answers; stop() shuts down and closes the store it opened.

    open_ingest=True (the default, for the loopback demo) lets kiosks without a token upload;
    pass open_ingest=False and admin_token=... for a server that checks like production.
    ssl_certfile/ssl_keyfile serve HTTPS.
    """

    def __init__(self, db: str | Path | None = None, host: str = "127.0.0.1", port: int = 0,
                 *, open_ingest: bool = True, admin_token: str | None = None,
                 schema: str | None = None, store=None, ssl_certfile: str | None = None,
                 ssl_keyfile: str | None = None) -> None:
        if (db is None) == (store is None):
            raise ValueError("give exactly one of db and store")
        self.db = db
        self.db_path = Path(db) if db is not None and "://" not in str(db) else None
        self.schema = schema
        self.host = host
        self.port = port
        self.auth = AuthSettings(admin_token=admin_token, open_ingest=open_ingest)
        self.ssl = (ssl_certfile, ssl_keyfile) if ssl_certfile else None
        self.store = store
        self._owns_store = store is None
        self.app = None  # the FastAPI app once started (tests set app.state.clock on it)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl else 'http'}://{self.host}:{self.port}"

    def start(self, timeout_s: float = 10.0) -> "ServerThread":
        if self._thread is not None:
            raise RuntimeError("server already started")
        if self.store is None:
            self.store = open_store(self.db, schema=self.schema)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            self._close_store()
            raise
        sock.listen(2048)  # a burst of kiosks reconnecting is not refused at the door
        self.port = sock.getsockname()[1]
        ssl_opts = {"ssl_certfile": self.ssl[0], "ssl_keyfile": self.ssl[1]} if self.ssl else {}
        quiet_logs()
        self.app = create_app(self.store, auth=self.auth)
        config = uvicorn.Config(self.app, log_config=None,
                                log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=2, timeout_keep_alive=5,
                                http=GuardedH11Protocol, backlog=2048, **ssl_opts)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, args=(sock,),
                                        name=f"server-{self.port}", daemon=True)
        self._thread.start()
        probe = ssl._create_unverified_context() if self.ssl else None  # loopback readiness
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self._thread.is_alive():
                raise RuntimeError(f"server thread died: {self._error!r}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1,
                                            context=probe) as resp:
                    if resp.status == 200:
                        log.info("server up at %s (%r)", self.url, self.store)
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

    def _close_store(self) -> None:
        if self._owns_store and self.store is not None:
            self.store.close()
            self.store = None

    def stop(self, timeout_s: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning("server thread did not stop within %ss", timeout_s)
        self._thread = None
        self._server = None
        self._close_store()

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
