"""Sign-in through the real form: cookie flags, hashed sessions, CSRF on every POST,
lock-out per account and per address, password change and reset, logout."""
import re

import requests

from server.console.sample import seed
from server.db import audit, users
from server.runner import ServerThread
from tests.helpers.tls import make_ca_and_server_cert
from tests.server.console.conftest import PASSWORD, csrf_in, login, post_form


def test_a_page_without_a_session_sends_to_login(console):
    r = requests.get(f"{console.url}/console/org", allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login?next=/console/org"


def test_the_session_cookie_is_httponly_strict_and_only_its_hash_is_stored(console):
    session = requests.Session()
    page = session.get(f"{console.url}/console/login")
    r = session.post(f"{console.url}/console/login", allow_redirects=False,
                     data={"csrf_token": csrf_in(page.text), "username": "sup1",
                           "password": PASSWORD})
    assert r.status_code == 303
    cookie = next(c for c in r.headers["set-cookie"].split(", console_")
                  if c.startswith("console_session") or c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    token = r.cookies["console_session"]
    with console.store.transaction(write=False) as tx:
        stored = [row[0] for row in tx.all("SELECT token_hash FROM sessions")]
    assert token not in stored and users.token_hash(token) in stored


def test_over_https_the_cookie_is_secure(tmp_path):
    tls = make_ca_and_server_cert(tmp_path / "tls")
    with ServerThread(tmp_path / "s.db", ssl_certfile=str(tls["cert"]),
                      ssl_keyfile=str(tls["key"])) as srv:
        seed(srv.store, PASSWORD, accounts={"sup1": ("x", "hall_supervisor", "H01")})
        session, ca = requests.Session(), str(tls["ca"])  # per request: env may override
        page = session.get(f"{srv.url}/console/login", verify=ca)
        r = session.post(f"{srv.url}/console/login", allow_redirects=False, verify=ca,
                         data={"csrf_token": csrf_in(page.text), "username": "sup1",
                               "password": PASSWORD})
        assert r.status_code == 303
        assert re.search(r"console_session=[^,]*Secure", r.headers["set-cookie"])


def test_a_post_without_its_csrf_token_is_refused(console):
    session = login(console, "sup1")
    url = f"{console.url}/console/org/halls/H01/windows"
    no_token = session.post(url, data={"number": "9", "name": "偷偷加的"}, allow_redirects=False)
    wrong = session.post(url, data={"number": "9", "name": "偷偷加的", "csrf_token": "x" * 64},
                         allow_redirects=False)
    assert no_token.status_code == 403 and wrong.status_code == 403
    assert "偷偷加的" not in session.get(f"{console.url}/console/org/halls/H01").text
    logout = session.post(f"{console.url}/console/logout", allow_redirects=False)
    assert logout.status_code == 403  # logging someone out is a POST too
    login_page = requests.Session()
    r = login_page.post(f"{console.url}/console/login",
                        data={"username": "sup1", "password": PASSWORD})
    assert r.status_code == 403


def test_ten_wrong_passwords_lock_the_account_and_twenty_lock_the_address(tmp_path,
                                                                        monkeypatch):
    monkeypatch.setattr(users, "SLOW_AFTER", 100)  # the lock alone (test_login_throttle)
    with ServerThread(tmp_path / "lock.db") as srv:
        seed(srv.store, PASSWORD)
        session = requests.Session()

        def attempt(username, password):
            token = csrf_in(session.get(f"{srv.url}/console/login").text)
            return session.post(f"{srv.url}/console/login", allow_redirects=False,
                                data={"csrf_token": token, "username": username,
                                      "password": password})
        for i in range(10):
            r = attempt("sup1", f"wrong-{i}")
            assert r.status_code == 401 and "用户名或密码错误" in r.text
        locked = attempt("sup1", PASSWORD)
        assert locked.status_code == 429 and "锁定 15 分钟" in locked.text
        assert attempt("sup2", PASSWORD).status_code == 303  # same address, another account
        for i in range(10):
            attempt(f"nobody{i}", "guess-guess")  # spraying: 20 failures from this address
        assert attempt("admin", PASSWORD).status_code == 429
        with srv.store.transaction(write=False) as tx:
            keys = {row[0] for row in tx.all("SELECT key FROM login_throttle WHERE "
                                             "locked_until IS NOT NULL")}
        assert keys == {"pair:sup1|127.0.0.1", "addr:127.0.0.1"}


def test_password_change_and_reset(console):
    session = login(console, "staff1")
    bad = post_form(session, console, "/console/password", "/console/password",
                    {"current": "nope", "new": "short", "again": "other"})
    assert bad.status_code == 400
    assert "当前密码不正确" in bad.text and "至少需要 10 个字符" in bad.text
    ok = post_form(session, console, "/console/password", "/console/password",
                   {"current": PASSWORD, "new": "a-new-long-secret", "again": "a-new-long-secret"})
    assert ok.status_code == 303
    assert "您的密码已修改" in session.get(f"{console.url}/console/password?done=1").text
    login(console, "staff1", "a-new-long-secret")
    # An admin resets it: the user must choose a new one before any other page.
    admin = login(console, "admin")
    r = post_form(admin, console, "/console/users", "/console/users/staff1/password",
                  {"password": "temporary-pass-1"})
    assert r.status_code == 200 and "已重置 staff1 的密码" in r.text
    again = login(console, "staff1", "temporary-pass-1", lands="/console/password")
    assert again.get(f"{console.url}/console/", allow_redirects=False).headers["location"] \
        == "/console/password"
    actions = [e["action"] for e in audit.entries(console.store, 5)[0]]
    assert "user.reset_password" in actions and "user.password" in actions


def test_logout_ends_the_session_on_the_server(console):
    session = login(console, "audit1")
    cookie = session.cookies["console_session"]
    r = post_form(session, console, "/console/", "/console/logout", {})
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    replay = requests.get(f"{console.url}/console/", cookies={"console_session": cookie},
                          allow_redirects=False)
    assert replay.status_code == 303 and "/console/login" in replay.headers["location"]


def test_login_never_redirects_off_the_console(console):
    session = requests.Session()
    page = session.get(f"{console.url}/console/login?next=//evil.example/x")
    assert 'value="/console/"' in page.text
    r = session.post(f"{console.url}/console/login", allow_redirects=False,
                     data={"csrf_token": csrf_in(page.text), "username": "sup2",
                           "password": PASSWORD, "next": "https://evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/console/"


def test_disabling_an_account_ends_its_open_session(console):
    victim = login(console, "nanshan")
    admin = login(console, "admin")
    assert post_form(admin, console, "/console/users", "/console/users/nanshan/disable",
                     {}).status_code == 303
    r = victim.get(f"{console.url}/console/org", allow_redirects=False)
    assert r.status_code == 303 and "/console/login" in r.headers["location"]
    assert post_form(admin, console, "/console/users", "/console/users/nanshan/disable",
                     {}).status_code == 303  # enabled again for the other tests
