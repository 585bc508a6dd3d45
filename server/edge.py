"""The HTTP edge, one ASGI middleware in front of every route: body limits, rate limits,
cross-site checks and security headers, and log lines that never hold a phone token.

* Body limits: each route has a ceiling (BODY_LIMITS, first matching prefix wins). A declared
  Content-Length over it is refused with 413 before a byte of the body is read; a chunked or
  undeclared body is counted as it arrives and refused the moment it passes the ceiling (the
  app then sees the client as gone). Nothing past the limit is ever buffered.
* Rate limits per client address (RATE_LIMITS): past the soft limit each request waits a little
  longer (slow-down), past the hard limit it gets 429 with Retry-After. Per process: with
  several workers nginx's limit_req (deploy/nginx) is the province-wide limit.
* /r/ (phone pages): a POST from another site (Sec-Fetch-Site cross-site, or an Origin that is
  not this host) is refused with 403; responses may not be framed, sniffed or leak the token
  in a Referer.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

KIB = 1024
DEFAULT_LIMIT = 64 * KIB
# (path prefix, method or None for any, max body bytes); the batch limit comes from the app.
BODY_LIMITS: list[tuple[str, str | None, int]] = [
    ("/api/v1/ratings/batch", "POST", -1),  # -1: app.state.max_body_bytes
    ("/api/v1/events/batch", "POST", -1),  # service events: the same ceiling
    ("/api/v1/enrol", "POST", 1 * KIB),
    ("/api/v1/device/heartbeat", "POST", 8 * KIB),
    ("/api/v1/admin/device-config", None, 512 * KIB),  # 200 staff with photo URLs
    ("/r/", "POST", 8 * KIB),
    ("/console", None, 4096 * KIB),  # console forms, including org/staff file imports
]
PHONE_PREFIX = "/r/"
PHONE_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                 (b"x-frame-options", b"DENY")]
COMMON_HEADERS = [(b"x-content-type-options", b"nosniff")]
TOKEN_IN_PATH = re.compile(r"/r/[^\s?\"']+")


@dataclass(frozen=True)
class Rate:
    """Per address: `soft` requests per `window_s` pass at once, each one beyond waits
    `step_s` more (up to max_delay_s), beyond `hard` the answer is 429."""

    soft: int
    hard: int
    window_s: float = 60.0
    step_s: float = 0.2
    max_delay_s: float = 2.0


RATE_LIMITS: dict[str, Rate] = {
    "/api/v1/enrol": Rate(soft=10, hard=30),
    PHONE_PREFIX: Rate(soft=60, hard=120),
}
MAX_TRACKED = 20_000  # addresses remembered per limit; the oldest go first


def body_limit(method: str, path: str, batch_limit: int) -> int:
    for prefix, only, limit in BODY_LIMITS:
        if path.startswith(prefix) and (only is None or only == method):
            return batch_limit if limit < 0 else limit
    return DEFAULT_LIMIT


class RateLimiter:
    """Fixed windows per (limit, address); cheap and bounded in memory."""

    def __init__(self, limits: dict[str, Rate]) -> None:
        self.limits = limits
        self.seen: dict[tuple[str, str], tuple[float, int]] = {}

    def check(self, prefix: str, address: str, now: float | None = None) -> float | None:
        """Seconds to wait before serving (0.0: at once), or None: refuse (429)."""
        rate = self.limits[prefix]
        now = time.monotonic() if now is None else now
        key = (prefix, address)
        start, count = self.seen.get(key, (now, 0))
        if now - start >= rate.window_s:
            start, count = now, 0
        count += 1
        self.seen.pop(key, None)  # re-insert: dict order is then oldest-first
        self.seen[key] = (start, count)
        if len(self.seen) > MAX_TRACKED:
            del self.seen[next(iter(self.seen))]
        if count > rate.hard:
            return None
        return min(rate.max_delay_s, max(0, count - rate.soft) * rate.step_s)

    def retry_after(self, prefix: str, address: str) -> int:
        start, _ = self.seen.get((prefix, address), (time.monotonic(), 0))
        return max(1, int(self.limits[prefix].window_s - (time.monotonic() - start)) + 1)


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def cross_site(scope) -> bool:
    """A browser POST that did not come from a page of this host."""
    site = _header(scope, b"sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = _header(scope, b"origin")
    if origin is None:
        return False  # not a browser that says; the signed token is still required
    return origin == "null" or urlsplit(origin).netloc != (_header(scope, b"host") or "")


class BodyTooLarge(Exception):
    pass


class EdgeMiddleware:
    """See the module docstring; `batch_limit` is the batch endpoint's ceiling."""

    def __init__(self, app, batch_limit: int, limiter: RateLimiter | None = None) -> None:
        self.app = app
        self.batch_limit = batch_limit
        self.limiter = limiter or RateLimiter(RATE_LIMITS)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        phone = path.startswith(PHONE_PREFIX)
        extra = PHONE_HEADERS if phone else COMMON_HEADERS
        if "\x00" in path or b"%00" in scope.get("query_string", b"").upper():
            # No id, code or filter holds a NUL; PostgreSQL would refuse it with a 500.
            await _json(send, 400, "NUL in the path or query", extra)
            return
        for prefix in self.limiter.limits:
            if path.startswith(prefix):
                address = (scope.get("client") or ("?", 0))[0]
                wait = self.limiter.check(prefix, address)
                if wait is None:
                    log.warning("rate limit: %s refused for %s", prefix, address)
                    await _json(send, 429, "too many requests, slow down", extra,
                                [(b"retry-after",
                                  str(self.limiter.retry_after(prefix, address)).encode())])
                    return
                if wait:
                    await asyncio.sleep(wait)
        if phone and method == "POST" and cross_site(scope):
            await _json(send, 403, "cross-site form posts are not accepted", extra)
            return
        limit = body_limit(method, path, self.batch_limit)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await _json(send, 413, "body too large", extra, max_bytes=limit)
            return
        has_body = (declared not in (None, "0")) or _header(scope, b"transfer-encoding")
        state = {"size": 0, "started": False, "refused": False, "unread": bool(has_body)}

        async def counted_receive():
            message = await receive()
            if message["type"] == "http.request":
                state["unread"] = message.get("more_body", False)
                state["size"] += len(message.get("body", b""))
                if state["size"] > limit and not state["refused"]:
                    state["refused"] = True
                    if not state["started"]:
                        await _json(send, 413, "body too large", extra, max_bytes=limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if state["refused"]:
                return  # the 413 went out; whatever the app says now goes nowhere
            if message["type"] == "http.response.start":
                state["started"] = True
                headers = _with_headers(message.get("headers", []), extra, phone)
                if state["unread"]:  # answered before the body was read (401, 403, ...):
                    headers.append((b"connection", b"close"))  # never drain the rest
                message = dict(message, headers=headers)
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not state["refused"]:
                raise  # a real error: the app's handlers and the server deal with it


def _with_headers(headers, extra, phone: bool) -> list:
    out = list(headers)
    names = {k.lower() for k, _ in out}
    out += [(k, v) for k, v in extra if k not in names]
    if phone:
        out = [(k, v + b"; frame-ancestors 'none'")
               if k.lower() == b"content-security-policy" and b"frame-ancestors" not in v
               else (k, v) for k, v in out]
        if b"content-security-policy" not in names:
            out.append((b"content-security-policy", b"frame-ancestors 'none'"))
    return out


async def _json(send, status: int, message: str, extra, headers=(), **fields) -> None:
    body = json.dumps({"error": message, **fields}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *extra, *headers]})
    await send({"type": "http.response.body", "body": body})


def redact_path(path: str) -> str:
    return TOKEN_IN_PATH.sub("/r/…", path)


class RedactTokens(logging.Filter):
    """Log records never carry a phone token: /r/<token> becomes /r/… (access and error
    logs alike; the token is a bearer credential for one rating)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and PHONE_PREFIX in record.msg:
            record.msg = TOKEN_IN_PATH.sub("/r/…", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(TOKEN_IN_PATH.sub("/r/…", a) if isinstance(a, str) else a
                                for a in record.args)
        return True
