"""The kiosk's local data from the technician's side: `sync` (upload now) and `reset`
(`status` is in status.py)."""
from __future__ import annotations

import inspect
import shutil
import subprocess
from pathlib import Path

import click

from kiosk.i18n import _
from kiosk.setup.common import (
    FAILED,
    auth_headers,
    config_option,
    explain_http_error,
    fail,
    load_config,
    open_store,
    read_token,
    tls_verify,
)


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
        if total == 0 and store.events_backlog() == 0:
            click.echo(_("nothing to upload"))
            return
        why = reach(cfg.server.url, cfg.server.ca_bundle or None)
        if why is not None:
            fail(_("upload to {url} failed: {error}; the {count} rating(s) stay on the kiosk")
                 .format(url=cfg.server.url, error=why, count=total), FAILED)
        left = _sync_ratings(cfg, store, uploader, session, total) if total else 0
        if _sync_events(cfg, store, uploader, session) or left:
            raise SystemExit(FAILED)
    finally:
        session.close()
        store.close()


def _sync_ratings(cfg, store, uploader, session, total: int) -> int:
    """The pending ratings, batch by batch with the service's rules and a progress bar; how
    many are left pending."""
    from sync import uploader as up

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
    return left


def _sync_events(cfg, store, uploader, session) -> int:
    """After the ratings, the service events (issue 27), batch by batch with the service's
    rules; how many are left pending."""
    from sync import uploader as up

    total = store.events_backlog()
    if not total:
        return 0
    stalled = 0
    while True:
        before = store.events_backlog()
        try:
            outcome = uploader._cycle(store, session)
        except up._Failure as exc:
            fail(_("upload to {url} failed: {error}").format(
                url=cfg.server.url, error=_upload_trouble(exc, cfg.server.url)), FAILED)
        after = store.events_backlog()
        stalled = 0 if after < before else stalled + 1
        if outcome == up._IDLE or after == 0 or stalled > 10:
            break
    click.echo(_("uploaded {done} service event(s), {left} left pending").format(
        done=total - after, left=after))
    return after


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
    if not yes:
        click.confirm((_("Wipe everything in {path}, including {count} unsynced rating(s)?")
                       if pending else _("Wipe everything in {path}?")).format(
                           path=data, count=pending), abort=True)
    removed = 0
    for item in data.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item)
        else:
            item.unlink()
        removed += 1
    click.echo(_("wiped {count} item(s) from {path}").format(count=removed, path=data))
