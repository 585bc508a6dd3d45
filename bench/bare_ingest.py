"""The floor of HTTP ingest (bench/ingest.py): a bare ASGI app on the same uvicorn that takes
a batch, json.loads it, executemanys its rows with the same durability as the server and
answers "accepted" per rating. No framework, validation, clock correction or hooks."""
from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import threading
import time
from typing import Callable

import uvicorn


def sqlite_writer(path: str, sql: str) -> Callable[[list[tuple]], None]:
    """One batch = one transaction (WAL, synchronous=FULL), one writer at a time."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    lock = threading.Lock()

    def write(rows: list[tuple]) -> None:
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
    return write


def pg_writer(url: str, schema: str, sql: str) -> Callable[[list[tuple]], None]:
    """A connection per thread, one transaction per batch (like the server's PG store)."""
    import psycopg

    local = threading.local()

    def write(rows: list[tuple]) -> None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = psycopg.connect(url, autocommit=True)
            conn.execute("SELECT set_config('search_path', %s, false)", [schema])
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(sql, rows)
    return write


def app_for(write: Callable[[list[tuple]], None], to_row: Callable[[dict], tuple],
            key: str = "ratings"):
    """key: the batch's list (ratings; events for bench/events_ingest.py)."""
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        ratings = json.loads(body)[key]
        await asyncio.to_thread(write, [to_row(r) for r in ratings])
        out = json.dumps({"results": [{"uuid": r["uuid"], "status": "accepted", "reason": None}
                                      for r in ratings]}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": out})
    return app


class BareServer:
    """uvicorn (h11, like the product) on a loopback port in a thread; `url` once started."""

    def __init__(self, app) -> None:
        # proto IPPROTO_TCP, so asyncio sets TCP_NODELAY on its connections as the product does
        # (server/serving.py no_delay): else each answer waits up to 40 ms for a delayed ACK.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(2048)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(app, http="h11", lifespan="off",
                                                     log_level="warning", access_log=False))
        self._thread = threading.Thread(target=self._server.run, args=([self._sock],),
                                        daemon=True)

    def __enter__(self) -> "BareServer":
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()
