"""Two server instances (own stores, own connections, no shared memory) on one database:
overlapping batches sent to both at once leave each rating stored once."""
import threading

from server.runner import ServerThread
from sync.wire import BATCH_PATH
from tests.server.conftest import ADMIN_TOKEN, session_with


def test_overlapping_batches_through_two_servers_store_each_rating_once(
        db, server, device, make_rating):
    second = ServerThread(db[0], schema=db[1], open_ingest=False,
                          admin_token=ADMIN_TOKEN).start()
    try:
        ratings = [make_rating() for _ in range(300)]
        statuses, errors = [], []

        def send(url, part):
            try:
                with session_with(device.token) as s:
                    resp = s.post(url + BATCH_PATH, json={"ratings": part}, timeout=30)
                    statuses.extend(r["status"] for r in resp.json()["results"])
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=send, args=(url, ratings[i:i + 150]))
                   for i in range(0, 300, 50) for url in (server.url, second.url)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert statuses.count("accepted") == 300
        assert server.store.count() == second.store.count() == 300
    finally:
        second.stop()
