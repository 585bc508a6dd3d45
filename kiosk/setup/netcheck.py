"""The doctor's network checks: the server answers, accepts our token, and agrees on the time."""
from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from kiosk.i18n import _
from kiosk.setup.common import (
    FAIL,
    PASS,
    SKIP,
    WARN,
    Check,
    auth_headers,
    explain_http_error,
    read_token,
    tls_verify,
)
from kiosk.setup.wording import detail

MAX_SKEW_S = 120


def check_server(cfg) -> tuple[Check, Check, Check | None]:
    """(server, token, clock-from-server) checks; the last is None when the server is silent."""
    import requests

    if not cfg.server.url:
        return (Check("server", WARN, _("no server configured: ratings stay on this kiosk"),
                      _("set [server] url with kiosk-setup init --server-url")),
                Check("token", SKIP, _("no server, no token needed")), None)
    base = cfg.server.url.rstrip("/")
    try:
        resp = requests.get(f"{base}/healthz", timeout=cfg.server.timeout_s,
                            verify=tls_verify(cfg))
    except requests.RequestException as exc:
        return (Check("server", FAIL, explain_http_error(exc, base) + detail(exc),
                      _("check the network cable and DNS, the URL in [server] url, and that the "
                        "server runs (curl <url>/healthz)")),
                Check("token", SKIP, _("cannot check the token: server unreachable")), None)
    if resp.status_code != 200:
        server = Check("server", FAIL, _("{url}/healthz answered HTTP {status}").format(
            url=base, status=resp.status_code),
            _("the server is up but unhealthy: ask its administrator"))
    else:
        server = Check("server", PASS, _("{url} answers").format(url=base))
    clock = _clock_from(resp.headers.get("Date"), base)
    token = read_token(cfg)
    if token is None:
        return server, Check("token", FAIL, _("not enrolled: no token in {path}").format(
            path=cfg.token_path), _("kiosk-setup init --code <enrolment code from the server>")), \
            clock
    # The device's own config needs the token (200, or 304); a server without that endpoint
    # (404) is asked with an empty upload instead: refused as invalid (422) once the token is
    # accepted, as unauthorised (401/403) before. Nothing is stored either way.
    try:
        probe = requests.get(f"{base}/api/v1/device/config", headers=auth_headers(token),
                             timeout=cfg.server.timeout_s, verify=tls_verify(cfg))
        if probe.status_code in (404, 405):
            probe = requests.post(f"{base}/api/v1/ratings/batch", json={"ratings": []},
                                  headers=auth_headers(token), timeout=cfg.server.timeout_s,
                                  verify=tls_verify(cfg))
    except requests.RequestException as exc:
        return server, Check("token", FAIL, explain_http_error(exc, base) + detail(exc)), clock
    if probe.status_code in (401, 403):
        try:
            why = probe.json().get("error", "")
        except ValueError:
            why = ""
        return server, Check("token", FAIL, _("the server refuses this kiosk's token (HTTP "
                                              "{status}{why})").format(
            status=probe.status_code, why=": " + why if why else ""),
            _("enrol again with a new code: kiosk-setup init --code <code>")), clock
    if probe.status_code in (200, 304, 400, 422):
        return server, Check("token", PASS, _("the server accepts this kiosk's token")), clock
    return server, Check("token", WARN, _("token check answered HTTP {status}").format(
        status=probe.status_code), _("ask the server administrator")), clock


def _clock_from(date_header: str | None, base: str) -> Check | None:
    try:
        theirs = parsedate_to_datetime(date_header) if date_header else None
    except (TypeError, ValueError):
        return None
    if theirs is None:
        return None
    skew = (datetime.now(timezone.utc) - theirs).total_seconds()
    if abs(skew) > MAX_SKEW_S:
        return Check("clock", FAIL, _("this clock is {skew}s off the server's").format(
            skew=f"{skew:+.0f}"), _("enable NTP: timedatectl set-ntp true; check UDP 123 is open"))
    return None


def check_clock(from_server: Check | None) -> Check:
    if from_server is not None:
        return from_server
    if shutil.which("timedatectl"):
        try:
            out = subprocess.run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
                                 capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out == "yes":
            return Check("clock", PASS, _("clock synchronised (NTP)"))
        if out == "no":
            return Check("clock", WARN, _("clock not synchronised by NTP yet (a Pi has no "
                                          "battery clock)"),
                         _("timedatectl set-ntp true; check the network reaches an NTP server "
                           "(timedatectl timesync-status)"))
        return Check("clock", WARN, _("timedatectl cannot tell whether the clock is "
                                      "synchronised (systemd not running here?)"),
                     _("check timedatectl status by hand"))
    return Check("clock", WARN, _("cannot tell whether the clock is synchronised (no "
                                  "timedatectl)"), _("install systemd-timesyncd or chrony"))
