"""Device queries shared by both stores: enrolment codes, devices, pushed configs, heartbeats.

Secrets never reach these tables in the clear except the per-device QR key: enrolment codes
and device tokens are stored as sha256 hex digests (they are 128+ bit random values, so a
plain hash is enough; no salt or slow hash needed). The QR key is stored as given because
the server must recompute HMACs with it to verify phone-rating tokens; it only lets someone
who can already read the database forge phone ratings for one device (see server/api/phone.py).
"""
from __future__ import annotations

import json
import logging

log = logging.getLogger(__name__)

# The device tables, the same on SQLite and PostgreSQL; both stores' schema v2 creates them.
DEVICE_TABLES = """
    CREATE TABLE enrol_codes (
        code_hash TEXT PRIMARY KEY,
        hall TEXT NOT NULL,
        "window" INTEGER,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        device_id TEXT
    );
    CREATE TABLE devices (
        device_id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        qr_key TEXT NOT NULL,
        hall TEXT NOT NULL,
        "window" INTEGER,
        enrolled_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE TABLE device_configs (
        hall TEXT NOT NULL,
        "window" INTEGER NOT NULL,
        body TEXT NOT NULL,
        etag TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (hall, "window")
    );
    CREATE TABLE heartbeats (
        device_id TEXT PRIMARY KEY,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL
    );
"""

DEVICE_COLUMNS = ("device_id", "hall", "window", "enrolled_at", "revoked_at")
HALL_WIDE = 0  # device_configs."window" for a config that applies to every window of a hall


class DevicesMixin:
    """Needs self.transaction() from the concrete store."""

    # -- enrolment codes ---------------------------------------------------------------------
    def add_enrol_code(self, code_hash: str, hall: str, window: int | None, created_at: str,
                       expires_at: str) -> None:
        with self.transaction() as tx:
            tx.q('INSERT INTO enrol_codes (code_hash, hall, "window", created_at, expires_at) '
                 "VALUES (?, ?, ?, ?, ?)", [code_hash, hall, window, created_at, expires_at])

    def redeem_enrol_code(self, code_hash: str, now: str, device_id: str, token_hash: str,
                          qr_key: str) -> dict | None:
        """Use a code once (a conditional UPDATE, so two racing kiosks cannot both win) and
        create the device. None when the code is unknown, used or expired."""
        with self.transaction() as tx:
            tx.q("UPDATE enrol_codes SET used_at = ?, device_id = ? WHERE code_hash = ? "
                 "AND used_at IS NULL AND expires_at > ?", [now, device_id, code_hash, now])
            if tx.cursor.rowcount != 1:
                return None
            hall, window = tx.one('SELECT hall, "window" FROM enrol_codes WHERE code_hash = ?',
                                  [code_hash])
            tx.q('INSERT INTO devices (device_id, token_hash, qr_key, hall, "window", '
                 "enrolled_at) VALUES (?, ?, ?, ?, ?, ?)",
                 [device_id, token_hash, qr_key, hall, window, now])
        log.info("enrolled device %s in hall %s window %s", device_id, hall, window)
        return {"device_id": device_id, "hall": hall, "window": window}

    # -- devices -----------------------------------------------------------------------------
    def device_by_token(self, token_hash: str) -> dict | None:
        """The device (revoked or not) whose token hashes to token_hash."""
        with self.transaction(write=False) as tx:
            row = tx.one('SELECT device_id, hall, "window", enrolled_at, revoked_at, qr_key '
                         "FROM devices WHERE token_hash = ?", [token_hash])
        return dict(zip((*DEVICE_COLUMNS, "qr_key"), row)) if row else None

    def device(self, device_id: str) -> dict | None:
        with self.transaction(write=False) as tx:
            row = tx.one('SELECT device_id, hall, "window", enrolled_at, revoked_at, qr_key '
                         "FROM devices WHERE device_id = ?", [device_id])
        return dict(zip((*DEVICE_COLUMNS, "qr_key"), row)) if row else None

    def revoke_device(self, device_id: str, now: str) -> bool:
        """True when the device existed and was not yet revoked."""
        with self.transaction() as tx:
            tx.q("UPDATE devices SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL",
                 [now, device_id])
            done = tx.cursor.rowcount == 1
        if done:
            log.info("revoked device %s", device_id)
        return done

    def list_devices(self) -> list[dict]:
        """Every device with its last heartbeat (None before the first)."""
        with self.transaction(write=False) as tx:
            rows = tx.all('SELECT d.device_id, d.hall, d."window", d.enrolled_at, d.revoked_at, '
                          "h.received_at, h.body FROM devices d LEFT JOIN heartbeats h "
                          "ON h.device_id = d.device_id ORDER BY d.hall, d.\"window\", "
                          "d.device_id")
        out = []
        for row in rows:
            item = dict(zip(DEVICE_COLUMNS, row[:5]))
            item["last_heartbeat_at"] = row[5]
            item["heartbeat"] = json.loads(row[6]) if row[6] else None
            out.append(item)
        return out

    # -- pushed configuration -----------------------------------------------------------------
    def set_device_config(self, hall: str, window: int | None, body: str, etag: str,
                          now: str) -> None:
        with self.transaction() as tx:
            tx.q('INSERT INTO device_configs (hall, "window", body, etag, updated_at) '
                 'VALUES (?, ?, ?, ?, ?) ON CONFLICT (hall, "window") DO UPDATE SET '
                 "body = excluded.body, etag = excluded.etag, updated_at = excluded.updated_at",
                 [hall, window or HALL_WIDE, body, etag, now])

    def device_config(self, hall: str, window: int | None) -> str | None:
        """The window's own config, else the hall's, else None (JSON text as stored)."""
        with self.transaction(write=False) as tx:
            rows = tx.all('SELECT "window", body FROM device_configs WHERE hall = ? AND '
                          '"window" IN (?, ?)', [hall, window or HALL_WIDE, HALL_WIDE])
        by_window = dict(rows)
        return by_window.get(window or HALL_WIDE, by_window.get(HALL_WIDE))

    # -- heartbeats ---------------------------------------------------------------------------
    def put_heartbeat(self, device_id: str, body: str, now: str) -> None:
        with self.transaction() as tx:
            tx.q("INSERT INTO heartbeats (device_id, received_at, body) VALUES (?, ?, ?) "
                 "ON CONFLICT (device_id) DO UPDATE SET received_at = excluded.received_at, "
                 "body = excluded.body", [device_id, now, body])
