"""A hall's own voice recordings (issue 26 item 9): set, clear, list, and the map the device
config carries (phrase -> SHA-256 and download URL). Each clip is checked
(sync/wire/voice_clip.py) before it is stored; every change is audited in its transaction."""
from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime, timezone

from server.db import audit
from sync.wire import API_PREFIX
from sync.wire.voice_clip import PHRASES, ClipError, check_clip

VOICE_PATH = f"{API_PREFIX}/device/voice"
HALL = re.compile(r"^[A-Za-z0-9_-]{1,40}$")  # as enrolment names halls (server/api/enrol.py)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def check_phrase(phrase: str) -> str:
    if phrase not in PHRASES:
        raise ClipError("unknown phrase {phrase}: one of {phrases}", phrase=repr(phrase),
                        phrases=", ".join(PHRASES))
    return phrase


def put(store, hall: str, phrase: str, data: bytes, actor: str) -> dict:
    """Store (or replace) HALL's recording of PHRASE; ClipError when it cannot be played."""
    check_phrase(phrase)
    if not HALL.match(hall):
        raise ClipError("hall {hall}: letters, digits, _ and - only, at most 40", hall=repr(hall))
    info = check_clip(data)
    sha = hashlib.sha256(data).hexdigest()
    with store.transaction() as tx:
        tx.q("INSERT INTO hall_voice (hall, phrase, sha256, format, seconds, data_b64, set_at, "
             "set_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hall, phrase) DO UPDATE SET "
             "sha256 = excluded.sha256, format = excluded.format, seconds = excluded.seconds, "
             "data_b64 = excluded.data_b64, set_at = excluded.set_at, set_by = excluded.set_by",
             [hall, phrase, sha, info.format, info.seconds,
              base64.b64encode(data).decode("ascii"), _now(), actor])
        detail = {"phrase": phrase, "sha256": sha, "format": info.format,
                  "seconds": round(info.seconds, 2), "rate": info.rate,
                  "channels": info.channels}
        audit.append(tx, actor, "voice.set", f"hall:{hall}", detail)
    return {"hall": hall, **detail}


def clear(store, hall: str, phrase: str, actor: str) -> bool:
    """Back to the shipped clip; False when the hall had none of its own."""
    check_phrase(phrase)
    with store.transaction() as tx:
        had = tx.one("SELECT sha256 FROM hall_voice WHERE hall = ? AND phrase = ?",
                     [hall, phrase])
        if had is None:
            return False
        tx.q("DELETE FROM hall_voice WHERE hall = ? AND phrase = ?", [hall, phrase])
        audit.append(tx, actor, "voice.clear", f"hall:{hall}", {"phrase": phrase})
    return True


def listing(store, hall: str) -> list[dict]:
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT phrase, sha256, format, seconds, set_at, set_by FROM hall_voice "
                      "WHERE hall = ? ORDER BY phrase", [hall])
    return [{"phrase": r[0], "sha256": r[1], "format": r[2], "seconds": round(float(r[3]), 2),
             "set_at": r[4], "set_by": r[5]} for r in rows]


def config_map(store, hall: str) -> dict:
    """phrase -> {sha256, url} for the device config ({} when the hall has none)."""
    return {row["phrase"]: {"sha256": row["sha256"],
                            "url": f"{VOICE_PATH}/{row['phrase']}/{row['sha256'][:16]}"}
            for row in listing(store, hall)}


def clip(store, hall: str, phrase: str, sha_prefix: str) -> tuple[bytes, str] | None:
    """(bytes, format) of HALL's PHRASE when its hash starts with sha_prefix, else None."""
    with store.transaction(write=False) as tx:
        row = tx.one("SELECT sha256, format, data_b64 FROM hall_voice WHERE hall = ? AND "
                     "phrase = ?", [hall, phrase])
    if row is None or not sha_prefix or not row[0].startswith(sha_prefix):
        return None
    return base64.b64decode(row[2]), row[1]
