"""Doctor checks of what the server decides for this kiosk: the window it was enrolled for, and
the device config it pulls (source and age, as the technician menu shows them)."""
from __future__ import annotations

import logging

from kiosk.i18n import _
from kiosk.setup.common import FAIL, PASS, SKIP, WARN, Check, read_token
from kiosk.setup.wording import config_pull_error

log = logging.getLogger(__name__)
INDENT = " " * 12  # under the message column of doctor's text output


def enrolled_window(cfg) -> int | None:
    """The window the enrolment code was issued for (from the token file), or None."""
    from sync.enrol import EnrolError, load_credentials

    try:
        return load_credentials(cfg.token_path).window
    except EnrolError:
        return None


def check_window(cfg) -> Check:
    """FAIL when [window] number is not the enrolled window: the server refuses its ratings."""
    window = enrolled_window(cfg)
    if window is None:
        return Check("window", SKIP, _("no window in the enrolment (hall-wide, or not enrolled)"))
    if window != cfg.window.number:
        return Check("window", FAIL,
                     _("this kiosk is enrolled for window {enrolled} but [window] number = "
                       "{configured}: the server refuses its ratings").format(
                         enrolled=window, configured=cfg.window.number),
                     _("set [window] number = {enrolled} (kiosk-setup init --window {enrolled}), "
                       "or enrol again with a code for window {configured}").format(
                         enrolled=window, configured=cfg.window.number))
    return Check("window", PASS, _("window {number}, as enrolled").format(number=window))


def check_device_config(cfg) -> Check:
    """Pull the device config now, as the kiosk does, and say where it comes from and how old
    it is: server (fresh), cached copy (server not reachable) or the local config file."""
    from kiosk.services import config_age, describe_config
    from sync.device_config import fetch_config, read_cache

    if not cfg.server.url:
        return Check("devconfig", PASS, describe_config({"origin": "local"}))
    token = read_token(cfg)
    if token:
        result = fetch_config(cfg.server.url, token, cfg.config_cache_path,
                              cfg.server.ca_bundle or None, timeout_s=cfg.server.timeout_s)
    else:
        result = read_cache(cfg.config_cache_path)
    text = describe_config({"origin": result.origin, "age_s": config_age(result.fetched_at)})
    if result.origin == "server":
        return Check("devconfig", PASS, text)
    error = config_pull_error(result.error)  # what happened, never an exception's name
    why = _(" ({message})").format(message=error) if error else ""
    return Check("devconfig", WARN, text + why,
                 _("the kiosk pulls the server's config every [server] config_pull_s seconds; "
                   "check the server and token checks above"))


def check_settings(cfg) -> Check:
    """Each setting the server may push, with the value in force and where it comes from
    (server device config, kiosk.toml or the built-in default), as the kiosk would start with
    it: the server's config as pulled by the devconfig check (or cached before)."""
    from kiosk.roster import load_site
    from kiosk.settings import lines
    from sync.device_config import read_cache

    pushed = read_cache(cfg.config_cache_path).config
    rows = lines(cfg, pushed, load_site(cfg))
    return Check("settings", PASS, _("in force:") + "".join(
        "\n" + INDENT + _("{label}: {value}").format(label=label, value=value)
        for label, value in rows))
