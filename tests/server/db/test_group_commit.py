"""SQLite group commit: batches that queue up while another commits share one transaction,
yet each is all or nothing and answered only after the COMMIT that holds it."""
import sqlite3
import threading
import time
import uuid

import pytest

from server.db.sqlite import SQLiteStore
from server.wiring import attach
from sync.wire import RatingWire


def batch(device_id: str, n: int, level: int = 5) -> list[RatingWire]:
    return [RatingWire.model_validate({
        "uuid": str(uuid.uuid4()), "level": level, "reasons": ["slow"] if level < 3 else [],
        "window": 1, "staff_id": "S-1", "ticket": f"A{i:03d}", "case_id": uuid.uuid4().hex[:12],
        "device_id": device_id, "rated_at": "2026-05-06T02:00:00.000Z"}) for i in range(n)]


@pytest.fixture
def store(tmp_path):
    st = attach(SQLiteStore(tmp_path / "server.db"))
    yield st
    st.close()


def queued_behind_writer(store, works):
    """Start one thread per work while the test holds the writer lock, so they all queue;
    release it and return (results or exceptions in order, once every thread is done)."""
    out: list = [None] * len(works)

    def call(i, work):
        try:
            out[i] = store.write_grouped(work)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            out[i] = exc

    threads = [threading.Thread(target=call, args=(i, w)) for i, w in enumerate(works)]
    with store._writer:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 5
        while len(store._group._queue) < len(works) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(store._group._queue) == len(works)
    for t in threads:
        t.join(10)
    return out


def test_concurrent_ingests_store_every_rating_once_with_fewer_commits(store):
    batches = [batch(f"dev-{i}", 100) for i in range(8)]
    results: list = [None] * len(batches)
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(
        i, store.ingest(batches[i]))) for i in range(len(batches))]
    before = store._group.groups
    with store._writer:  # every upload arrives while a commit is under way
        for t in threads:
            t.start()
        while len(store._group._queue) < len(batches):
            time.sleep(0.005)
    for t in threads:
        t.join(10)
    assert [{r.status for r in res} for res in results] == [{"accepted"}] * len(batches)
    assert store.count() == 800
    assert store._group.groups - before < len(batches)  # fewer commits (fsyncs) than batches
    # The roll-ups (written by the ingest hook in each batch's savepoint) add up too.
    with store.transaction(write=False) as tx:
        assert tx.one("SELECT sum(n) FROM rollup_levels")[0] == 800
    # Idempotent across groups: the same batches again are all duplicates.
    again = store.ingest(batches[0])
    assert {r.status for r in again} == {"duplicate"}


def test_a_failing_batch_rolls_back_alone_and_its_caller_gets_the_error(store):
    good, bad = batch("dev-good", 20), batch("dev-bad", 20)

    def bad_work(tx):
        store._insert_set(tx, [])  # nothing; then write something and fail
        tx.q("INSERT INTO server_secrets (name, value) VALUES ('half-done', 'x')")
        raise ValueError("this batch is broken")

    def good_work(tx):
        tx.q("INSERT INTO server_secrets (name, value) VALUES ('kept', 'y')")
        return "ok"

    out = queued_behind_writer(store, [good_work, bad_work, good_work])
    assert out[0] == "ok"
    assert isinstance(out[1], ValueError) and "broken" in str(out[1])
    assert isinstance(out[2], Exception)  # the second 'kept' insert breaks the primary key
    with store.transaction(write=False) as tx:
        names = {r[0] for r in tx.all("SELECT name FROM server_secrets")}
    assert "kept" in names and "half-done" not in names
    # The store still takes ratings afterwards, and the good ones from before are there.
    assert {r.status for r in store.ingest(good)} == {"accepted"}
    assert {r.status for r in store.ingest(bad)} == {"accepted"}


def test_a_failed_begin_answers_every_caller_of_the_group_and_the_store_recovers(store):
    real_begin, failures = store._group._begin, []

    def begin_once_failing():
        if not failures:
            failures.append(1)
            raise sqlite3.OperationalError("database is locked")
        return real_begin()

    store._group._begin = begin_once_failing
    out = queued_behind_writer(store, [lambda tx: "a", lambda tx: "b", lambda tx: "c"])
    assert all(isinstance(o, RuntimeError) and "database is locked" in str(o) for o in out)
    assert store.write_grouped(lambda tx: "after") == "after"
    assert {r.status for r in store.ingest(batch("dev-x", 5))} == {"accepted"}


def test_a_batch_run_again_after_another_failed_is_stored_as_if_it_ran_once(store):
    """A group that fails is run again batch by batch: a batch whose case was already rated
    (so its rating is kept as superseded) must come out the same as if nothing had failed."""
    first = batch("dev-s", 1)[0]
    store.ingest([first], source="phone")
    again = first.model_copy(update={"uuid": uuid.uuid4(), "level": 4})
    out: dict = {}

    def broken(tx):
        raise ValueError("broken")

    def upload():
        out["upload"] = store.ingest([again])

    def fail():
        with pytest.raises(ValueError):
            store.write_grouped(broken)
        out["failed"] = True

    threads = [threading.Thread(target=upload), threading.Thread(target=fail)]
    before = store._group.groups
    with store._writer:  # both queue up behind a commit, so they run as one group
        for t in threads:
            t.start()
        while len(store._group._queue) < 2:
            time.sleep(0.005)
    for t in threads:
        t.join(10)
    assert out["failed"] and store._group.groups - before == 1
    result = out["upload"][0]
    assert result.status == "accepted" and "already rated by phone" in result.reason
    kept = store.get_rating(str(again.uuid), "dev-s")
    assert kept["superseded"] is True and kept["level"] == 4
    assert store.case_rating("dev-s", kept["case_key"])["uuid"] == str(first.uuid)
