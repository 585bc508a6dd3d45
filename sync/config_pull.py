"""The device config, pulled in the background: at start, then every few minutes (and at once
on wake()). Each pull asks with the cached ETag (sync/device_config.py), brings the staff
photos up to date (sync/photos.py), and, when the config changed, puts a PulledConfig on
`updates` for the UI thread to apply; the kiosk never waits for the network.
"""
from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 300.0


class WakingQueue(queue.Queue):
    """A queue that calls `wake()` (thread-safe, e.g. a Kivy trigger) after every put."""

    def __init__(self) -> None:
        super().__init__()
        self.wake = None

    def put(self, item, block=True, timeout=None) -> None:
        super().put(item, block, timeout)
        if self.wake is not None:
            self.wake()


@dataclass(frozen=True)
class PulledConfig:
    """A config to apply: the server's dict (None: none known, run on the local TOML)."""

    config: dict | None
    origin: str            # "server", "cache" or "local"
    fetched_at: str | None  # UTC ISO time the server last confirmed it
    etag: str | None = None


class ConfigPuller:
    """Background pull of GET /api/v1/device/config; thread-safe status()."""

    def __init__(self, base_url: str, token_file: str | Path, cache_path: str | Path,
                 photo_dir: str | Path, interval_s: float = DEFAULT_INTERVAL_S,
                 ca_bundle: str | None = None, timeout_s: float = 10.0) -> None:
        self.base_url, self.token_file = base_url, Path(token_file)
        self.cache_path, self.photo_dir = Path(cache_path), Path(photo_dir)
        self.interval_s, self.ca_bundle, self.timeout_s = interval_s, ca_bundle, timeout_s
        self.updates = WakingQueue()
        self._stop = threading.Event()
        self._now = threading.Event()
        self._thread: threading.Thread | None = None
        self._delivered: tuple | None = None
        self._lock = threading.Lock()
        self._status: dict = {"origin": "local", "fetched_at": None, "last_error": None,
                              "pulls": 0}
        self._http = None  # the pulling thread's sync.httpclient.Client, made at first pull

    def start(self) -> ConfigPuller:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="config-pull", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._now.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_s + 2)
        if self._http is not None:
            self._http.close()

    def wake(self) -> None:
        """Pull now instead of at the next interval."""
        self._now.set()

    def status(self) -> dict:
        with self._lock:
            return dict(self._status)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.pull_once()
            except Exception:
                log.exception("config pull failed")
            self._now.wait(self.interval_s)
            self._now.clear()

    def pull_once(self) -> PulledConfig:
        """One pull (on the calling thread); queues the result when it differs from the last."""
        from sync.device_config import fetch_config, read_cache
        from sync.enrol import EnrolError, load_credentials
        from sync.httpclient import Client

        if self._http is None:  # one connection for the config and the photos after it
            self._http = Client(self.ca_bundle, self.timeout_s)
        token = None
        try:
            token = load_credentials(self.token_file).token
        except EnrolError as exc:
            result = read_cache(self.cache_path)
            result.error = f"not enrolled: {exc}"
        if token:
            result = fetch_config(self.base_url, token, self.cache_path, self.ca_bundle,
                                  self.timeout_s, client=self._http)
        photos_changed = False
        if result.config is not None and result.origin == "server":
            photos_changed = self._sync_photos(result.config, token)
            photos_changed = self._sync_voice(result.config, token) or photos_changed
        pulled = PulledConfig(result.config, result.origin, result.fetched_at, result.etag)
        with self._lock:
            self._status.update(origin=pulled.origin, fetched_at=pulled.fetched_at,
                                last_error=result.error, pulls=self._status["pulls"] + 1)
        what = (pulled.origin, pulled.etag, pulled.config is None)
        if what != self._delivered or photos_changed:
            self._delivered = what
            self.updates.put(pulled)
        return pulled

    def _sync_photos(self, config: dict, token: str | None) -> bool:
        """Fetch changed photos; True when a staff member's photo file changed."""
        from sync.photos import PhotoFetcher, read_index

        before = {k: v.get("file") for k, v in read_index(self.photo_dir).items()
                  if isinstance(v, dict)}
        fetcher = PhotoFetcher(self.photo_dir, self.base_url, token, self.ca_bundle,
                               self.timeout_s)
        try:
            after = {k: p.name for k, p in
                     fetcher.sync(with_logo(config), self._http).items()}
        except OSError as exc:
            log.warning("staff photos not updated: %s", exc)
            return False
        return {k: v for k, v in before.items() if v} != after

    def _sync_voice(self, config: dict, token: str | None) -> bool:
        """The hall's own recordings (issue 26 item 9); True when the kept set changed."""
        from sync.voice_fetch import sync_voice

        try:
            return sync_voice(self.photo_dir.parent / "voice", config.get("voice"),
                              self.base_url, token, self._http, self.timeout_s)
        except OSError as exc:
            log.warning("hall recordings not updated: %s", exc)
            return False


LOGO_ID = "hall-logo"  # the hall logo rides with the staff photos (same checks, same cache)


def with_logo(config: dict) -> list:
    """The roster's photo entries plus the hall logo's (issue 26 item 8), when one is set."""
    staff = [m for m in config.get("staff") or [] if isinstance(m, dict)]
    logo = config.get("logo_url")
    if isinstance(logo, str) and logo:
        staff.append({"staff_id": LOGO_ID, "photo_url": logo})
    return staff
