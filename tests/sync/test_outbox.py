"""The local rating store: durability under SIGKILL, schema versioning, outbox states."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

from sync.outbox import MIGRATIONS, NewRating, Store

WRITER = r"""
import sys
from sync.outbox import NewRating, Store
store = Store(sys.argv[1])
i = 0
while True:
    row = store.record(NewRating(level=i % 6, window=5, ticket=f"A{i % 1000}",
                                 case_key=f"k{i}", device_id="dev-1"))
    # Report only after record() returned, i.e. after the commit.
    sys.stdout.write(row["uuid"] + "\n")
    sys.stdout.flush()
    i += 1
"""


def rating(i=0, **kw):
    return NewRating(level=kw.pop("level", 4), window=5, ticket=f"A{i}", case_key=f"k{i}",
                     device_id="dev-1", **kw)


def test_every_reported_commit_survives_sigkill(tmp_path):
    db = tmp_path / "kiosk.db"
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE,
                             cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
    reported = []
    deadline = time.monotonic() + 20
    while len(reported) < 300 and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        reported.append(line.decode().strip())
    child.send_signal(signal.SIGKILL)
    child.wait()
    # Whatever sat in the pipe was also committed before it was written.
    reported += [x for x in child.stdout.read().decode().split("\n") if len(x) == 36]
    assert len(reported) >= 300
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    stored = {r[0] for r in conn.execute("SELECT uuid FROM ratings")}
    missing = set(reported) - stored
    assert not missing, f"{len(missing)} committed ratings lost"


def test_store_runs_wal_with_full_sync(tmp_path):
    store = Store(tmp_path / "k.db")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_schema_version_is_current_and_reopening_does_not_migrate_again(tmp_path):
    path = tmp_path / "k.db"
    Store(path).record(rating())
    again = Store(path)
    assert again.schema_version == len(MIGRATIONS)
    assert again.count() == 1


def test_outbox_states_pending_synced_rejected(tmp_path):
    store = Store(tmp_path / "k.db")
    rows = [store.record(rating(i)) for i in range(5)]
    assert store.backlog() == 5
    assert [r["uuid"] for r in store.pending(3)] == [r["uuid"] for r in rows[:3]]
    store.mark_synced([rows[0]["uuid"], rows[1]["uuid"]])
    store.mark_rejected(rows[2]["uuid"], "ticket pattern")
    assert store.backlog() == 2
    kept = {r["uuid"]: r for r in store.all()}
    assert len(kept) == 5  # nothing is deleted by syncing or rejecting
    assert kept[rows[2]["uuid"]]["sync_error"] == "ticket pattern"


def test_reasons_round_trip_as_a_list(tmp_path):
    store = Store(tmp_path / "k.db")
    store.record(rating(level=1, reasons=["attitude", "other"]))
    assert store.pending(1)[0]["reasons"] == ["attitude", "other"]


def test_has_case_knows_rated_cases(tmp_path):
    store = Store(tmp_path / "k.db")
    store.record(rating(7))
    assert store.has_case("k7") and not store.has_case("k8")
