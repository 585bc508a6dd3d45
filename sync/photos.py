"""Staff photos at the roster's photo_url, fetched into <data_dir>/photos for the idle card.

Each photo is size-limited while it streams, must start with PNG or JPEG magic bytes and must
decode (Pillow, with a pixel limit against decompression bombs), and is written atomically
under a name holding its content hash, so a changed photo gets a new path (Kivy caches
images by path) and a half-written file is never shown. A photo larger than the card can
show, or turned by its EXIF orientation (phone pictures), is kept upright and at most
MAX_SIDE px on its longer side: Kivy holds a texture as large as the file's picture, which
for a 12-megapixel phone photo was 48 MB of the kiosk's memory. photos/index.json remembers each
staff member's URL, ETag, Last-Modified and file: an unchanged photo is asked for with
If-None-Match / If-Modified-Since and not downloaded again. A bad, huge or unreachable photo
leaves the placeholder (or the last good photo) and one log line.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from sync.httpclient import Client, RequestError, Response, TooLarge

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4096 * 4096
# The longer side of a photo as kept (px): the card shows it at most ~350 px tall (1280x800).
MAX_SIDE = 640
ORIENTATION = 0x0112  # the EXIF tag; 1 is upright
MAGIC = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}
INDEX = "index.json"
STAFF_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Ours, never a hand-placed one:
FETCHED = re.compile(r"^[A-Za-z0-9._-]{1,64}-[0-9a-f]{16}\.(png|jpg)$")


class PhotoError(ValueError):
    """A photo that must not be shown, with why."""


def _decoded(data: bytes, shrink: bool = False):
    """(the picture in `data` with every pixel decoded, its file extension): a truncated or
    corrupt file fails here, as does one that is not PNG or JPEG or is too large (PhotoError).
    shrink: a JPEG larger than MAX_SIDE decodes straight at 1/2..1/8 scale (never below it)."""
    ext = next((e for magic, e in MAGIC.items() if data.startswith(magic)), None)
    if ext is None:
        raise PhotoError("not a PNG or JPEG (magic bytes)")
    from PIL import Image

    try:
        img = Image.open(io.BytesIO(data))
        width, height = img.size
        if width * height > MAX_PIXELS:
            raise PhotoError(f"{width}x{height} pixels is too large")
        if shrink:
            img.draft("RGB", (MAX_SIDE, MAX_SIDE))
        img.load()
    except PhotoError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for a bad file
        raise PhotoError(f"does not decode ({type(exc).__name__})") from None
    return img, ext


def check_image(data: bytes) -> str:
    """The file extension of a decodable PNG or JPEG of sane size; PhotoError otherwise."""
    img, ext = _decoded(data)
    img.close()
    return ext


def prepare(data: bytes) -> tuple[bytes, str]:
    """(the bytes to keep, their extension) for a photo check_image() accepts: `data` itself
    when it is upright and small enough, else the picture turned upright and shrunk to fit
    MAX_SIDE, encoded again in its own format. The picture is decoded once, for both."""
    img, ext = _decoded(data, shrink=True)
    with img:
        turned = img.getexif().get(ORIENTATION, 1) not in (1, None)
        if max(img.size) <= MAX_SIDE and not turned:
            return data, ext
        from PIL import Image, ImageOps

        out = io.BytesIO()
        try:
            fit = ImageOps.exif_transpose(img)
            fit.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            if ext == "jpg":
                fit.convert("RGB").save(out, "JPEG", quality=90)
            else:
                fit.save(out, "PNG")
        except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for odd files
            raise PhotoError(f"cannot be turned or shrunk ({type(exc).__name__})") from None
    return out.getvalue(), ext


def read_index(photo_dir: Path) -> dict:
    try:
        index = json.loads((photo_dir / INDEX).read_text(encoding="utf-8"))
        return index if isinstance(index, dict) else {}
    except (OSError, ValueError):
        return {}


def photo_path(photo_dir: Path, staff_id: str) -> Path | None:
    """The last good photo fetched for staff_id, or None."""
    entry = read_index(photo_dir).get(staff_id)
    if isinstance(entry, dict) and entry.get("file"):
        path = photo_dir / Path(str(entry["file"])).name
        if path.is_file():
            return path
    return None


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _download(http: Client, url: str, headers: dict, timeout_s: float) -> Response:
    """The answer, its body limited while it streams (a declared Content-Length over the
    limit is refused before a byte of the body is read)."""
    try:
        return http.get(url, headers=headers, timeout_s=timeout_s, max_bytes=MAX_PHOTO_BYTES)
    except TooLarge as exc:
        raise PhotoError(str(exc)) from None


class PhotoFetcher:
    """sync(staff) brings <photo_dir> up to date with the roster's photo URLs."""

    def __init__(self, photo_dir: str | Path, server_url: str = "", token: str | None = None,
                 ca_bundle: str | None = None, timeout_s: float = 10.0) -> None:
        self.photo_dir = Path(photo_dir)
        self.server_url, self.token = server_url, token
        self.ca_bundle = ca_bundle
        self.timeout_s = timeout_s
        self.downloads = 0  # photos actually transferred (tests, the technician menu)

    def _headers(self, url: str, entry: dict) -> dict:
        headers = {}
        # The device token goes only to the server it was issued by, never to another host.
        if self.token and self.server_url and (
                urlsplit(url)[:2] == urlsplit(self.server_url)[:2]):
            headers["Authorization"] = f"Bearer {self.token}"
        if entry.get("url") == url and (self.photo_dir / str(entry.get("file") or "-")).is_file():
            if entry.get("etag"):
                headers["If-None-Match"] = entry["etag"]
            if entry.get("last_modified"):
                headers["If-Modified-Since"] = entry["last_modified"]
        return headers

    def sync(self, staff: list, http: Client | None = None) -> dict[str, Path]:
        """Fetch what changed; returns staff_id -> photo file for every good photo.
        http: a Client to reuse (default: a new one, closed after)."""
        if http is None:
            with Client(self.ca_bundle, self.timeout_s) as own:
                return self.sync(staff, own)
        self.photo_dir.mkdir(parents=True, exist_ok=True)
        index = read_index(self.photo_dir)
        wanted: dict[str, str] = {}
        for member in staff if isinstance(staff, list) else []:
            if not isinstance(member, dict) or not member.get("photo_url"):
                continue
            staff_id = str(member.get("staff_id") or "")
            url = urljoin(self.server_url.rstrip("/") + "/", str(member["photo_url"]))
            if STAFF_ID.match(staff_id) and urlsplit(url).scheme in ("http", "https"):
                wanted[staff_id] = url
        for staff_id, url in wanted.items():
            entry = index.get(staff_id) if isinstance(index.get(staff_id), dict) else {}
            try:
                new = self._fetch(http, staff_id, url, entry)
            except (PhotoError, RequestError, OSError) as exc:
                reason = str(exc)[:200] or type(exc).__name__
                # One line per bad photo, not one every pull: the same failure is said once.
                if (entry.get("bad_url"), entry.get("error")) != (url, reason):
                    log.warning("photo of staff %s at %s not used: %s", staff_id, url, reason)
                new = {**entry, "bad_url": url, "error": reason}
            if new is not None:
                index[staff_id] = new
        index = {k: v for k, v in index.items() if k in wanted}
        _atomic_write(self.photo_dir / INDEX, json.dumps(index).encode("utf-8"))
        self._prune(index)
        return {k: self.photo_dir / v["file"] for k, v in index.items()
                if v.get("file") and (self.photo_dir / v["file"]).is_file()}

    def _fetch(self, http, staff_id: str, url: str, entry: dict) -> dict | None:
        resp = _download(http, url, self._headers(url, entry), self.timeout_s)
        if resp.status == 304:
            return None
        if resp.status != 200:
            raise PhotoError(f"HTTP {resp.status}")
        data = resp.content
        kept, ext = prepare(data)
        # Named after what the server sent: the same picture maps to the same file.
        digest = hashlib.sha256(data).hexdigest()[:16]
        name = f"{staff_id}-{digest}.{ext}"
        if not (self.photo_dir / name).is_file():
            _atomic_write(self.photo_dir / name, kept)
        self.downloads += 1
        log.info("photo of staff %s fetched (%d bytes, %d kept)", staff_id, len(data),
                 len(kept))
        return {"url": url, "etag": resp.headers.get("ETag"),
                "last_modified": resp.headers.get("Last-Modified"), "file": name}

    def _prune(self, index: dict) -> None:
        """Photos no roster entry points at any more go (a clerk who left, an old picture)."""
        keep = {v.get("file") for v in index.values()}
        for path in self.photo_dir.iterdir():
            if path.is_file() and FETCHED.match(path.name) and path.name not in keep:
                path.unlink(missing_ok=True)
