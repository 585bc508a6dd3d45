"""Accounts on both stores: argon2 hashes, lock-outs that end after 15 minutes, sessions that
end when idle or old, and the `kiosk-server user` commands (password never echoed)."""
import json
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from server.cli import main
from server.console.sample import seed
from server.db import audit, users

PASSWORD = "a-long-password"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def make(store, name="alice", role="hall_supervisor", scope="H01"):
    with store.transaction() as tx:
        users.add(tx, name, name.title(), PASSWORD, role, scope)


def test_the_hash_is_argon2id_and_never_the_password(store):
    make(store)
    with store.transaction(write=False) as tx:
        stored = tx.one("SELECT password_hash FROM users WHERE username = 'alice'")[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert users.authenticate(store, "alice", PASSWORD, "10.0.0.1", T0)[0].role == \
        "hall_supervisor"
    assert users.authenticate(store, "ALICE ", PASSWORD, "10.0.0.1", T0)[0] is not None


def test_a_lock_out_ends_after_15_minutes_and_success_clears_the_count(store, monkeypatch):
    monkeypatch.setattr(users, "SLOW_AFTER", 100)  # the lock alone (the slow-down: below)
    make(store)
    for i in range(9):
        assert users.authenticate(store, "alice", "wrong", "10.0.0.1", T0) == (None, "invalid")
    assert users.authenticate(store, "alice", PASSWORD, "10.0.0.1", T0)[0] is not None
    for i in range(10):  # the success above reset the pair's count: ten more to lock
        users.authenticate(store, "alice", "wrong", "10.0.0.2", T0 + timedelta(seconds=i))
    assert users.authenticate(store, "alice", PASSWORD, "10.0.0.2", T0) == (None, "locked")
    # Another address is not locked out by the guesser (ASVS 2.2.1).
    assert users.authenticate(store, "alice", PASSWORD, "10.0.0.3", T0)[0] is not None
    later = T0 + timedelta(minutes=16)
    assert users.authenticate(store, "alice", PASSWORD, "10.0.0.2", later)[0] is not None


def test_guesses_at_one_account_slow_down_but_a_clean_address_gets_in(store):
    make(store)
    for i in range(5):
        assert users.authenticate(store, "alice", "wrong", f"10.1.0.{i}", T0)[1] == "invalid"
    # The 5th failure: an address that already failed here waits 1 s, then 2, 4 ...
    assert users.authenticate(store, "alice", "wrong", "10.1.0.1", T0) == (None, "slow")
    t = T0 + timedelta(seconds=1)
    assert users.authenticate(store, "alice", "wrong", "10.1.0.1", t) == (None, "invalid")
    assert users.check(store, "alice", "10.1.0.1", t)[1] == 2
    assert users.authenticate(store, "alice", PASSWORD, "10.2.0.1", t)[0] is not None
    assert users.take_failure_notice(store, "alice")[0] == 6
    assert users.take_failure_notice(store, "alice") == (0, None)


def test_unknown_and_disabled_accounts_fail_like_a_wrong_password(store):
    make(store)
    assert users.authenticate(store, "nobody", PASSWORD, "10.0.0.1", T0) == (None, "invalid")
    with store.transaction() as tx:
        users.set_disabled(tx, "alice", True)
    assert users.authenticate(store, "alice", PASSWORD, "10.0.0.1", T0) == (None, "invalid")


def test_sessions_end_when_idle_old_disabled_or_logged_out(store):
    make(store)
    token = users.new_session(store, "alice", "10.0.0.1", T0)
    assert users.session_account(store, token, T0 + timedelta(minutes=59)).username == "alice"
    assert users.session_account(store, token, T0 + timedelta(minutes=59 + 61)) is None
    fresh = users.new_session(store, "alice", "10.0.0.1", T0)
    for minutes in range(50, 13 * 60, 50):  # kept busy, it still ends at 12 h
        alive = users.session_account(store, fresh, T0 + timedelta(minutes=minutes))
        assert (alive is not None) == (minutes < 12 * 60)
    third = users.new_session(store, "alice", "10.0.0.1", T0)
    users.end_session(store, third)
    assert users.session_account(store, third, T0) is None
    fourth = users.new_session(store, "alice", "10.0.0.1", T0)
    with store.transaction() as tx:
        users.set_password(tx, "alice", "another-long-one")
    assert users.session_account(store, fourth, T0) is None


def test_user_commands_add_disable_reset_and_list(tmp_path):
    from server.db.store import open_store

    db = str(tmp_path / "u.db")
    store = open_store(db)
    seed(store, PASSWORD, accounts={})
    store.close()
    runner = CliRunner()
    added = runner.invoke(main, ["user", "add", "bob", "--role", "hall_supervisor", "--scope",
                                 "H01", "--password-stdin", "--db", db],
                          input="seventeen-horses\n")
    assert added.exit_code == 0 and "seventeen-horses" not in added.output
    short = runner.invoke(main, ["user", "add", "eve", "--role", "auditor", "--scope",
                                 "440000", "--password-stdin", "--db", db], input="short\n")
    assert short.exit_code == 1 and "at least 10" in short.output
    prompt = runner.invoke(main, ["user", "add", "carol", "--role", "window_staff", "--scope",
                                  "S001", "--db", db],
                           input="purple-elephant-9\npurple-elephant-9\n")
    assert prompt.exit_code == 0 and "purple-elephant-9" not in prompt.output
    nowhere = runner.invoke(main, ["user", "add", "dan", "--role", "hall_supervisor",
                                   "--scope", "H99", "--password-stdin", "--db", db],
                            input="orange-kettle-7\n")
    assert nowhere.exit_code == 2 and "no hall 'H99'" in nowhere.output
    assert runner.invoke(main, ["user", "disable", "bob", "--db", db]).exit_code == 0
    reset = runner.invoke(main, ["user", "reset-password", "carol", "--password-stdin",
                                 "--db", db], input="winter-garden-44\n")
    assert reset.exit_code == 0
    listed = [json.loads(line) for line in runner.invoke(
        main, ["user", "list", "--json", "--db", db]).output.splitlines()]
    assert {(a["username"], a["role"], a["disabled_at"] is not None, a["must_change"])
            for a in listed} == {("bob", "hall_supervisor", True, False),
                                 ("carol", "window_staff", False, True)}
    store = open_store(db)
    try:
        actions = [e["action"] for e in audit.entries(store, 10)[0]]
        assert actions[:4] == ["user.reset_password", "user.disable", "user.add", "user.add"]
        assert audit.verify(store) is None
    finally:
        store.close()
