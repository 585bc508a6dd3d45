"""Console sign-in: the session cookie, CSRF tokens, the login/logout/password pages.

* Cookie `console_session`: HttpOnly, SameSite=Strict, Path=/console, Secure when the request
  came over https; it holds a random token whose sha256 is the server-side session key.
* CSRF: each session's token is HMAC-SHA256(session token, "csrf"), so nothing more is
  stored; every POST must carry it (form field `csrf_token` or header X-CSRF-Token) or gets
  403. The login form, before any session, uses a double-submit cookie instead.
* Throttle and lock-out rules live in server/db/users.py (10 per account and address, 20 per
  address, 15 minutes; a growing wait per account for addresses that already failed on it).
  The current password on the password page is throttled the same way. The client address
  is the TCP peer; uvicorn replaces it by X-Forwarded-For only when the peer is a trusted
  proxy (FORWARDED_ALLOW_IPS, default 127.0.0.1: nginx on the same host, which sets the
  header itself), so a client cannot pick its own address.
* Password hashing runs at most one per core at a time (server/db/password_hash.py); logins
  wait for a slot in the event loop, not in the thread pool, and past QUEUE waiting (or
  10 s) the answer is 503 with Retry-After, so a burst of logins cannot take the memory.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from server.console.scope import ConsoleError, LoginRequired, User, build_user, console_now
from server.console.templating import render, tr
from server.db import audit, password_hash, users
from sync.wire.labels import N_

log = logging.getLogger(__name__)

SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

QUEUE = 64 * password_hash.SLOTS  # logins waiting for a hashing slot before 503

router = APIRouter()


class HashGate:
    """Per app: at most password_hash.SLOTS hashes at once, QUEUE more waiting."""

    def __init__(self) -> None:
        self.slots = asyncio.Semaphore(password_hash.SLOTS)
        self.waiting = 0

    async def run(self, fn, *args):
        if self.waiting >= QUEUE:
            raise password_hash.Busy("too many logins waiting")
        self.waiting += 1
        try:
            await asyncio.wait_for(self.slots.acquire(), password_hash.WAIT_S)
        except asyncio.TimeoutError:
            raise password_hash.Busy("no hashing slot") from None
        finally:
            self.waiting -= 1
        try:
            return await run_in_threadpool(fn, *args)
        finally:
            self.slots.release()


def hashing(request: Request) -> HashGate:
    gate = getattr(request.app.state, "hash_gate", None)
    if gate is None:
        gate = request.app.state.hash_gate = HashGate()
    return gate


def busy_page(request: Request, user=None):
    """503 with Retry-After: every hashing slot is taken (a burst of logins)."""
    return render(request, "error.html", user, status_code=503, headers={"Retry-After": "2"},
                  status=503, message=tr(request, N_("The server is busy; try again in a "
                                                     "moment.")))


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"csrf", hashlib.sha256).hexdigest()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def set_cookie(request: Request, response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/console", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")


async def _posted_csrf(request: Request) -> str:
    token = request.headers.get("x-csrf-token")
    if token:
        return token
    if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded",
                                                           "multipart/form-data")):
        form = await request.form()  # Starlette caches it; the route reads the same form
        return str(form.get("csrf_token") or "")
    return ""


async def check_csrf(request: Request, expected: str) -> None:
    if not hmac.compare_digest((await _posted_csrf(request)).encode(), expected.encode()):
        log.warning("POST %s without a valid CSRF token", request.url.path)
        raise ConsoleError(403, N_("missing or wrong CSRF token"))


async def session_user(request: Request) -> User | None:
    """The logged-in User, or None (no cookie, expired, disabled)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    store = request.app.state.store

    def load():
        account = users.session_account(store, token)
        return build_user(store, account, csrf_for(token), console_now(request)) \
            if account else None
    return await run_in_threadpool(load)


async def page_user(request: Request) -> User:
    """Dependency of every console page and console API: the user, else login (pages) or
    401 (APIs); a POST without this session's CSRF token is refused (403); an account whose
    password was reset is sent to change it first."""
    user = await session_user(request)
    if user is None:
        raise LoginRequired()
    if request.method not in SAFE_METHODS:
        await check_csrf(request, user.csrf)
    if user.must_change and request.url.path not in ("/console/password", "/console/logout"):
        raise ConsoleError(303, N_("password change required"),
                           headers={"Location": "/console/password"})
    return user


async def posted_form(request: Request):
    """Dependency: the posted form (parsed once, in the event loop), so routes that write to
    the store can be plain `def` routes that run in the thread pool."""
    return await request.form()


def safe_next(target: str | None) -> str:
    """Only a console path (no //host, no scheme) may follow a login."""
    if target and target.startswith("/console") and "//" not in target and "\\" not in target:
        return target
    return "/console/"


