"""The hall's own voice recordings named by the device config (issue 26 item 9), fetched into
<data_dir>/voice by the config pull. A file is downloaded only when no file with its SHA-256 is
kept (the name holds the hash), checked (sync/wire/voice_clip.py: hash, format, rate, channels,
length) and written atomically; voice/index.json maps each phrase to its file. A phrase the
config no longer names, or one whose file fails, falls back to the shipped clip: the kiosk's
player (kiosk/ui/voice.py) reads only the index.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from sync.httpclient import Client, RequestError, TooLarge
from sync.photos import _atomic_write as _write  # the same fsync-then-rename
from sync.wire.voice_clip import MAX_BYTES, PHRASES, SHA256, ClipError, check_clip

log = logging.getLogger(__name__)

INDEX = "index.json"
KEPT = re.compile(r"^[a-z0-9_A-Z]{1,40}-[0-9a-f]{16}\.(wav|ogg)$")


def read_index(voice_dir: Path) -> dict[str, str]:
    """phrase -> file name of the hall recordings kept (files that exist), else {}."""
    try:
        index = json.loads((Path(voice_dir) / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(index, dict):
        return {}
    return {k: v for k, v in index.items() if k in PHRASES and isinstance(v, str)
            and KEPT.match(v) and (Path(voice_dir) / v).is_file()}


def sync_voice(voice_dir: str | Path, clips, server_url: str, token: str | None,
               http: Client, timeout_s: float = 10.0) -> bool:
    """Bring voice_dir up to date with the config's `voice` map; True when the index changed."""
    voice_dir = Path(voice_dir)
    before = read_index(voice_dir)
    wanted = clips if isinstance(clips, dict) else {}
    after: dict[str, str] = {}
    for phrase, clip in wanted.items():
        if phrase not in PHRASES or not isinstance(clip, dict):
            continue
        sha, url = str(clip.get("sha256") or ""), str(clip.get("url") or "")
        if not SHA256.match(sha):
            continue
        kept = [n for n in (f"{phrase}-{sha[:16]}.wav", f"{phrase}-{sha[:16]}.ogg")
                if (voice_dir / n).is_file()]
        if kept:
            after[phrase] = kept[0]
            continue
        try:
            after[phrase] = _fetch(voice_dir, phrase, sha, url, server_url, token, http,
                                   timeout_s)
        except (ClipError, RequestError, OSError) as exc:
            log.warning("hall recording %s not used (the shipped clip plays): %s", phrase,
                        str(exc)[:200] or type(exc).__name__)
    if after == before and (voice_dir / INDEX).is_file():
        return False
    if not after and not voice_dir.is_dir():
        return before != after
    voice_dir.mkdir(parents=True, exist_ok=True)
    _write(voice_dir / INDEX, json.dumps(after).encode("utf-8"))
    for path in voice_dir.iterdir():  # recordings the hall replaced or cleared go
        if path.is_file() and KEPT.match(path.name) and path.name not in after.values():
            path.unlink(missing_ok=True)
    return after != before


def _fetch(voice_dir: Path, phrase: str, sha: str, url: str, server_url: str,
           token: str | None, http: Client, timeout_s: float) -> str:
    full = urljoin(server_url.rstrip("/") + "/", url)
    if urlsplit(full)[:2] != urlsplit(server_url)[:2]:
        raise ClipError("{url}: not on the kiosk's server", url=url)  # the token goes nowhere else
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        resp = http.get(full, headers=headers, timeout_s=timeout_s, max_bytes=MAX_BYTES)
    except TooLarge as exc:
        raise ClipError(str(exc)) from None
    if resp.status != 200:
        raise ClipError("HTTP {status}", status=resp.status)
    data = resp.content
    if hashlib.sha256(data).hexdigest() != sha:
        raise ClipError("SHA-256 differs from the device config's")
    info = check_clip(data)
    voice_dir.mkdir(parents=True, exist_ok=True)
    name = f"{phrase}-{sha[:16]}.{info.format}"
    _write(voice_dir / name, data)
    log.info("hall recording %s fetched (%s, %.1f s)", phrase, info.format, info.seconds)
    return name
