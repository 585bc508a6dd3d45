"""Kiosk side of enrolment: trade a one-time code for a device id, token and QR key, and keep
them in a file only the kiosk user can read (server.token_file, mode 0600).

The file is JSON {"device_id", "token", "qr_key", "hall", "window"}. It is written to a
temporary file created 0600 and renamed over the old one, so it is never readable by others,
not even for a moment, and never half written. Nothing here logs the token or the key.
"""
from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from sync.wire import ENROL_PATH

if TYPE_CHECKING:
    from sync.wire.models import EnrolOut

log = logging.getLogger(__name__)


class EnrolError(Exception):
    pass


@dataclass(frozen=True)
class Credentials:
    device_id: str
    token: str
    qr_key: str
    hall: str = ""
    window: int | None = None

    def __repr__(self) -> str:  # never print the secrets
        return f"Credentials(device_id={self.device_id!r}, hall={self.hall!r})"


def enrol(base_url: str, code: str, ca_bundle: str | None = None, timeout_s: float = 10.0,
          token_file: str | Path | None = None) -> EnrolOut:
    """POST the code to the server; on success save the credentials to token_file (if
    given) and return them. EnrolError says why not (a used or expired code: 403)."""
    # requests and the pydantic models load here, not at import: the kiosk reads its
    # credentials (load_credentials) on the way to its first frame.
    import requests

    from sync.wire.models import EnrolOut

    url = base_url.rstrip("/") + ENROL_PATH
    try:
        resp = requests.post(url, json={"code": code}, timeout=timeout_s,
                             verify=ca_bundle if ca_bundle else True)
    except requests.RequestException as exc:
        raise EnrolError(f"cannot reach the server: {type(exc).__name__}") from None
    if resp.status_code != 200:
        try:
            message = resp.json().get("error", "")
        except ValueError:
            message = resp.text[:200]
        raise EnrolError(f"enrolment refused (HTTP {resp.status_code}): {message}")
    out = EnrolOut.model_validate(resp.json())
    if token_file is not None:
        save_credentials(token_file, Credentials(out.device_id, out.token, out.qr_key,
                                                 out.hall, out.window))
    log.info("enrolled as device %s (hall %s, window %s)", out.device_id, out.hall, out.window)
    return out


def save_credentials(path: str | Path, creds: Credentials) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is masked by umask; this is not
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"device_id": creds.device_id, "token": creds.token,
                       "qr_key": creds.qr_key, "hall": creds.hall, "window": creds.window}, fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def load_credentials(path: str | Path) -> Credentials:
    """Read the token file; refuses one that others can read (EnrolError)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EnrolError(f"{path}: no token file; enrol this kiosk first") from None
    except (OSError, ValueError) as exc:
        raise EnrolError(f"{path}: unreadable token file: {type(exc).__name__}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise EnrolError(f"{path}: token file must not be readable by others (chmod 600)")
    try:
        return Credentials(str(raw["device_id"]), str(raw["token"]), str(raw["qr_key"]),
                           str(raw.get("hall") or ""), raw.get("window"))
    except (KeyError, TypeError):
        raise EnrolError(f"{path}: token file lacks device_id, token or qr_key") from None
