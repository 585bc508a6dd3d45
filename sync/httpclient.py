"""The kiosk's HTTP client: http.client + ssl with keep-alive, timeouts and JSON helpers."""
from __future__ import annotations

import http.client
import json as jsonlib
import logging
import os
import select
import socket
from urllib.parse import urljoin, urlsplit

from sync.proxies import Proxy, ProxyError, basic_auth, proxy_for

log = logging.getLogger(__name__)

REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5  # as many as any sane server chain needs; requests allows 30
USER_AGENT = "kiosk-sync/1"


class RequestError(Exception):
    """No answer from the server (the one exception callers catch, like requests'
    RequestException); the message starts with the kind, e.g. "SSLError: ..."."""


class ConnectError(RequestError):
    """Refused, reset, name not resolved, closed mid-answer, malformed answer."""


class Timeout(RequestError):
    """Connecting or reading took longer than the timeout."""


class SSLError(RequestError):
    """The TLS handshake failed: most often the server's certificate did not verify."""


class TooLarge(RequestError):
    """The answer's body is over the caller's max_bytes."""

    def __init__(self, message: str, declared: int | None = None) -> None:
        super().__init__(message)
        self.declared = declared


class Response:
    """An answer read in full: status, headers (case-insensitive get), body bytes."""

    def __init__(self, status: int, headers, content: bytes, url: str) -> None:
        self.status, self.headers, self.content, self.url = status, headers, content, url

    @property
    def text(self) -> str:
        charset = self.headers.get_content_charset() or "utf-8"
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")

    def json(self):
        """The body as JSON (RFC 8259: UTF-8); ValueError when it is not."""
        return jsonlib.loads(self.content.decode("utf-8-sig"))


def default_cafile() -> str | None:
    """The CA file requests verified against when no ca_bundle was configured: the
    REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE environment, else certifi's bundle; None (OpenSSL's
    system default paths) when certifi is not installed."""
    env = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if env:
        return env
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


def _wrap(exc: BaseException) -> RequestError:
    import ssl

    kind = (Timeout if isinstance(exc, TimeoutError) else
            SSLError if isinstance(exc, ssl.SSLError) else ConnectError)
    return kind(f"{kind.__name__}: {type(exc).__name__}: {exc}")


