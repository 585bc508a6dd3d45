"""Shared by the `kiosk-setup` commands: exit codes, safe file writes, the PIN hash, the token.

The PIN hash lives in kiosk/pin.py (the technician menu checks it too); nothing here imports Kivy.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click

from kiosk import config, i18n
from kiosk.cli_language import cli_language, config_error_text
from kiosk.i18n import _
from kiosk.pin import hash_pin, valid_pin, verify_pin  # noqa: F401 - the setup commands' API

# Exit codes every kiosk-setup command keeps to (documented in the group's --help).
OK, FAILED, USAGE = 0, 1, 2
# A doctor check's outcome.
PASS, WARN, FAIL, SKIP = "pass", "warn", "fail", "skip"


@dataclass
class Check:
    """One doctor finding: what was checked, how it went, and the fix when it did not pass."""

    name: str
    status: str
    message: str
    fix: str = ""




def config_option(func):
    """The --config option every command that reads the kiosk config takes."""
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False),
        help="Config file (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml).")(func)


def json_option(func):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print machine-readable JSON instead of text.")(func)


def fail(message: str, code: int = USAGE) -> None:
    """Print `error: message` (one line) to stderr and exit with `code` (2: usage or config
    error)."""
    click.echo(_("error: {message}").format(message=message), err=True)
    sys.exit(code)


def config_message(exc: config.ConfigError) -> str:
    """A config error in the language the CLI speaks; file, section and key names verbatim."""
    return config_error_text(exc, i18n.language())


def load_config(config_path: str | None) -> config.Config:
    """The config, or exit 2 with the loader's message naming file, section and key.

    From here on the command speaks the kiosk's language ([device] language)."""
    try:
        cfg = config.load(config_path)
    except config.ConfigError as exc:
        fail(config_message(exc))
        raise  # unreachable; keeps type checkers calm
    i18n.install(cfg.device.language)
    return cfg


def use_language(config_path: str | None = None) -> str:
    """The CLI speaks the kiosk's language: [device] language of its config when it can be
    read, else the technician's LANG (zh* gives Chinese), else English."""
    return i18n.install(cli_language(config_path))


def local_time(stamp: str | None) -> str | None:
    """A stored UTC time (ISO, ...Z) as this kiosk's local time, 2026-11-24 18:05:09."""
    if not stamp:
        return stamp
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def explain_http_error(exc: Exception, url: str) -> str:
    """One line a technician can act on, for a failed request to the server (never the raw
    `HTTPConnectionPool(...): Max retries exceeded ...` text). exc: from requests (this CLI)
    or from sync/httpclient.py (the uploader's cycle, `kiosk-setup upload`)."""
    import requests

    from sync import httpclient

    host = urlsplit(url).netloc or url
    text = str(exc)
    if "not an http(s) URL" in text:
        return _("{url} is not a usable URL: write it as https://host[:port]").format(url=url)
    if isinstance(exc, (requests.exceptions.SSLError, httpclient.SSLError)):
        return _("{host}: its TLS certificate is not trusted here; give the CA with "
                 "--ca-bundle ([server] ca_bundle), or check the URL").format(host=host)
    if isinstance(exc, (requests.exceptions.Timeout, httpclient.Timeout)):
        return _("{host} did not answer in time: check the network and that the server "
                 "runs").format(host=host)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return _("{url} is not a usable URL: write it as https://host[:port]").format(url=url)
    if isinstance(exc, (requests.exceptions.ConnectionError, httpclient.ConnectError)):
        if any(w in text for w in ("Name or service not known", "NameResolution",
                                   "name resolution", "nodename nor servname")):
            return _("cannot find the server {host}: the name does not resolve; check the URL "
                     "and DNS").format(host=host)
        if "Connection refused" in text:
            return _("{host} refused the connection: nothing listens there; check the port "
                     "in the URL and that the server runs").format(host=host)
        if "No route to host" in text or "Network is unreachable" in text:
            return _("no network route to {host}: check the cable or Wi-Fi and the "
                     "address").format(host=host)
        return _("cannot connect to {host}: check the network, the URL and that the server "
                 "runs").format(host=host)
    return _("the request to {host} failed: check the network and the URL").format(
        host=host)  # the exception's name is no help to a technician (doctor --verbose has it)


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def write_private(path: str | os.PathLike, text: str | bytes, mode: int = 0o600) -> bool:
    """Write `text` atomically (temp file in the same folder, fsync, os.replace) with `mode`.

    A file that exists keeps its owner (install hands the config and token to the kiosk
    user). Returns False and leaves the file alone when it already holds this text and mode.
    """
    path = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    owner = None
    try:
        st = path.stat()
        owner = (st.st_uid, st.st_gid)
        if path.read_bytes() == data and (st.st_mode & 0o777) == mode:
            return False
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        try:
            os.fchmod(fd, mode)  # before any byte is written: a secret is never world-readable
        except OSError:
            if mode & 0o077 == 0:
                raise
            # a public file on a USB stick (vfat) whose modes cannot be set: fine
        if owner and os.geteuid() == 0 and owner != (0, 0):
            os.fchown(fd, *owner)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        os.close(dir_fd)
    return True


def read_token(cfg: config.Config) -> str | None:
    """The device token, or None when the kiosk is not enrolled.

    The file is the enrolment client's JSON ({"device_id", "token", ...}); a file holding
    just the token is accepted too.
    """
    try:
        text = cfg.token_path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return text or None
    token = data.get("token") if isinstance(data, dict) else None
    return str(token) if token else None


def auth_headers(token: str | None) -> dict[str, str]:
    """HTTP headers that present the device token (the enrolment client's, when it has them)."""
    if not token:
        return {}
    try:
        from sync import enrol

        if hasattr(enrol, "auth_headers"):
            return dict(enrol.auth_headers(token))
    except ImportError:
        pass
    return {"Authorization": f"Bearer {token}"}


def tls_verify(cfg: config.Config):
    """`verify=` for requests: the configured CA bundle, else the system's trust store."""
    return cfg.server.ca_bundle or True


def open_store(cfg: config.Config, create: bool = True):
    """The kiosk's Store, or None when it does not exist and create is False.

    Run as root on a kiosk whose data folder belongs to the `kiosk` user, the files SQLite
    creates (the database, -wal, -shm) are handed to that owner, so the service can still
    write them afterwards.
    """
    from sync.outbox import Store

    if not create and not cfg.db_path.exists():
        return None
    store = Store(cfg.db_path)
    _give_back(cfg.db_path)
    return store


def _give_back(db_path: Path) -> None:
    if os.geteuid() != 0:
        return
    try:
        owner = db_path.parent.stat()
    except FileNotFoundError:
        return
    if owner.st_uid == 0:
        return
    for suffix in ("", "-wal", "-shm"):
        target = Path(f"{db_path}{suffix}")
        try:
            if target.stat().st_uid != owner.st_uid:
                os.chown(target, owner.st_uid, owner.st_gid)
        except FileNotFoundError:
            pass
