"""Attacks on console sign-in through HTTP, on both stores: guessers at many addresses cannot
lock the owner out (ASVS 2.2.1) yet guessing at one account slows down, the owner is told of
the failed attempts, a client cannot choose its address with X-Forwarded-For, and the
password page neither accepts guesses at full speed nor the temporary password as new."""
import re

import pytest
import requests

from server.console.sample import seed
from server.db import users
from server.runner import ServerThread
from tests.server.console.conftest import PASSWORD, csrf_in, login, post_form


@pytest.fixture
def srv(db):
    with ServerThread(db[0], schema=db[1]) as server:
        seed(server.store, PASSWORD)
        yield server


def attempt(srv, username, password, address=None, session=None):
    session = session or requests.Session()
    headers = {"X-Forwarded-For": address} if address else {}
    token = csrf_in(session.get(f"{srv.url}/console/login", headers=headers).text)
    return session.post(f"{srv.url}/console/login", allow_redirects=False, headers=headers,
                        data={"csrf_token": token, "username": username, "password": password})


def test_guessers_at_many_addresses_cannot_lock_the_owner_out(srv):
    for i in range(30):  # thirty anonymous guesses, each from an address of its own
        r = attempt(srv, "admin", f"guess-{i}", f"10.0.{i}.1")
        assert r.status_code == 401, (i, r.status_code)
    # The owner, from their own (clean) address, gets in with the right password ...
    owner = requests.Session()
    r = attempt(srv, "admin", PASSWORD, "192.168.1.20", owner)
    assert r.status_code == 200 and "console_session" in owner.cookies
    # ... and is told, in Chinese first, of the failed attempts since the last login.
    assert "自您上次登录以来，您的账号有 30 次登录失败" in r.text
    go_on = re.search(r'id="login-notice".*?href="([^"]+)"', r.text, re.S).group(1)
    assert owner.get(f"{srv.url}{go_on}").status_code == 200
    # Told once: the next login goes straight on.
    assert attempt(srv, "admin", PASSWORD, "192.168.1.20").status_code == 303


def test_a_guesser_that_keeps_trying_one_account_is_slowed_down(srv):
    for i in range(5):
        assert attempt(srv, "sup2", f"guess-{i}", "10.1.0.9").status_code == 401
    slow = attempt(srv, "sup2", "guess-5", "10.1.0.9")
    assert slow.status_code == 429 and int(slow.headers["Retry-After"]) >= 1
    assert "请等待" in slow.text
    # Even the right password waits at that address; elsewhere it is let in at once.
    assert attempt(srv, "sup2", PASSWORD, "10.1.0.9").status_code == 429
    assert attempt(srv, "sup2", PASSWORD, "10.1.0.10").status_code == 200  # + the notice


def test_forwarded_for_counts_only_from_a_trusted_proxy(db, monkeypatch):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.255.255.1")  # the proxy is elsewhere
    monkeypatch.setattr(users, "SLOW_AFTER", 100)
    with ServerThread(db[0], schema=db[1]) as srv:
        seed(srv.store, PASSWORD)
        for i in range(10):  # "from" ten addresses, really all from 127.0.0.1
            assert attempt(srv, "sup1", f"guess-{i}", f"10.2.{i}.1").status_code == 401
        assert attempt(srv, "sup1", PASSWORD, "10.2.99.1").status_code == 429
        with srv.store.transaction(write=False) as tx:
            keys = {r[0] for r in tx.all("SELECT key FROM login_throttle")}
        assert "pair:sup1|127.0.0.1" in keys and not any("10.2." in k for k in keys)


def test_the_password_page_throttles_guesses_and_refuses_the_temporary_password(srv):
    admin = login(srv, "admin")
    r = post_form(admin, srv, "/console/users", "/console/users/sup1/password",
                  {"password": "temporary-pass-1"})
    assert r.status_code == 200
    sup1 = login(srv, "sup1", "temporary-pass-1", lands="/console/password")
    same = post_form(sup1, srv, "/console/password", "/console/password",
                     {"current": "temporary-pass-1", "new": "temporary-pass-1",
                      "again": "temporary-pass-1"})
    assert same.status_code == 400 and "新密码不能与当前密码相同" in same.text
    # Someone at an unlocked screen guesses the current password: slowed like a login.
    codes = [post_form(sup1, srv, "/console/password", "/console/password",
                       {"current": f"guess-{i}", "new": "a-new-long-secret",
                        "again": "a-new-long-secret"}).status_code for i in range(7)]
    assert codes[:5] == [400] * 5 and codes[5:] == [429, 429], codes
    refused = post_form(sup1, srv, "/console/password", "/console/password",
                        {"current": "temporary-pass-1", "new": "a-new-long-secret",
                         "again": "a-new-long-secret"})
    assert refused.status_code == 429  # not even the right one until the wait is over
