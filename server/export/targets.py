"""Export targets: where counted ratings go (a URL), in which mapping, signed with which key.

A target's secret (HMAC key for the X-Haochaping-Signature header, optional) is stored in
the database because it must be usable to sign; it is never logged and never listed. The
region setting is the 行政区划 used for halls the org model has no region for.
"""
from __future__ import annotations

import logging
import re

from server.db.base import utc_iso
from server.export.mapping import load
from sync.wire.labels import N_

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
URL_RE = re.compile(r"^https?://[^\s/]+\S*$")
REGION_RE = re.compile(r"^(\d{1,9})?$")  # 表9: 行政区划 n..9
COLUMNS = ("name", "mapping", "url", "region", "enabled", "updated_at")


class TargetError(ValueError):
    """A target setting that cannot work (the message names the field)."""


def set_target(tx, name: str, mapping: str, url: str, region: str = "",
               secret: str | None = None, enabled: bool = True) -> dict:
    """Create or replace a target; secret=None keeps the stored one. Only counted ratings
    made from now on are queued for it (`kiosk-server export backfill` for older ones)."""
    if not NAME_RE.match(name or ""):
        raise TargetError("name: 1-40 letters, digits, '_' or '-'")
    load(mapping)  # MappingError names the file and field if it cannot be used
    if not URL_RE.match(url or ""):
        raise TargetError("url must be an http:// or https:// address")
    if not REGION_RE.match(region or ""):
        err = TargetError("region must be a 行政区划 code of at most 9 digits (表9: n..9)")
        err.msgid = N_("region must be a 行政区划 code of at most 9 digits (表9: n..9)")
        raise err
    tx.q("INSERT INTO export_targets (name, mapping, url, secret, region, enabled, updated_at) "
         "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET mapping = "
         "excluded.mapping, url = excluded.url, region = excluded.region, enabled = "
         "excluded.enabled, updated_at = excluded.updated_at"
         + (", secret = excluded.secret" if secret is not None else ""),
         [name, mapping, url, secret or "", region or "", int(enabled), utc_iso()])
    return {"name": name, "mapping": mapping, "url": url, "region": region,
            "enabled": enabled}


def get(tx, name: str) -> dict | None:
    """A target with its secret (for the sender only)."""
    row = tx.one(f"SELECT {', '.join(COLUMNS)}, secret FROM export_targets WHERE name = ?",
                 [name])
    return dict(zip((*COLUMNS, "secret"), row)) if row else None


def enabled_names(tx) -> list[str]:
    return [r[0] for r in tx.all("SELECT name FROM export_targets WHERE enabled = 1 "
                                 "ORDER BY name")]


def listing(store) -> list[dict]:
    """Every target without its secret (only whether one is set)."""
    with store.transaction(write=False) as tx:
        rows = tx.all(f"SELECT {', '.join(COLUMNS)}, secret <> '' FROM export_targets "
                      f"ORDER BY name")
    out = []
    for row in rows:
        item = dict(zip((*COLUMNS, "secret_set"), row))
        item["enabled"], item["secret_set"] = bool(item["enabled"]), bool(item["secret_set"])
        out.append(item)
    return out


def remove(tx, name: str) -> bool:
    """Forget a target; its unsent items are cancelled (sent ones stay as the record)."""
    tx.q("UPDATE outbox SET state = 'cancelled', last_error = 'target removed' WHERE "
         "kind = 'export' AND target IN (?, ?) AND state IN ('pending', 'failed', 'held')",
         [name, name + "#retract"])
    tx.q("DELETE FROM export_holds WHERE target = ?", [name])
    return tx.q("DELETE FROM export_targets WHERE name = ?", [name]).rowcount == 1
