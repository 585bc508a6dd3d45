"""`kiosk-setup status`: who this kiosk is and how it is doing, in a few labelled lines."""
from __future__ import annotations

import click

from cli_i18n.wide import width
from kiosk import __version__
from kiosk.i18n import _
from kiosk.setup.common import (
    FAILED,
    config_option,
    echo_json,
    json_option,
    load_config,
    local_time,
    open_store,
    read_token,
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
    if cfg.queue.url and cfg.queue.dialect == "rateservice":
        from drivers.rateservice_link import login_probe

        ok, answer = login_probe(cfg.queue.url, cfg.queue.rateservice_window
                                 or str(cfg.window.number), cfg.queue.rateservice_user, 3.0)
        link.update(opens=ok is True, error=None if ok else answer)
    elif cfg.queue.url:
        port, error = open_port(cfg.queue.url, cfg.queue.baudrate)
        link.update(opens=port is not None, error=error)
        if port is not None:
            port.close()
    info = {"device_id": cfg.device.id, "version": __version__, "config": str(cfg.path),
            "window": cfg.window.number, "link": link, "server": cfg.server.url,
            "enrolled": read_token(cfg) is not None, "token": None, "last_sync": None,
            "backlog": 0, "rejected": 0, "events_backlog": 0, "events_rejected": 0,
            "last_rating": None}
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
            info["events_backlog"] = store.events_backlog()
            info["events_rejected"] = store.events_rejected()
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
        (_("link"), _("{url} [{dialect}]: {state}").format(
            url=link["url"] or _("(none)"), dialect=link["dialect"], state=opens)),
        (_("server"), (info["server"] or _("(none)")) + _server_note(info)),
        (_("last sync"), local_time(info["last_sync"]) or _("never")),
        (_("backlog"), _("{pending} pending, {refused} refused").format(
            pending=info["backlog"], refused=info["rejected"])),
        (_("events"), _("{pending} pending, {refused} refused").format(
            pending=info["events_backlog"], refused=info["events_rejected"])),
        (_("last rating"), _("{time} level {level} ticket {ticket}").format(
            time=local_time(last["rated_at"]), level=last["level"], ticket=last["ticket"])
            if last else _("none")),
    ]
    # Values line up under Chinese labels too: a Han character takes two columns.
    labels = [_("{label}:").format(label=key) for key, _v in lines]
    column = max(width(label) for label in labels) + 1
    for label, (_key, value) in zip(labels, lines):
        click.echo(label + " " * (column - width(label)) + str(value))
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
    return _(" ({message})").format(message=token.get("message", ""))
