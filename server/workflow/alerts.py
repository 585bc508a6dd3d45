"""差评 alerts: a new counted bad rating (level 1-2) tells the hall's duty manager at once.

The ingest hook (listed in server/wiring.py, after the case hook so the case id is known)
writes one outbox row per enabled channel of the rating's hall, in the rating's own
transaction; the delivery worker (server/delivery.py) sends it with retries. A rating that
stops counting before its alert went out (appeal approved, a real rating took the case)
has its unsent alerts cancelled.

What an alert carries, and nothing else: type, alert_id (the idempotency key), level and
its label, reason codes and labels, hall id and name, window number, the staff member's 工号,
the rating time (hall time, UTC+8), the 差评 case id and a link to it on the console. Never
the ticket, the 办件 (case) number, the rating's uuid, the device or anything a citizen typed.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import timedelta

from server.db import outbox
from server.db.base import parse_iso, utc_iso
from server.i18n import level_label, reason_label
from server.workflow import cases, channels

log = logging.getLogger(__name__)

KIND = "alert"
CHANNELS = ("webhook", "email", "sms")
PUBLIC_URL_ENV = "KIOSK_SERVER_PUBLIC_URL"
URL_RE = re.compile(r"^https?://[^\s/]+\S*$")
MAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+$")
PHONE_RE = re.compile(r"^\+?[0-9]{5,20}$")


class AlertConfigError(ValueError):
    """A channel setting that cannot work (the message names the field)."""


def check_config(channel: str, config: dict) -> dict:
    """The config of one channel, checked and normalised (AlertConfigError otherwise)."""
    if channel not in CHANNELS:
        raise AlertConfigError(f"channel must be one of {', '.join(CHANNELS)}")
    lang = config.get("lang") or "zh_CN"
    if lang not in ("zh_CN", "en"):
        raise AlertConfigError("lang must be zh_CN or en")
    if channel == "webhook":
        if not URL_RE.match(config.get("url") or ""):
            raise AlertConfigError("url must be an http:// or https:// address")
        return {"url": config["url"], "lang": lang}
    to = [t.strip() for t in config.get("to") or [] if t.strip()]
    if not to:
        raise AlertConfigError("to: give at least one recipient")
    if channel == "email":
        if bad := [t for t in to if not MAIL_RE.match(t)]:
            raise AlertConfigError(f"to: not an e-mail address: {bad[0]}")
        if not config.get("smtp_host"):
            raise AlertConfigError("smtp_host is required")
        port = int(config.get("smtp_port") or 25)
        if not 0 < port < 65536:
            raise AlertConfigError("smtp_port must be 1..65535")
        sender = config.get("from") or "kiosk-server@localhost"
        if not MAIL_RE.match(sender):
            raise AlertConfigError(f"from: not an e-mail address: {sender}")
        return {"to": to, "smtp_host": config["smtp_host"], "smtp_port": port,
                "starttls": bool(config.get("starttls")), "smtp_user": config.get("smtp_user")
                or "", "from": sender, "lang": lang}
    if bad := [t for t in to if not PHONE_RE.match(t)]:
        raise AlertConfigError(f"to: not a phone number: {bad[0]}")
    if not URL_RE.match(config.get("gateway_url") or ""):
        raise AlertConfigError("gateway_url must be an http:// or https:// address")
    return {"to": to, "gateway_url": config["gateway_url"], "lang": lang}


def set_channel(tx, hall: str, channel: str, config: dict, secret: str | None = None,
                enabled: bool = True) -> dict:
    """Create or replace one channel of a hall. secret=None keeps the stored one."""
    config = check_config(channel, config)
    if channel == "webhook" and not (secret or _secret(tx, hall, channel)):
        raise AlertConfigError("a webhook needs a signing secret")
    tx.q("INSERT INTO alert_channels (hall, channel, config, secret, enabled, updated_at) "
         "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hall, channel) DO UPDATE SET "
         "config = excluded.config, enabled = excluded.enabled, "
         "updated_at = excluded.updated_at" + (", secret = excluded.secret" if secret else ""),
         [hall, channel, json.dumps(config, ensure_ascii=False), secret or "", int(enabled),
          utc_iso()])
    return config


def _secret(tx, hall: str, channel: str) -> str:
    row = tx.one("SELECT secret FROM alert_channels WHERE hall = ? AND channel = ?",
                 [hall, channel])
    return row[0] if row else ""


def remove_channel(tx, hall: str, channel: str) -> bool:
    return tx.q("DELETE FROM alert_channels WHERE hall = ? AND channel = ?",
                [hall, channel]).rowcount == 1


def list_channels(store, hall: str | None = None) -> list[dict]:
    """Channels with their settings; secrets only as 'set' or not."""
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT hall, channel, config, secret <> '', enabled, updated_at FROM "
                      "alert_channels" + (" WHERE hall = ?" if hall else "")
                      + " ORDER BY hall, channel", [hall] if hall else [])
    return [{"hall": h, "channel": c, "config": json.loads(cfg), "secret_set": bool(s),
             "enabled": bool(e), "updated_at": u} for h, c, cfg, s, e, u in rows]


def _hall_of(tx, device_id: str) -> tuple[str, str]:
    row = tx.one("SELECT d.hall, h.name FROM devices d LEFT JOIN halls h ON h.hall_id = d.hall "
                 "WHERE d.device_id = ?", [device_id])
    return (row[0], row[1] or "") if row else ("?", "")


def build_alert(tx, row: dict, hall: str, hall_name: str, key: str, lang: str = "zh_CN",
                test: bool = False) -> dict:
    """The alert of one rating (see the module docstring for what is in it and why)."""
    case = tx.one("SELECT id FROM cases WHERE device_id = ? AND rating_uuid = ?",
                  [row["device_id"], row["uuid"]]) if not test else None
    case_id = case[0] if case else (row.get("case_ref") or "")
    base = os.environ.get(PUBLIC_URL_ENV, "").rstrip("/")
    reasons = json.loads(row["reasons"]) if isinstance(row["reasons"], str) else row["reasons"]
    local = parse_iso(row["corrected_at"]) + timedelta(hours=8)
    return {"type": "bad_rating", "test": test, "alert_id": key, "level": row["level"],
            "level_label": level_label(row["level"], lang), "reasons": reasons,
            "reason_labels": [reason_label(r, lang) for r in reasons], "hall": hall,
            "hall_name": hall_name, "window": row["window"], "staff_id": row["staff_id"],
            "rated_at": utc_iso(parse_iso(row["corrected_at"])),
            "rated_at_local": local.strftime("%Y-%m-%d %H:%M:%S") + " (UTC+8)",
            "case_id": case_id,
            "case_url": f"{base}/console/cases/{case_id}" if base and case_id else ""}


def ingest_hook(tx, changes) -> int:
    """Queue an alert per channel of the hall for each new counted 差评; cancel the unsent
    alerts of ratings that stopped counting. Returns how many it queued."""
    queued, silent = 0, set()
    for row in cases.bad_rows(changes):
        if not cases.is_bad(row):
            continue
        hall, hall_name = _hall_of(tx, row["device_id"])
        targets = tx.all("SELECT channel, config FROM alert_channels WHERE hall = ? AND "
                         "enabled = 1 ORDER BY channel", [hall])
        for channel, config in targets:
            target = f"{hall}/{channel}"
            key = outbox.item_id(KIND, target, row["device_id"], row["uuid"])
            alert = build_alert(tx, row, hall, hall_name, key,
                                json.loads(config).get("lang", "zh_CN"))
            queued += outbox.enqueue(tx, KIND, target, row["device_id"], row["uuid"],
                                     json.dumps(alert, ensure_ascii=False))
        if not targets:
            silent.add(hall)
    if silent:  # once per batch, not per rating
        log.warning("差评 in hall(s) %s: no alert channel set (kiosk-server alerts set)",
                    ", ".join(sorted(silent)))
    for row in changes.uncounted:
        outbox.cancel_for_rating(tx, row["device_id"], row["uuid"], KIND)
    return queued


def deliver(store, item: dict, deadline: float | None = None) -> None:
    """The outbox sender for alerts: the channel as configured NOW (a fixed URL helps). The
    send is cut at `deadline` (time.monotonic()), which the outbox puts inside the lease."""
    hall, channel = item["target"].rsplit("/", 1)
    with store.transaction(write=False) as tx:
        row = tx.one("SELECT config, secret, enabled FROM alert_channels WHERE hall = ? AND "
                     "channel = ?", [hall, channel])
    if row is None or not row[2]:
        raise outbox.Cancelled(f"channel {item['target']} was removed or switched off")
    timeout = channels.TIMEOUT_S if deadline is None else deadline - time.monotonic()
    channels.build(channel, json.loads(row[0]), row[1], timeout).send(
        json.loads(item["payload"]), item["id"])


def send_test(store, hall: str, channel: str) -> dict:
    """Send a made-up 差评 alert (marked test) through one channel now, outside the outbox;
    the alert sent. DeliveryError says why it did not arrive."""
    with store.transaction(write=False) as tx:
        row = tx.one("SELECT config, secret FROM alert_channels WHERE hall = ? AND channel = ?",
                     [hall, channel])
        if row is None:
            raise AlertConfigError(f"hall {hall} has no {channel} channel "
                                   f"(kiosk-server alerts set)")
        config = json.loads(row[0])
        name = tx.one("SELECT name FROM halls WHERE hall_id = ?", [hall])
        key = "test-" + outbox.item_id(KIND, f"{hall}/{channel}", "test", utc_iso())
        fake = {"uuid": "test", "device_id": "test", "level": 1, "reasons": ["attitude"],
                "window": 0, "staff_id": "", "corrected_at": utc_iso()}
        alert = build_alert(tx, fake, hall, name[0] if name else "", key,
                            config.get("lang", "zh_CN"), test=True)
    channels.build(channel, config, row[1]).send(alert, key)
    return alert
