"""Kiosk side of the config pull: GET /api/v1/device/config with If-None-Match, cached to a
JSON file in data_dir so the kiosk starts with its last config when the server is away.

fetch_config() never raises for network trouble: it returns the cached config (or None when
there is none yet) and says where the result came from.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import requests

from sync.wire import CONFIG_PATH

log = logging.getLogger(__name__)


@dataclass
class ConfigResult:
    config: dict | None
    source: str  # "server" (new), "unchanged" (304), "cache" (server unreachable/refused)
    etag: str | None = None


def _read_cache(path: Path) -> tuple[dict | None, str | None]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return raw["config"], raw.get("etag")
    except (OSError, ValueError, KeyError, TypeError):
        return None, None


def _write_cache(path: Path, config: dict, etag: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"etag": etag, "config": config}, ensure_ascii=False),
                   encoding="utf-8")
    os.replace(tmp, path)


def fetch_config(base_url: str, token: str, cache_path: str | Path,
                 ca_bundle: str | None = None, timeout_s: float = 10.0,
                 session: requests.Session | None = None) -> ConfigResult:
    """The device's config: fresh from the server, or the cached one when unchanged/offline."""
    cache_path = Path(cache_path)
    cached, etag = _read_cache(cache_path)
    headers = {"Authorization": f"Bearer {token}"}
    if cached is not None and etag:
        headers["If-None-Match"] = etag
    http = session or requests
    try:
        resp = http.get(base_url.rstrip("/") + CONFIG_PATH, headers=headers, timeout=timeout_s,
                        verify=ca_bundle or True)
    except requests.RequestException as exc:
        log.warning("config pull failed (%s); using the cached config", type(exc).__name__)
        return ConfigResult(cached, "cache", etag)
    if resp.status_code == 304 and cached is not None:
        return ConfigResult(cached, "unchanged", etag)
    if resp.status_code == 200:
        try:
            config = resp.json()
        except ValueError:
            return ConfigResult(cached, "cache", etag)
        if isinstance(config, dict):
            new_etag = resp.headers.get("ETag")
            _write_cache(cache_path, config, new_etag)
            log.info("pulled a new device config (%s)", new_etag)
            return ConfigResult(config, "server", new_etag)
    log.warning("config pull answered HTTP %d; using the cached config", resp.status_code)
    return ConfigResult(cached, "cache", etag)
