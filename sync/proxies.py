"""Which HTTP proxy the environment names for a URL, read as curl and requests read it.

http_proxy / https_proxy (then all_proxy), lower case first, then upper case; no_proxy lists
hosts that go direct: names, domain suffixes (".gov.cn", "gov.cn" or "*.gov.cn"), host:port,
IP networks (10.0.0.0/8) or "*". A hall network whose kiosks reach the server only through a
proxy sets them in kiosk.service's environment; `kiosk-setup` (requests) reads the same.
Only http:// proxies: HTTPS goes through them as a CONNECT tunnel, so TLS stays end to end.
"""
from __future__ import annotations

import base64
import logging
import os
from typing import Mapping, NamedTuple
from urllib.parse import SplitResult, unquote, urlsplit

log = logging.getLogger(__name__)


class ProxyError(ValueError):
    """The environment names a proxy this client cannot use (a socks5:// one, say)."""


class Proxy(NamedTuple):
    host: str
    port: int
    authorization: str | None  # the Proxy-Authorization header, from user:password@
    variable: str  # where it came from, for messages


def _env(names: tuple[str, ...], env: Mapping[str, str]) -> tuple[str, str] | None:
    for name in names:
        for variant in (name, name.upper()):
            value = env.get(variant, "").strip()
            if value:
                return variant, value
    return None


def bypassed(host: str, port: int, no_proxy: str) -> bool:
    """True when no_proxy says this host goes direct."""
    host = host.lower().strip("[]")
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        name = entry
        if entry.count(":") == 1:  # host:port (an IPv6 address has more colons)
            name, wanted = entry.split(":")
            if wanted.isdigit() and int(wanted) != port:
                continue
        name = name.strip("[]").lstrip("*").lstrip(".")
        if "/" in name:  # an IP network
            import ipaddress

            try:
                if ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
            continue
        if host == name or host.endswith("." + name):
            return True
    return False


def proxy_for(scheme: str, host: str, port: int,
              env: Mapping[str, str] | None = None) -> Proxy | None:
    """The proxy for scheme://host:port, or None (none set, or no_proxy bypasses it);
    ProxyError for one that is not http://."""
    env = os.environ if env is None else env
    found = _env((f"{scheme}_proxy", "all_proxy"), env)
    if found is None:
        return None
    variable, value = found
    no_proxy = _env(("no_proxy",), env)
    if no_proxy is not None and bypassed(host, port, no_proxy[1]):
        return None
    parts = urlsplit(value if "://" in value else "http://" + value)
    if parts.scheme != "http" or not parts.hostname:
        raise ProxyError(f"{variable}={value}: only http:// proxies are supported")
    try:
        proxy_port = parts.port or 80
    except ValueError as exc:  # a port that is not a number, or past 65535
        raise ProxyError(f"{variable}={value}: {exc}") from None
    return Proxy(parts.hostname, proxy_port, basic_auth(parts), variable)


def basic_auth(parts: SplitResult) -> str | None:
    """The Basic Authorization value of a URL's user:password@ (as requests sends it), or
    None when it has none."""
    if parts.username is None:
        return None
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return "Basic " + base64.b64encode(pair.encode("latin-1", "replace")).decode("ascii")
