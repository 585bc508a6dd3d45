"""Who is on duty and what the idle screen says about the window, from the server's device
config (cached by sync/device_config.py) or, failing that, a local roster file.

Local roster file (`[ui] roster_file`, default <data_dir>/roster.json), UTF-8 JSON, the same
shape as the server's staff list:

    {"staff": [
        {"staff_id": "1024", "name": "张敏", "photo": "photos/1024.png", "stars": 5},
        {"staff_id": "1025", "name": "李强", "stars": 4}
    ]}

staff_id is the 工号 the queue system sends at login; stars is the 星级 0..5; photo (or the
server's photo_url) is a PNG/JPEG path, relative to the roster file. Photos at http(s) URLs
are fetched by the config pull (sync/photos.py) into <data_dir>/photos; else a photo placed at
<data_dir>/photos/<staff_id>.png (or .jpg) is used, else the neutral placeholder
assets/images/staff_placeholder.png.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

PLACEHOLDER = Path(__file__).resolve().parent.parent / "assets" / "images" / "staff_placeholder.png"


@dataclass(frozen=True)
class Staff:
    staff_id: str
    name: str = ""
    photo: str = str(PLACEHOLDER)  # a readable image file, never a URL
    stars: int = 0
    pin_hash: str = ""  # the kiosk sign-in PIN's salted hash from the server; "": none set

    def __repr__(self) -> str:  # never a PIN hash in a log line
        return f"Staff({self.staff_id!r}, {self.name!r}, pin={'set' if self.pin_hash else 'unset'})"


@dataclass
class Site:
    """What the server (or the local files) say about this window."""

    hall_name: str = ""
    window_name: str = ""
    qr_base_url: str = ""
    supervision: str = ""  # the hall's supervision line, e.g. 监督电话 12345 (issue 26 item 8)
    logo: str = ""         # the hall's logo file (fetched with the photos, or [ui] logo_file)
    qr_keep: bool = False  # an unrated case's QR code stays until the next call
    staff: dict[str, Staff] = field(default_factory=dict)
    source: str = "none"  # "server", "file" or "none"

    def on_duty(self, staff_id: str | None) -> Staff | None:
        """The logged-in clerk: from the roster, or just the 工号 with the placeholder photo."""
        if not staff_id:
            return None
        return self.staff.get(staff_id) or Staff(staff_id)


def _photo(raw: dict, base: Path, data_dir: Path, staff_id: str) -> str:
    from sync.photos import photo_path

    candidates = []
    if raw.get("photo_url"):  # the server's: fetched into data_dir/photos by the config pull
        candidates.append(photo_path(data_dir / "photos", staff_id))
    if raw.get("photo"):      # a local roster file's path, relative to that file
        candidates.append(base / str(raw["photo"]))
    candidates += [data_dir / "photos" / f"{staff_id}.{ext}" for ext in ("png", "jpg", "jpeg")]
    for path in candidates:
        if path is not None and path.is_file():
            return str(path)
    return str(PLACEHOLDER)


def parse_staff(items, base: Path, data_dir: Path) -> dict[str, Staff]:
    """Staff entries (list of dicts) -> staff_id -> Staff; bad entries are logged and left out."""
    out: dict[str, Staff] = {}
    for raw in items if isinstance(items, list) else []:
        try:
            staff_id = str(raw["staff_id"]).strip()
            stars = max(0, min(5, int(raw.get("stars") or 0)))
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("roster entry %r left out: needs staff_id and numeric stars", raw)
            continue
        if staff_id:
            pin_hash = raw.get("pin_hash")
            out[staff_id] = Staff(staff_id, str(raw.get("name") or ""),
                                  _photo(raw, base, data_dir, staff_id), stars,
                                  pin_hash if isinstance(pin_hash, str) else "")
    return out


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s unreadable (%s): ignored", path, type(exc).__name__)
        return None


def _local_logo(cfg) -> str:
    path = Path(cfg.ui.logo_file) if cfg.ui.logo_file else None
    return str(path) if path is not None and path.is_file() else ""


def _server_logo(server: dict, data_dir: Path) -> str:
    """The logo the config pull fetched for the server's logo_url (checked like a photo)."""
    from kiosk.settings import server_value
    from sync.config_pull import LOGO_ID
    from sync.photos import photo_path

    if server_value(server, "logo_url") is None:
        return ""
    path = photo_path(data_dir / "photos", LOGO_ID)
    return str(path) if path is not None else ""


def load_site(cfg) -> Site:
    """The server's cached device config when there is one, else the local roster file; the
    local TOML names the hall and window unless the server names them."""
    cached = _read_json(cfg.config_cache_path)
    return site_from(cfg, cached.get("config") if isinstance(cached, dict) else None)


def site_from(cfg, server: dict | None) -> Site:
    """What the idle card shows, from a device config pulled from the server (or None)."""
    data_dir = Path(cfg.device.data_dir)
    site = Site(cfg.window.hall_name, cfg.window.name, cfg.ui.qr_base_url,
                cfg.ui.supervision, _local_logo(cfg), cfg.ui.qr_keep)
    if isinstance(server, dict):
        from kiosk.settings import server_value

        site.supervision = server_value(server, "supervision") or site.supervision
        site.logo = _server_logo(server, data_dir) or site.logo
        keep = server_value(server, "qr_keep")
        site.qr_keep = site.qr_keep if keep is None else keep

        site.hall_name = server_value(server, "hall_name") or site.hall_name
        site.window_name = server_value(server, "window_name") or site.window_name
        site.qr_base_url = server_value(server, "qr_base_url") or site.qr_base_url
        site.staff = parse_staff(server.get("staff"), cfg.config_cache_path.parent, data_dir)
        site.source = "server"
    if not site.staff:
        roster = Path(cfg.ui.roster_file or data_dir / "roster.json")
        raw = _read_json(roster)
        if raw is not None:
            site.staff = parse_staff(raw.get("staff") if isinstance(raw, dict) else raw,
                                     roster.parent, data_dir)
            site.source = "file" if site.source == "none" else site.source
    return site
