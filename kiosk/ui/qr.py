"""The idle screen's QR code: a phone rating URL for the current or last case, drawn into a
Kivy texture straight from the `qrcode` module's matrix (no image files).

URL: signed with sync/wire/qr_token.py when the enrolment gave a QR key and a base URL is known
(the server's device config, else `[ui] qr_base_url`); else the unsigned `[ui] qr_url_pattern`;
else no QR code.
"""
from __future__ import annotations

import logging
import time
from datetime import date
from urllib.parse import quote

log = logging.getLogger(__name__)

MODULE_PX = 1  # one texel per module; the widget scales it up with nearest filtering


def case_of(state) -> tuple[str, str | None] | None:
    """(ticket, case_id) of the case being rated, else of the last case when it went unrated
    (timed out: the citizen may still rate it by phone) until the next call or its
    [ui] qr_show_s are up (state.qr_until), else None. A case rated at the counter has no QR
    code: the phone could only be told it was rated."""
    if state.case is not None:
        return state.case.ticket, state.case.case_id
    if state.last_rating and not state.last_rating.get("level") and state.qr_until is not None:
        return state.last_rating.get("ticket"), state.last_rating.get("case_id")
    return None


def call_of_state(state) -> int | None:
    """The call number keying the case of case_of(state), when it has no case id."""
    from sync.wire.cases import call_of

    if state.case is not None:
        return state.case.call
    return call_of((state.last_rating or {}).get("case_key"))


def load_qr_key(cfg) -> str | None:
    """The per-device signing key from the enrolment token file, or None."""
    try:
        from sync.enrol import EnrolError, load_credentials
    except ImportError:
        return None
    try:
        return load_credentials(cfg.token_path).qr_key or None
    except EnrolError as exc:
        log.info("no QR signing key: %s", exc)
        return None


class QrLinks:
    """rating_url(state) -> the URL to encode, or None when none can be made."""

    def __init__(self, device_id: str, window: int, base_url: str = "", key: str | None = None,
                 pattern: str = "", ttl_s: float = 600.0, today=date.today,
                 wall_clock=time.time) -> None:
        self.device_id, self.window = device_id, window
        self.base_url, self.key, self.pattern, self.ttl_s = base_url, key, pattern, ttl_s
        self.today, self.wall_clock = today, wall_clock

    def rating_url(self, state) -> str | None:
        case = case_of(state)
        if case is None or not case[0]:
            return None
        ticket, case_id = case
        if self.base_url and self.key:
            from sync.wire.qr_token import make_qr_token

            # Valid ttl_s from now (the case's start): the server refuses it after that.
            token = make_qr_token(self.device_id, self.key, ticket, case_id, self.ttl_s,
                                  window=self.window, day=self.today(), now=self.wall_clock(),
                                  call=call_of_state(state))
            return f"{self.base_url.rstrip('/')}/r/{token}"
        if self.pattern:
            values = {"device": self.device_id, "window": self.window, "ticket": ticket,
                      "case_id": case_id or "", "day": self.today().isoformat()}
            try:
                return self.pattern.format(**{k: quote(str(v), safe="") for k, v in values.items()})
            except (KeyError, IndexError, ValueError):
                log.error("[ui] qr_url_pattern %r: only {device} {window} {ticket} {case_id} "
                          "{day} may be used", self.pattern)
        return None


def qr_matrix(data: str, border: int = 2) -> list[list[bool]]:
    """Rows of modules, top row first, True = dark, with a quiet zone of `border` modules."""
    import sys

    # qrcode imports its PIL module drawers "for backwards compatibility" unless that fails
    # (PIL's ImageDraw, ImageFont, FreeType and HarfBuzz: ~1.6 MB of the kiosk's RSS,
    # bench/memory.py); the kiosk asks only for the matrix and draws it itself.
    sys.modules.setdefault("qrcode.image.styles.moduledrawers.pil", None)
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def qr_texture(data: str):
    """A Kivy texture of the QR code of `data`, one texel per module, nearest-filtered."""
    from kivy.graphics.texture import Texture

    rows = qr_matrix(data)
    n = len(rows)
    # Kivy textures start at the bottom row.
    dark, light = b"\x00\x00\x00\xff", b"\xff\xff\xff\xff"  # rgba: rows stay 4-byte aligned
    pixels = b"".join(dark if module else light for row in reversed(rows) for module in row)
    tex = Texture.create(size=(n, n), colorfmt="rgba")
    tex.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
    tex.mag_filter = "nearest"
    tex.min_filter = "nearest"
    return tex