@router.get("/login", include_in_schema=False)
async def login_form(request: Request, next: str = "/console/"):
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "login.html", None, login_csrf=token, next=safe_next(next),
                      error=None, username="")
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, 3600)
    return response


@router.post("/login", include_in_schema=False)
async def login(request: Request):
    form = await request.form()
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    sent = str(form.get("csrf_token") or "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise ConsoleError(403, N_("missing or wrong CSRF token"))
    username = str(form.get("username") or "").strip().lower()[:64]
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    store, address = request.app.state.store, client_address(request)
    try:
        account, why = await hashing(request).run(users.authenticate, store, username,
                                                  password, address)
    except password_hash.Busy:
        return busy_page(request)
    if account is None:
        return render(request, "login.html", None, status_code=401 if why == "invalid"
                      else 429, headers=_retry_after(store, username, address, why),
                      login_csrf=cookie, next=target, username=username,
                      error=refusal(request, why, store, username, address))
    token = await run_in_threadpool(users.new_session, store, account.username, address)
    failed, last_at = await run_in_threadpool(users.take_failure_notice, store,
                                              account.username)
    await run_in_threadpool(audit.record, store, f"user:{account.username}", "session.login",
                            f"user:{account.username}", {"address": address,
                                                         "failed_before": failed})
    goes_to = "/console/password" if account.must_change else target
    if failed:  # the owner is told of the failed attempts before anything else
        response = render(request, "login_notice.html", None, failed=failed,
                          last_at=local_time(last_at), next=goes_to)
    else:
        response = RedirectResponse(goes_to, 303)
    set_cookie(request, response, SESSION_COOKIE, token, int(users.MAX_AGE.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


def local_time(text: str | None) -> str:
    """UTC text from the store in hall time (UTC+8), to the second."""
    if not text:
        return ""
    return (datetime.fromisoformat(text.replace("Z", "+00:00")) + timedelta(hours=8)) \
        .strftime("%Y-%m-%d %H:%M:%S")


def _wait(store, username: str, address: str) -> int:
    return users.check(store, username, address, datetime.now(timezone.utc))[1]


def _retry_after(store, username: str, address: str, why: str | None) -> dict | None:
    if why not in ("locked", "slow"):
        return None
    return {"Retry-After": str(max(1, _wait(store, username, address)))}


def refusal(request: Request, why: str | None, store, username: str, address: str) -> str:
    if why == "locked":
        return tr(request, N_("Too many failed attempts: this account or address is locked "
                              "for 15 minutes."))
    if why == "slow":
        return tr(request, N_("Too many failed attempts at this account: wait {seconds} "
                              "seconds before the next try."),
                  seconds=max(1, _wait(store, username, address)))
    return tr(request, N_("Wrong user name or password."))


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, user: User = Depends(page_user)):
    await run_in_threadpool(users.end_session, request.app.state.store,
                            request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/console/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.get("/password", include_in_schema=False)
async def password_form(request: Request, done: int = 0, user: User = Depends(page_user)):
    return render(request, "password.html", user, errors={}, done=bool(done))


@router.post("/password", include_in_schema=False)
async def change_password(request: Request, user: User = Depends(page_user)):
    form = await request.form()
    current, new, again = (str(form.get(k) or "") for k in ("current", "new", "again"))
    store, address = request.app.state.store, client_address(request)
    errors = {}
    try:
        why = await hashing(request).run(users.check_password_guess, store, user.username,
                                         current, address)
    except password_hash.Busy:
        return busy_page(request, user)
    if why:
        errors["current"] = refusal(request, why, store, user.username, address) \
            if why != "invalid" else tr(request, N_("The current password is wrong."))
    try:
        users.check_password(new, user.username)
    except ValueError as exc:
        errors["new"] = tr(request, str(exc))
    if new != again:
        errors["again"] = tr(request, N_("The two new passwords differ."))
    if not errors and new == current:
        # Above all after a reset: the administrator knows the temporary password.
        errors["new"] = tr(request, N_("The new password must differ from the current one."))
    if errors:
        return render(request, "password.html", user, status_code=429 if why in
                      ("locked", "slow") else 400, errors=errors, done=False)

    def save():
        with store.transaction() as tx:
            users.set_password(tx, user.username, new)
            audit.append(tx, user.actor, "user.password", f"user:{user.username}", {})
        return users.new_session(store, user.username, client_address(request))
    try:
        token = await hashing(request).run(save)
    except password_hash.Busy:
        return busy_page(request, user)
    # A new session (the old one ended with the old password), so a new CSRF token: reload.
    response = RedirectResponse("/console/password?done=1", 303)
    set_cookie(request, response, SESSION_COOKIE, token, int(users.MAX_AGE.total_seconds()))
    return response


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/console/login?next={quote(target)}", 303)
