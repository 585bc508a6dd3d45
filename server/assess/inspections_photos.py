"""Photo evidence of 督察 records: JPEG or PNG only (judged by the bytes, never the file name),
at most 2 MB, re-encoded without metadata (EXIF with its GPS position, XMP, comments, text
chunks: Pillow writes only the pixels), stored under a random name with mode 0600.

Where: $KIOSK_SERVER_EVIDENCE_DIR when set; else next to a SQLite database
("<db file>.evidence/", in the server's data directory); else (PostgreSQL, whose database has
no directory here) "./kiosk-server-evidence" under the server's working directory. Several
PostgreSQL hosts must share that directory (or set the variable to a shared one).
"""
from __future__ import annotations

import io
import logging
import os
import re
import secrets
from pathlib import Path

from server.assess.inspections import InspectionError
from sync.wire.labels import N_

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000            # a decompression bomb is refused before it is decoded
KINDS = {"jpeg": ("jpg", "image/jpeg"), "png": ("png", "image/png")}
NAME_RE = re.compile(r"^([0-9a-f]{32})\.(jpg|png)$")
ENV = "KIOSK_SERVER_EVIDENCE_DIR"


def sniff(data: bytes) -> str | None:
    """'jpeg' or 'png' from the magic bytes, else None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    return None


def evidence_dir(store) -> Path:
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    path = getattr(store, "path", None)
    if path is not None:
        return Path(path).with_name(Path(path).name + ".evidence")
    return Path("kiosk-server-evidence").resolve()


def clean(data: bytes) -> tuple[bytes, str]:
    """(the image re-encoded without metadata, kind) or InspectionError naming the photo."""
    if len(data) > MAX_BYTES:
        raise InspectionError("photo", N_("is larger than {max} MB"), max=MAX_BYTES // 2**20)
    kind = sniff(data)
    if kind is None:
        raise InspectionError("photo", N_("must be a JPEG or PNG image"))
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as img:
            if (img.format or "").lower() != kind or img.width * img.height > MAX_PIXELS:
                raise InspectionError("photo", N_("must be a JPEG or PNG image"))
            img.load()
            upright = ImageOps.exif_transpose(img)  # the camera's turn, before EXIF goes
            upright.info = {}  # Pillow writes a comment, ICC, text it finds here: nothing
            out = io.BytesIO()
            if kind == "jpeg":
                upright = upright.convert("RGB") if upright.mode not in ("RGB", "L") \
                    else upright
                upright.save(out, "JPEG", quality=90)
            else:
                upright.save(out, "PNG")
    except InspectionError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise InspectionError("photo", N_("is damaged or not a JPEG or PNG image")) from None
    return out.getvalue(), kind


def save(directory: Path, data: bytes) -> str:
    """Store the upload (checked and cleaned); its new random name."""
    body, kind = clean(data)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{KINDS[kind][0]}"
    fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    log.info("督察 photo stored: %s (%d bytes)", name, len(body))
    return name


def load(directory: Path, name: str) -> tuple[bytes, str] | None:
    """(bytes, Content-Type from the kind the bytes are) of a stored photo, or None."""
    if not NAME_RE.match(name or ""):
        return None
    try:
        data = (directory / name).read_bytes()
    except OSError:
        return None
    kind = sniff(data)
    return (data, KINDS[kind][1]) if kind else None


def discard(directory: Path, name: str) -> None:
    """Remove a photo whose record was not saved (the form had another error)."""
    if NAME_RE.match(name or ""):
        try:
            (directory / name).unlink()
        except OSError:
            pass
