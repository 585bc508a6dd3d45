"""The kiosk's local data from the technician's side: `status`, `sync` (upload now), `reset`."""
from __future__ import annotations

import inspect
import shutil
import subprocess
from pathlib import Path

import click

from kiosk import __version__
from kiosk.i18n import _
from kiosk.setup.common import (
    FAILED,
    auth_headers,
    config_option,
    echo_json,
    explain_http_error,
    fail,
    json_option,
    load_config,
    local_time,
    open_store,
    read_token,
    tls_verify,
)


def _last(store) -> tuple[str | None, dict | None]:
    synced = store.db.execute("SELECT max(synced_at) FROM ratings WHERE sync_state = 'synced'"
                              ).fetchone()[0]
    row = store.db.execute("SELECT rated_at, level, ticket, window FROM ratings "
                           "ORDER BY rowid DESC LIMIT 1").fetchone()
    last = dict(zip(("rated_at", "level", "ticket", "window"), row)) if row else None
    return synced, last


@click.command("status")
@config_option
@json_option
def status(config_path, as_json) -> None:
    """Show who this kiosk is and how it is doing.

    Device id, software version, the queue link (configured URL and whether it opens
    now; while the kiosk service runs it holds the port, shown as in use), the server and
    whether it accepts this kiosk's token now (a revoked token is named), the last
    successful upload, the backlog and the last rating, in local time. Exits 0, 1 when the
    server refuses the token, 2 when the config is invalid.
    """
    from kiosk.setup.link import open_port

    cfg = load_config(config_path)
    link = {"url": cfg.queue.url, "dialect": cfg.queue.dialect, "opens": None, "error": None}
    if cfg.queue.url:
        port, error = open_port(cfg.queue.url, cfg.queue.baudrate)
        link.update(opens=port is not None, error=error)
        if port is not None:
            port.close()
    info = {"device_id": cfg.device.id, "version": __version__, "config": str(cfg.path),
            "window": cfg.window.number, "link": link, "server": cfg.server.url,
            "enrolled": read_token(cfg) is not None, "token": None, "last_sync": None,
            "backlog": 0, "rejected": 0, "last_rating": None}
    if cfg.server.url and info["enrolled"]:
        from kiosk.setup.netcheck import check_server

        cfg.server.timeout_s = min(cfg.server.timeout_s, 3.0)  # a status, not a diagnosis
        server_check, token_check, _clock = check_server(cfg)
        info["token"] = {"status": token_check.status, "message": token_check.message,
                         "fix": token_check.fix, "server": server_check.message}
    store = open_store(cfg, create=False)
    if store is not None:
        try:
            info["last_sync"], info["last_rating"] = _last(store)
            info["backlog"] = store.backlog()
            info["rejected"] = store.db.execute(
                "SELECT count(*) FROM ratings WHERE sync_state = 'rejected'").fetchone()[0]
        finally:
            store.close()
    if as_json:
        echo_json(info)
        return
    opens = ("-" if link["opens"] is None else _("opens") if link["opens"] else link["error"])
    last = info["last_rating"]
    lines = [
        (_("device"), _("{device} (window {window})").format(device=info["device_id"],
                                                            window=info["window"])),
        (_("version"), info["version"]), (_("config"), info["config"]),
        (_("link"), f"{link['url'] or _('(none)')} [{link['dialect']}]: {opens}"),
        (_("server"), (info["server"] or _("(none)")) + _server_note(info)),
        (_("last sync"), local_time(info["last_sync"]) or _("never")),
        (_("backlog"), _("{pending} pending, {refused} refused").format(
            pending=info["backlog"], refused=info["rejected"])),
        (_("last rating"), _("{time} level {level} ticket {ticket}").format(
            time=local_time(last["rated_at"]), level=last["level"], ticket=last["ticket"])
            if last else _("none")),
    ]
    width = max(len(key) for key, _v in lines) + 2
    for key, value in lines:
        click.echo(f"{key + ':':<{width}}{value}")
    if info["token"] and info["token"]["status"] == "fail":
        raise SystemExit(FAILED)


def _server_note(info: dict) -> str:
    """After the server URL: not enrolled, or what the server says of the token now."""
    if not info["server"]:
        return ""
    if not info["enrolled"]:
        return _(" (not enrolled: kiosk-setup init --code <code>)")
    token = info["token"] or {}
    if token.get("status") == "pass":
        return _(" (token accepted)")
    if token.get("status") == "fail" and "init --code" in token.get("fix", ""):
        return _(" (TOKEN REFUSED: revoked or the server was re-installed; enrol again: "
                 "kiosk-setup init --code <code>)")
    if token.get("status") == "skip":
        return _(" (cannot check the token now: {why})").format(why=token.get("server", ""))
    return f" ({token.get('message', '')})"


def _uploader(cfg, token):
    from sync.uploader import Uploader

    kw = {}
    params = inspect.signature(Uploader).parameters
    if "token_file" in params and token is not None:  # it re-reads the token itself
        kw["token_file"] = cfg.token_path  # (without one, sync() has said so in the language)
    if "ca_bundle" in params:
        kw["ca_bundle"] = cfg.server.ca_bundle or None
    return Uploader(cfg.db_path, cfg.server.url, cfg.server.batch_size, cfg.server.timeout_s, **kw)


