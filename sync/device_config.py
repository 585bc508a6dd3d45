"""Kiosk side of the config pull: GET /api/v1/device/config with If-None-Match, cached to a
JSON file in data_dir so the kiosk starts with its last config when the server is away.

fetch_config() never raises for network trouble: it returns the cached config (or None when
there is none yet) and says where the result came from. The cache file also keeps when the
server last confirmed the config (fetched_at: a 200 or a 304), which is the config's age the
technician menu and `kiosk-setup doctor` show.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sync.clocks import utc_now
from sync.wire import CONFIG_PATH

log = logging.getLogger(__name__)


@dataclass
class ConfigResult:
    config: dict | None
    source: str  # "server" (new), "unchanged" (304), "cache" (server unreachable/refused)
    etag: str | None = None
    fetched_at: str | None = None  # UTC ISO time the server last confirmed this config
    error: str | None = None       # why the server was not asked or did not answer

    @property
    def origin(self) -> str:
        """Where the running config comes from: "server", "cache" or "local" (the TOML)."""
        if self.config is None:
            return "local"
        return "server" if self.source in ("server", "unchanged") else "cache"


def read_cache(path: str | Path) -> ConfigResult:
    """The cached config as a result of source "cache" (config None when there is none)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        config = raw["config"]
        if not isinstance(config, dict):
            raise TypeError("config is not an object")
        return ConfigResult(config, "cache", raw.get("etag"), raw.get("fetched_at"))
    except FileNotFoundError:
        return ConfigResult(None, "cache")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("config cache %s unreadable (%s): ignored", path, type(exc).__name__)
        return ConfigResult(None, "cache")


def _write_cache(path: Path, config: dict, etag: str | None, fetched_at: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    body = json.dumps({"etag": etag, "fetched_at": fetched_at, "config": config},
                      ensure_ascii=False).encode("utf-8")
    # 0600 from the start: the config carries the staff's sign-in PIN hashes.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a leftover tmp file of another mode is narrowed too
        os.write(fd, body)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def fetch_config(base_url: str, token: str, cache_path: str | Path,
                 ca_bundle: str | None = None, timeout_s: float = 10.0,
                 client=None) -> ConfigResult:
    """The device's config: fresh from the server, or the cached one when unchanged/offline.
    client: a sync.httpclient.Client to reuse (default: a new one, closed after)."""
    # Loaded here, not at import: the idle screen reads the cached copy on the way to its
    # first frame, and the HTTP stack (http.client, ssl) need not be loaded for that.
    from sync.httpclient import Client, RequestError

    cache_path = Path(cache_path)
    cached = read_cache(cache_path)
    headers = {"Authorization": f"Bearer {token}"}
    if cached.config is not None and cached.etag:
        headers["If-None-Match"] = cached.etag
    http = client or Client(ca_bundle, timeout_s)
    try:
        resp = http.get(base_url.rstrip("/") + CONFIG_PATH, headers=headers, timeout_s=timeout_s)
    except RequestError as exc:
        log.warning("config pull failed (%s); using the cached config", type(exc).__name__)
        cached.error = type(exc).__name__
        return cached
    finally:
        if client is None:
            http.close()
    now = utc_now()
    if resp.status == 304 and cached.config is not None:
        _write_cache(cache_path, cached.config, cached.etag, now)  # confirmed: age restarts
        return ConfigResult(cached.config, "unchanged", cached.etag, now)
    if resp.status == 200:
        try:
            config = resp.json()
        except ValueError:
            config = None
        if isinstance(config, dict):
            new_etag = resp.headers.get("ETag")
            _write_cache(cache_path, config, new_etag, now)
            log.info("pulled a new device config (%s)", new_etag)
            return ConfigResult(config, "server", new_etag, now)
        cached.error = "answer is not a JSON object"
        return cached
    log.warning("config pull answered HTTP %d; using the cached config", resp.status)
    cached.error = f"HTTP {resp.status}"
    return cached