class Client:
    """One keep-alive connection per origin. Not thread-safe: one Client per thread (the
    uploader, the heartbeat and the config pull each hold their own)."""

    def __init__(self, ca_bundle: str | None = None, timeout_s: float = 10.0,
                 headers: dict | None = None) -> None:
        self.ca_bundle, self.timeout_s = ca_bundle, timeout_s
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._conns: dict[tuple, http.client.HTTPConnection] = {}
        self._ssl_context = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Drop every pooled connection (the next request connects afresh)."""
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()

    def get(self, url: str, **kw) -> Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw) -> Response:
        return self.request("POST", url, **kw)

    def request(self, method: str, url: str, *, json=None, headers: dict | None = None,
                timeout_s: float | None = None, max_bytes: int | None = None) -> Response:
        """Send and read the whole answer; RequestError when none came. GET follows
        redirects (the Authorization header only to the origin it was meant for); other
        methods return the redirect itself."""
        body = None
        sent = {**self.headers, **(headers or {})}
        if json is not None:
            body = jsonlib.dumps(json, allow_nan=False).encode("utf-8")
            sent["Content-Type"] = "application/json"
        origin = urlsplit(url)[:2]
        for _ in range(MAX_REDIRECTS + 1):
            resp = self._once(method, url, body, sent, timeout_s, max_bytes)
            location = resp.headers.get("Location")
            if method != "GET" or resp.status not in REDIRECTS or not location:
                return resp
            url = urljoin(url, location)
            if urlsplit(url)[:2] != origin:
                sent = {k: v for k, v in sent.items() if k.lower() != "authorization"}
        raise ConnectError(f"ConnectError: more than {MAX_REDIRECTS} redirects")

    def _once(self, method, url, body, headers, timeout_s, max_bytes) -> Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConnectError(f"ConnectError: not an http(s) URL: {parts.scheme}://...")
        if parts.username is not None:  # user:password@ in the URL: Basic, as requests did
            headers = {**headers, "Authorization": basic_auth(parts)}
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = (parts.scheme, parts.hostname, parts.port)
        conn = self._connection(key, timeout_s or self.timeout_s)
        if isinstance(conn, _ThroughProxy):  # http:// by a proxy: the whole URL, its login
            target = f"http://{parts.netloc.rpartition('@')[2]}{target}"
            if conn.proxy.authorization:
                headers = {**headers, "Proxy-Authorization": conn.proxy.authorization}
        try:
            conn.request(method, target, body=body, headers=headers)
            answer = conn.getresponse()
            declared = answer.getheader("Content-Length")
            if max_bytes is not None and declared and declared.isascii() \
                    and declared.isdigit() \
                    and int(declared) > max_bytes:
                raise TooLarge(f"{declared} bytes is over the {max_bytes}-byte limit",
                               int(declared))
            content = answer.read() if max_bytes is None else self._read(answer, max_bytes)
        except BaseException as exc:
            # Whatever happened, the connection may be half-dead (or mid-body): drop it.
            conn.close()
            self._conns.pop(key, None)
            if isinstance(exc, RequestError):
                raise
            if isinstance(exc, (OSError, http.client.HTTPException)):
                raise _wrap(exc) from None
            raise
        return Response(answer.status, answer.headers, content, url)

    @staticmethod
    def _read(answer, max_bytes: int) -> bytes:
        body = bytearray()
        while chunk := answer.read(64 * 1024):
            body += chunk
            if len(body) > max_bytes:
                raise TooLarge(f"over the {max_bytes}-byte limit")
        return bytes(body)

    def _connection(self, key: tuple, timeout_s: float) -> http.client.HTTPConnection:
        conn = self._conns.get(key)
        if conn is not None and conn.sock is not None and _dropped(conn.sock):
            conn.close()  # the server closed an idle keep-alive connection: reconnect
        if conn is None:
            scheme, host, port = key
            port = port or (443 if scheme == "https" else 80)
            try:
                proxy = proxy_for(scheme, host, port)
            except ProxyError as exc:
                raise ConnectError(f"ConnectError: {exc}") from None
            if scheme == "https":
                address = (proxy.host, proxy.port) if proxy else (host, port)
                conn = http.client.HTTPSConnection(*address, timeout=timeout_s,
                                                   context=self.ssl_context())
                if proxy is not None:  # a CONNECT tunnel: TLS stays end to end
                    auth = proxy.authorization
                    conn.set_tunnel(host, port, headers={"Proxy-Authorization": auth}
                                    if auth else None)
            elif proxy is not None:
                conn = _ThroughProxy(proxy, timeout_s)
            else:
                conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
            self._conns[key] = conn
        conn.timeout = timeout_s  # for the next connect; and for reads on an open socket:
        if conn.sock is not None:
            conn.sock.settimeout(timeout_s)
        return conn

    def ssl_context(self):
        """The TLS context (made once): verification against ca_bundle or default_cafile()."""
        if self._ssl_context is None:
            import ssl

            # Verification and host name checks on, as requests did with verify=True / a path.
            self._ssl_context = ssl.create_default_context(
                cafile=self.ca_bundle or default_cafile())
        return self._ssl_context


class _ThroughProxy(http.client.HTTPConnection):
    """A connection to a plain-HTTP proxy: requests on it carry the whole URL (Client._once)
    and the proxy's login."""

    def __init__(self, proxy: Proxy, timeout_s: float) -> None:
        super().__init__(proxy.host, proxy.port, timeout=timeout_s)
        self.proxy = proxy


def _dropped(sock: socket.socket) -> bool:
    """True when an idle connection is readable: the peer closed it (or sent something
    unasked), so it cannot carry the next request (urllib3 checks the same way)."""
    try:
        poller = select.poll()  # not select.select: that fails for descriptors past 1023
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True
