"""Load: N simulated kiosks (default 50) upload batches of 1-5 ratings back to back for a fixed
time against `kiosk-server serve` as a province runs it: (a) one process on SQLite,
(b) PostgreSQL with one worker and with --workers 2. Prints requests/s, ratings/s, latency
p50/p99/max and errors per setup, checks every acknowledged rating is stored exactly once,
and ends with the ratio PostgreSQL 2 workers / 1 worker.

    .venv/bin/python bench/load.py [--kiosks 50] [--seconds 15] [--pause-ms 0]

Each kiosk is one keep-alive connection driven by a small asyncio client in its own process,
so the generator costs little next to the server. --pause-ms adds a think time between a
kiosk's batches (0: as fast as the server answers, the worst case).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.api.enrol import create_code, redeem  # noqa: E402
from server.db.store import open_store  # noqa: E402
from sync.wire import BATCH_PATH  # noqa: E402
from tests.helpers.databases import PgSchema, pg_unreachable_reason  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = tempfile.TemporaryFile()  # not a pipe: a full pipe would stall the server
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port),
                             "--db", db, "--workers", str(workers), "--log-level", "warning"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    proc.log = log
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(100).startswith(b"HTTP/1.1 200"):
                    time.sleep(0.5 * workers)  # let every worker come up
                    return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    log.seek(0)
    raise SystemExit(f"server did not start: {log.read().decode()[-2000:]}")


BAD_SHARE = 0.02  # 差评 are a few in a hundred; each opens a case, an alert and an audit entry
HALLS = 5  # the kiosks are spread over this many halls (a county's service centres)


def batch_request(device: dict, rng: random.Random, seq: list[int]) -> tuple[bytes, list[str]]:
    ratings = []
    for _ in range(rng.randint(1, 5)):
        seq[0] += 1
        bad = rng.random() < BAD_SHARE
        ratings.append({"uuid": str(uuid.uuid4()),
                        "level": rng.choice([1, 2]) if bad else rng.choice([5, 5, 5, 4, 3]),
                        "reasons": [], "window": device["window"], "ticket": f"A{seq[0]:05d}",
                        "case_id": f"C{seq[0]}", "device_id": device["device_id"],
                        "rated_at": "2026-05-04T08:00:00.000Z", "boot_id": "b",
                        "mono_s": 10.0})
    body = json.dumps({"ratings": ratings, "device_now": "2026-05-04T08:00:01.000Z",
                       "boot_id": "b", "mono_s": 11.0}).encode()
    head = (f"POST {BATCH_PATH} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer "
            f"{device['token']}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head + body, [r["uuid"] for r in ratings]


async def kiosk(port: int, device: dict, until: float, pause_s: float, out: dict) -> None:
    rng = random.Random(device["device_id"])
    seq = [0]
    reader = writer = None
    while time.monotonic() < until:
        request, uuids = batch_request(device, rng, seq)
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = await reader.readexactly(length)
            status = int(status_line.split()[1])
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
            out["errors"].append(type(exc).__name__)
            writer, reader = None, None
            continue
        out["latency"].append(time.perf_counter() - started)
        if status != 200:
            out["errors"].append(f"HTTP {status}")
            continue
        results = json.loads(body)["results"]
        for u, r in zip(uuids, results):
            if r["status"] in ("accepted", "duplicate"):
                out["acked"].append((device["device_id"], u))
            else:
                out["errors"].append(r["status"])
        if pause_s:
            await asyncio.sleep(pause_s)
    if writer is not None:
        writer.close()


def generator(port: int, devices: list[dict], seconds: float, pause_s: float, start_at: float,
              queue: mp.Queue) -> None:
    async def run():
        out = {"latency": [], "errors": [], "acked": []}
        await asyncio.sleep(max(0.0, start_at - time.time()))
        until = time.monotonic() + seconds
        await asyncio.gather(*(kiosk(port, d, until, pause_s, out) for d in devices))
        return out
    queue.put(asyncio.run(run()))


def enrol_devices(db: str, n: int) -> list[dict]:
    store = open_store(db)
    try:
        out = []
        for i in range(n):
            got = redeem(store, create_code(store, f"load{i % HALLS}", i // HALLS + 1).code)
            out.append({"device_id": got.device_id, "token": got.token, "window": got.window})
        return out
    finally:
        store.close()


def run_setup(name: str, db: str, workers: int, args) -> dict:
    devices = enrol_devices(db, args.kiosks)
    proc, port = serve(db, workers)
    try:
        queue: mp.Queue = mp.Queue()
        start_at = time.time() + 1.0
        groups = [devices[i::args.generators] for i in range(args.generators)]
        procs = [mp.Process(target=generator, args=(port, g, args.seconds,
                                                    args.pause_ms / 1000, start_at, queue))
                 for g in groups if g]
        for p in procs:
            p.start()
        parts = [queue.get(timeout=args.seconds + 120) for _ in procs]
        for p in procs:
            p.join()
    finally:
        proc.terminate()
        proc.wait(30)
    latency = sorted(x for part in parts for x in part["latency"])
    errors = [e for part in parts for e in part["errors"]]
    acked = [a for part in parts for a in part["acked"]]
    store = open_store(db)
    try:
        with store.transaction(write=False) as tx:
            stored = tx.one("SELECT count(*) FROM ratings")[0]
    finally:
        store.close()
    once = stored == len(acked) == len(set(acked))
    res = {"name": name, "requests": len(latency), "rps": len(latency) / args.seconds,
           "ratings_s": len(acked) / args.seconds, "errors": len(errors),
           "p50": statistics.median(latency) * 1000 if latency else float("nan"),
           "p99": latency[int(len(latency) * 0.99) - 1] * 1000 if latency else float("nan"),
           "max": latency[-1] * 1000 if latency else float("nan"), "stored_once": once,
           "stored": stored, "acked": len(acked)}
    print(f"{name:34s} {res['rps']:7.0f} req/s {res['ratings_s']:7.0f} ratings/s  "
          f"p50 {res['p50']:6.1f} ms  p99 {res['p99']:6.1f} ms  max {res['max']:7.1f} ms  "
          f"errors {res['errors']}  acknowledged {len(acked)}, stored {stored}: "
          f"{'each once' if once else 'MISMATCH'}", flush=True)
    if errors:
        print(f"    first errors: {errors[:5]}")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiosks", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--pause-ms", type=float, default=0.0,
                    help="think time between one kiosk's batches (0: back to back)")
    ap.add_argument("--generators", type=int, default=1, help="client processes")
    ap.add_argument("--bad-share", type=float, default=BAD_SHARE,
                    help="share of ratings that are 差评 (level 1-2)")
    args = ap.parse_args()
    globals()["BAD_SHARE"] = args.bad_share
    print(f"{args.kiosks} kiosks in {HALLS} halls, batches of 1-5 ratings ({args.bad_share:.0%} "
          f"差评), {args.seconds:.0f} s each, pause {args.pause_ms:.0f} ms, "
          f"{os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        run_setup("SQLite, one process", str(Path(tmp) / "load.db"), 1, args)
    reason = pg_unreachable_reason()
    if reason:
        print(f"PostgreSQL: skipped ({reason})")
        return
    rates = {}
    for workers in (1, 2):
        schema = PgSchema()
        try:
            url = f"{schema.url}?options=-csearch_path%3D{schema.name}"
            rates[workers] = run_setup(f"PostgreSQL, {workers} worker(s)", url, workers,
                                       args)["rps"]
        finally:
            schema.drop()
    print(f"ratio PostgreSQL 2 workers / 1 worker (requests/s): {rates[2] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
