"""`init`'s answers, checked as they are typed and kept in a 0600 file beside the config, so a
technician who stops half way resumes next time. No secret is kept in clear: the PIN only as
its salted hash, the enrolment code not at all (it is single-use: once redeemed, the device id
is kept and the token is in the token file)."""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import click

from kiosk.i18n import _
from kiosk.setup.common import explain_http_error, valid_pin, write_private

log = logging.getLogger(__name__)

REACH_TIMEOUT_S = 5.0


class Answers:
    """The answers given so far, saved after each one."""

    def __init__(self, config_path: Path) -> None:
        self.path = config_path.with_name(f".{config_path.name}.answers")
        self.data: dict = {}
        self.saving = True

    def load(self) -> dict:
        try:
            self.data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}
        if not isinstance(self.data, dict):
            self.data = {}
        return self.data

    def put(self, key: str, value) -> None:
        self.data[key] = value
        self.data["_saved_at"] = time.strftime("%Y-%m-%d %H:%M")
        if not self.saving:
            return
        try:
            write_private(self.path, json.dumps(self.data, ensure_ascii=False) + "\n")
        except OSError as exc:  # e.g. /etc/kiosk without sudo: the final write will say so
            self.saving = False
            click.echo(_("warning: cannot keep the answers in {path} ({error}); they are lost "
                         "if you stop now").format(path=self.path, error=exc.strerror), err=True)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def check_url(text: str) -> str:
    """A server URL as typed: `-`, or http(s)://host[:port] that answers GET /healthz."""
    import re

    url = text.strip().rstrip("/")
    if url in ("-", ""):
        return "-"
    if "://" not in url:
        raise click.BadParameter(_("{url} has no scheme: type https://{url} (or http://{url} "
                                   "on a hall network without TLS)").format(url=url))
    if not re.match(r"https?://[^\s/]+(/\S*)?$", url):
        raise click.BadParameter(_("{url} is not an http:// or https:// URL").format(url=url))
    return url


def reach(url: str, ca_bundle: str | None) -> str | None:
    """None when GET <url>/healthz answers 200, else one line saying what failed."""
    import requests

    try:
        resp = requests.get(f"{url}/healthz", timeout=REACH_TIMEOUT_S,
                            verify=ca_bundle or True)
    except requests.RequestException as exc:
        return explain_http_error(exc, url)
    if resp.status_code != 200:
        return _("{url}/healthz answered HTTP {status}: is this the 好差评 server?").format(
            url=url, status=resp.status_code)
    return None


def ask_pin(keep: bool) -> str | None:
    """The technician PIN, typed twice unseen: 4-12 digits, or empty (None) to keep the current
    one when `keep`. Checked here, not by click.prompt's value_proc: click masks every word of
    an error that equals the hidden input, so typing 12 printed `4 到 '***' 位数字`."""
    prompt = (_("Technician PIN, 4-12 digits (empty: keep the current PIN)") if keep
              else _("Technician PIN, 4-12 digits"))
    while True:
        pin = click.prompt(prompt, hide_input=True, default="", show_default=False)
        if pin == "" and keep:
            return None
        if not valid_pin(pin):
            click.echo(_("error: the PIN must be 4 to 12 digits; type it again"), err=True)
            continue
        again = click.prompt(_("Repeat the PIN"), hide_input=True, default="",
                             show_default=False)
        if again == pin:
            return pin
        click.echo(_("error: the two PINs differ; type the PIN again"), err=True)


def server_prompt(current: str) -> str:
    """The first question, saying what Enter does: keep the current server, or none."""
    if current:
        return _("Server URL (Enter: keep {url}; - for no server)").format(url=current)
    return _("Server URL, e.g. https://pj.example.gov.cn (Enter: no server, ratings stay on "
             "this kiosk)")


def pick(title: str, items: list[tuple[str, str]], current: str, must_exist: bool) -> str:
    """Offer numbered choices (value, description); the answer is a listed number, a path or
    URL, or - for none. A number not listed, or a /dev path that is not there, is asked again."""
    click.echo(title)
    for n, (value, desc) in enumerate(items, 1):
        click.echo(f"  {n}) {value}  {desc}")
    if not items:
        click.echo(_("  (none found)"))
    while True:
        answer = click.prompt(_("Number, path, or - for none"), default=current or "-",
                              show_default=True).strip()
        if answer == "-":
            return ""
        if answer.isdigit():
            if 1 <= int(answer) <= len(items):
                return items[int(answer) - 1][0]
            click.echo(_("error: there is no number {n} in the list; type 1..{count}, a path, "
                         "or -").format(n=answer, count=len(items)) if items else
                       _("error: nothing is listed; type a path, or -"), err=True)
            continue
        # /dev/kiosk-* appear once `install` has put the udev rules in: accepted before that.
        if (must_exist and answer.startswith("/") and not answer.startswith("/dev/kiosk-")
                and not Path(answer).exists()):
            click.echo(_("error: {path} does not exist: plug the device in, or pick from the "
                         "list").format(path=answer), err=True)
            continue
        return answer