@click.command("sync")
@config_option
def sync(config_path) -> None:
    """Upload every pending rating now, with a progress bar.

    Uses the kiosk's own uploader, batch by batch, with the same rules as the service
    (ratings the server refuses are kept locally, marked refused). Safe while the kiosk
    runs: each rating is stored on the server once, by its uuid. Exits 0 when nothing is
    left pending, 1 when the server cannot be reached or refuses, 2 for a config error.
    """
    import requests

    from kiosk.setup.answers import reach
    from sync import uploader as up

    cfg = load_config(config_path)
    if not cfg.server.url:
        fail(_("no [server] url configured: nothing to upload to"))
    token = read_token(cfg)
    if token is None:
        click.echo(_("warning: not enrolled (no device token in {path}): the server will "
                     "refuse the upload unless it takes ratings without one; enrol with "
                     "kiosk-setup init --code").format(path=cfg.token_path), err=True)
    store = open_store(cfg)
    uploader = _uploader(cfg, token)
    if hasattr(uploader, "_session"):  # the service's own session: token, TLS
        session = uploader._session()
    else:
        session = requests.Session()
        session.headers.update(auth_headers(token))
        session.verify = tls_verify(cfg)
    try:
        total = store.backlog()
        if total == 0:
            click.echo(_("nothing to upload"))
            return
        why = reach(cfg.server.url, cfg.server.ca_bundle or None)
        if why is not None:
            fail(_("upload to {url} failed: {error}; the {count} rating(s) stay on the kiosk")
                 .format(url=cfg.server.url, error=why, count=total), FAILED)
        stalled = 0
        with click.progressbar(length=total, label=_("uploading {count} rating(s)").format(
                count=total)) as bar:
            while True:
                before = store.backlog()
                try:
                    outcome = uploader._cycle(store, session)  # one batch, the service's rules
                except up._Failure as exc:
                    click.echo("")
                    fail(_("upload to {url} failed: {error}").format(
                        url=cfg.server.url, error=_upload_trouble(exc, cfg.server.url)), FAILED)
                after = store.backlog()
                bar.update(before - after)
                stalled = 0 if after < before else stalled + 1
                if outcome == up._IDLE or after == 0 or stalled > 10:
                    break
        left = store.backlog()
        click.echo(_("uploaded {done}, {left} left pending").format(done=total - left, left=left))
        if left:
            raise SystemExit(FAILED)
    finally:
        session.close()
        store.close()


def _upload_trouble(exc: Exception, url: str) -> str:
    """The uploader's failure in one line: a network fault explained, never the raw
    `HTTPConnectionPool(...): Max retries exceeded` text."""
    from sync.httpclient import RequestError

    cause = exc.__context__  # the uploader's cycle fails on sync/httpclient.py's errors
    if isinstance(cause, RequestError):
        return explain_http_error(cause, url)
    text = str(exc)
    if "401" in text or "403" in text:
        return _("the server refuses this kiosk's token (revoked, or never enrolled); enrol "
                 "again: kiosk-setup init --code <code>")
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _service_active() -> bool:
    if not shutil.which("systemctl"):
        return False
    try:
        out = subprocess.run(["systemctl", "is-active", "kiosk.service"], capture_output=True,
                             text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    return out == "active"


@click.command("reset")
@config_option
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True,
              help="Also wipe ratings not yet uploaded (they are lost for good).")
def reset(config_path, yes, force) -> None:
    """Wipe the kiosk's local state: the rating store and everything in the data folder.

    The config, the enrolment token and the software stay. Refuses (exit 1) while
    ratings are not yet uploaded, unless --force: run `sync` or `export` first. Refuses
    while the kiosk service runs (systemctl stop kiosk first). Asks before wiping unless
    --yes.
    """
    cfg = load_config(config_path)
    data = Path(cfg.device.data_dir)
    if not data.is_dir():
        click.echo(_("nothing to wipe: {path} does not exist").format(path=data))
        return
    if data.resolve() == Path("/") or len(data.resolve().parts) < 2:
        fail(_("refusing to wipe {path}").format(path=data))
    if _service_active():
        fail(_("the kiosk service is running: systemctl stop kiosk, then reset"), FAILED)
    store = open_store(cfg, create=False)
    pending = 0
    if store is not None:
        pending = store.backlog()
        store.close()
    if pending and not force:
        fail(_("{count} rating(s) are not uploaded yet: run `kiosk-setup sync` or "
               "`kiosk-setup export`, or pass --force to lose them").format(count=pending),
             FAILED)
    what = f"everything in {data}" + (f", including {pending} unsynced rating(s)"
                                        if pending else "")
    if not yes:
        click.confirm(f"Wipe {what}?", abort=True)
    removed = 0
    for item in data.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item)
        else:
            item.unlink()
        removed += 1
    click.echo(_("wiped {count} item(s) from {path}").format(count=removed, path=data))
