"""The audit log's hash chain: intact when untouched; the FIRST altered or removed entry is
named, on SQLite and PostgreSQL, through the function and through `kiosk-server audit verify`."""
import json
import threading

from click.testing import CliRunner

from server.cli import main
from server.db import audit


def fill(store, n=5):
    for i in range(n):
        audit.record(store, f"user:u{i}", "user.add", f"user:v{i}", {"role": "auditor", "i": i})


def test_an_untouched_chain_verifies_and_lists_newest_first(store):
    fill(store)
    assert audit.verify(store) is None
    rows, more = audit.entries(store, limit=2)
    assert more and audit.count(store) == 5 and [r["id"] for r in rows] == [5, 4]
    assert rows[0]["detail"] == {"i": 4, "role": "auditor"}
    assert audit.head(store) == (5, rows[0]["hash"])


def test_an_altered_entry_is_the_first_one_named(store):
    fill(store)
    with store.transaction() as tx:
        tx.q("UPDATE audit_log SET detail = ? WHERE id = 3", ['{"i":2,"role":"region_admin"}'])
        tx.q("UPDATE audit_log SET actor = 'user:x' WHERE id = 4")
    bad_id, why = audit.verify(store)
    assert bad_id == 3 and "altered" in why


def test_a_removed_entry_in_the_middle_or_at_the_end_is_found(store):
    fill(store)
    with store.transaction() as tx:
        tx.q("DELETE FROM audit_log WHERE id = 2")
    assert audit.verify(store)[0] == 2
    with store.transaction() as tx:
        tx.q("DELETE FROM audit_log WHERE id >= 2")
    bad_id, why = audit.verify(store)
    assert bad_id == 2 and "end" in why


def test_a_rewritten_hash_still_breaks_the_next_link(store):
    fill(store)
    with store.transaction() as tx:
        tx.q("UPDATE audit_log SET hash = ? WHERE id = 2", ["f" * 64])
    assert audit.verify(store)[0] == 2


def test_appends_from_many_threads_keep_one_chain(store):
    def work(k):
        for i in range(10):
            audit.record(store, f"t{k}", "org.edit", f"hall:H{k}", {"i": i})
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert audit.verify(store) is None
    assert audit.head(store)[0] == 40


def test_an_entry_rolls_back_with_its_transaction(store):
    fill(store, 1)
    try:
        with store.transaction() as tx:
            audit.append(tx, "user:a", "user.add", "user:b", {})
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert audit.head(store)[0] == 1 and audit.verify(store) is None


def test_the_cli_finds_the_tampering(tmp_path):
    from server.db.store import open_store

    path = str(tmp_path / "audit.db")
    store = open_store(path)
    try:
        fill(store)
        runner = CliRunner()
        ok = runner.invoke(main, ["audit", "verify", "--json", "--db", path])
        assert ok.exit_code == 0 and json.loads(ok.output)["ok"] is True
        with store.transaction() as tx:
            tx.q("UPDATE audit_log SET target = 'user:nobody' WHERE id = 4")
        bad = runner.invoke(main, ["audit", "verify", "--db", path])
        assert bad.exit_code == 1 and "entry 4" in bad.output
        listed = runner.invoke(main, ["audit", "list", "--json", "--limit", "2", "--db", path])
        assert [json.loads(line)["id"] for line in listed.output.splitlines()[:2]] == [5, 4]
    finally:
        store.close()
