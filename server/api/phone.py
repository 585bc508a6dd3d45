"""Rating by phone: GET /r/<token> shows a small mobile page, POST stores the rating.

The token (sync/wire/qr_token.py) is checked with the device's QR key; a malformed, forged or
expired token, or a revoked device, gets a clear page and nothing is stored. The rating's
uuid is derived from the token's signature, so a token used twice stores one rating (the
second POST says it was already rated). Kiosk and phone share the case key, so whichever
arrives first counts and the other is kept superseded (db_ratings.py). Every value put into
the page goes through html.escape; the page loads nothing from anywhere (strict CSP).
"""
from __future__ import annotations

import hmac
import html
import json
import logging
import uuid as uuidlib
from datetime import UTC, datetime
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from server.api.device_config import config_for
from server.db.clock_fix import DeviceClock
from server.i18n import gettext_for, level_label, reason_label
from sync.wire import BAD_LEVELS, RatingWire
from sync.wire.cases import case_key
from sync.wire.labels import LEVEL_LABELS, N_
from sync.wire.qr_token import QrTokenError, read_qr_token, signature, verify_qr_token

log = logging.getLogger(__name__)
PHONE_NS = uuidlib.UUID("8f1d2c1e-5b7a-4c59-9a51-6f0e0c1b2a3d")
DEFAULT_REASONS = ["attitude", "efficiency", "competence", "notification", "multiple_trips",
                   "other"]
# English msgids; the Chinese is in server/locale/zh_CN/LC_MESSAGES/server.po.
MSG = {
    "title": N_("Rate our service"), "ask": N_("How was our service today?"),
    "why": N_("What went wrong? (choose any)"), "send": N_("Send"),
    "thanks": N_("Thank you for your rating!"),
    "again": N_("This visit was already rated; the first rating counts."),
    "phone_first": N_("This visit was already rated by phone; the first rating counts. "
                      "Your answer has been recorded."),
    "kiosk_first": N_("This visit was already rated at the window; the first rating counts. "
                      "Your answer has been recorded."),
    "malformed": N_("We cannot read this rating code; it may not have scanned fully. Please "
                    "scan it again, or rate at the window."),
    "forged": N_("We cannot read this rating code; nothing was recorded. Please scan it "
                 "again, or rate at the window."),
    "expired": N_("This rating code has expired: a code works only for a few minutes after "
                  "the visit, so that nobody else can rate it. Nothing was recorded. If you "
                  "were just served, please rate on the screen at the window."),
    "bad": N_("Please choose a rating."), "ticket": N_("Ticket"),
    "rated_kiosk": N_("This visit was already rated at the window. Thank you."),
    "rated_phone": N_("This visit was already rated by phone. Thank you."),
    "hall": N_("Hall"), "window": N_("Window"), "date": N_("Date"),
    "window_no": N_("Window {n}"), "why_hint": N_("for Dissatisfied or Very dissatisfied"),
}


def text(lang: str) -> dict[str, str]:
    """The page's strings in `lang` (zh or en); the language link names the other one."""
    tr = gettext_for(lang)
    return {**{key: tr(msgid) for key, msgid in MSG.items()},
            "other_lang": "English" if lang == "zh" else "中文"}


CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'"
# The level colours and faces are the counter screen's (kiosk/ui/widgets.py LEVEL_COLORS,
# Face), so the phone looks like the kiosk it came from. No script: reasons appear after a bad
# level through CSS :has(); a browser without :has() shows them all the time (the no-JS,
# no-:has() fallback), with a hint saying when they apply.
FILL = {5: "#1c7a33", 4: "#7db342", 3: "#fabf2e", 2: "#f57d00", 1: "#c72929"}
INK = {5: "#fff", 4: "#222", 3: "#222", 2: "#222", 1: "#fff"}
STYLE = ("html{overflow-x:hidden}body{font-family:sans-serif;max-width:30em;margin:0 auto;"
         "padding:0 .8rem;background:#f5f6fa;color:#222;line-height:1.35}"
         "h1{background:#0d47a1;color:#fff;margin:0 -.8rem .5em;padding:.45em .8rem;"
         "font-size:1.25em}"
         ".case{display:grid;grid-template-columns:auto 1fr;gap:.1em .6em;margin:0 0 .5em;"
         "font-size:.95em}.case dt{color:#555}.case dd{margin:0;font-weight:bold}"
         ".ask{font-size:1.1em;font-weight:bold;margin:.4em 0}"
         ".levels{display:grid;grid-template-columns:1fr;gap:.3em;border:none;"
         "padding:0;margin:0}.levels legend{position:absolute;left:-9999px}"
         ".levels{position:relative}.levels input{position:absolute;opacity:0;width:1px;"
         "height:1px;margin:0;left:0;top:0}"
         ".face{display:flex;align-items:center;gap:.7em;border-radius:10px;"
         "padding:.25em .6em;font-size:1.1em;font-weight:bold;border:3px solid transparent}"
         ".face svg{width:2.2em;height:2.2em;flex:none}"
         "input:checked+.face{border-color:#0d47a1;box-shadow:0 0 0 3px #fff inset}"
         "input:focus-visible+.face{outline:3px solid #0d47a1}"
         + "".join(f".l{n}{{background:{FILL[n]};color:{INK[n]}}}" for n in FILL) +
         ".why{border:1px solid #ccc;border-radius:8px;background:#fff;margin:.6em 0;"
         "padding:.3em .6em}.why legend{font-weight:bold}.why small{color:#555}"
         ".why label{display:block;padding:.35em 0}.why input{width:1.3em;height:1.3em;"
         "vertical-align:middle;margin:0 .5em 0 0}"
         "@supports selector(:has(*)){.why{display:none}.why small{display:none}"
         "form:has(.bad:checked) .why{display:block}}"
         "button{font-size:1.15em;padding:.6em 1em;width:100%;border:none;border-radius:8px;"
         "background:#0d47a1;color:#fff;margin:.6em 0}"
         ".note{background:#fff;border-left:.4em solid #0d47a1;padding:.6em .8em}")


def face_svg(level: int) -> str:
    """The counter's face for a level, as inline SVG (no external resource)."""
    ink = {5: "#0f4a1f", 4: "#3f5a21", 3: "#7d5f17", 2: "#7a3e00", 1: "#641414"}[level]
    eyes = ('<path d="M13 19l5-5 5 5M27 19l5-5 5 5" fill="none" stroke="{i}" '
            'stroke-width="2.5" stroke-linecap="round"/>' if level == 5 else
            '<ellipse cx="18" cy="18" rx="2.6" ry="3.4" fill="{i}"/>'
            '<ellipse cx="32" cy="18" rx="2.6" ry="3.4" fill="{i}"/>')
    mouth = {5: '<path d="M14 28h22a11 11 0 0 1-22 0z" fill="{i}"/>',
             4: '<path d="M16 31q9 7 18 0" fill="none" stroke="{i}" stroke-width="2.5" '
                'stroke-linecap="round"/>',
             3: '<path d="M17 33h16" stroke="{i}" stroke-width="2.5" stroke-linecap="round"/>',
             2: '<path d="M16 35q9-6 18 0" fill="none" stroke="{i}" stroke-width="2.5" '
                'stroke-linecap="round"/>',
             1: '<path d="M15 37q10-10 20 0M12 11l9 4M38 11l-9 4" fill="none" stroke="{i}" '
                'stroke-width="2.5" stroke-linecap="round"/>'}[level]
    return ('<svg viewBox="0 0 50 50" aria-hidden="true"><circle cx="25" cy="25" r="23" '
            f'fill="#fff" stroke="{ink}" stroke-width="2"/>'
            + (eyes + mouth).format(i=ink) + "</svg>")


e = html.escape
router = APIRouter()


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def _page(lang: str, body: str, status: int = 200) -> HTMLResponse:
    t = text(lang)
    doc = (f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head>'
           f'<meta charset="utf-8"><meta name="viewport" content="width=device-width,'
           f'initial-scale=1"><title>{e(t["title"])}</title><style>{STYLE}</style></head>'
           f"<body><h1>{e(t['title'])}</h1>{body}</body></html>")
    return HTMLResponse(doc, status_code=status, headers={"Content-Security-Policy": CSP,
                                                          "Cache-Control": "no-store"})


def _message(lang: str, key: str, status: int, head: str = "") -> HTMLResponse:
    return _page(lang, f'{head}<p class="note">{e(text(lang)[key])}</p>', status)


def _check(store, token: str) -> tuple[dict, dict]:
    """(payload, device) of a genuine token; QrTokenError otherwise."""
    payload = read_qr_token(token)
    device = store.device(payload["d"])
    if device is None or device["revoked_at"] is not None:
        raise QrTokenError("forged", "unknown or revoked device")
    payload = verify_qr_token(token, device["qr_key"])
    # Bound to the kiosk's enrolled window, as its uploads are (ingest.window_mismatch): a
    # window-1 kiosk's key cannot make a code that rates window 999. Hall-wide devices may.
    enrolled = device["window"]
    if enrolled is not None and payload["w"] not in (0, enrolled):
        log.warning("phone code of %s names window %d, enrolled for %d: refused",
                    device["device_id"], payload["w"], enrolled)
        raise QrTokenError("forged", "the code names another window than the device's")
    return payload, device


def _status(exc: QrTokenError) -> int:
    return {"malformed": 400, "forged": 403, "expired": 410}[exc.kind]


def _config(store, device: dict) -> dict:
    return json.loads(config_for(store, device)[0])


def _reasons(store, device: dict) -> list[str]:
    return _config(store, device).get("reasons") or DEFAULT_REASONS


def _key(payload: dict, device: dict) -> str:
    window = payload["w"] or device["window"] or 1
    return case_key(payload["day"], window, payload["t"], payload["c"], payload.get("k"))


def _rated_by(store, payload: dict, device: dict) -> str | None:
    """'kiosk' or 'phone' when the case already has a rating that counts (a not-rated
    timeout or a system default does not count: the citizen may still rate)."""
    row = store.case_rating(device["device_id"], _key(payload, device))
    if row is None or not row["level"] or row["source"] == "default":
        return None
    return "phone" if row["source"] == "phone" else "kiosk"


def _case(lang: str, payload: dict, place: dict) -> str:
    """Which visit this is: hall, window, date and ticket, so nobody rates the wrong one."""
    t = text(lang)
    window = t["window_no"].format(n=payload.get("w") or place.get("window") or "?")
    if place.get("window_name"):
        window += f" · {place['window_name']}"
    rows = [(t["hall"], place.get("hall_name") or ""), (t["window"], window),
            (t["date"], payload.get("day") or ""), (t["ticket"], payload["t"])]
    return '<dl class="case">' + "".join(f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>"
                                         for k, v in rows if v) + "</dl>"


def _form(lang: str, token: str, payload: dict, reasons: list[str], place: dict) -> str:
    t = text(lang)
    names = {level: level_label(level, lang) for level in LEVEL_LABELS}
    levels = "".join(
        f'<input type="radio" name="level" value="{n}" id="l{n}" required'
        f'{" class=bad" if n in BAD_LEVELS else ""}><label for="l{n}" class="face l{n}">'
        f"{face_svg(n)}{e(names[n])}</label>" for n in (5, 4, 3, 2, 1))
    boxes = "".join(f'<label><input type="checkbox" name="reasons" value="{e(code)}"> '
                    f"{e(reason_label(code, lang))}</label>"
                    for code in reasons)
    other = "zh" if lang == "en" else "en"
    return (_case(lang, payload, place) + f'<p class="ask">{e(t["ask"])}</p>'
            f'<form method="post" action="/r/{e(token)}?lang={lang}">'
            f'<fieldset class="levels"><legend>{e(t["ask"])}</legend>{levels}</fieldset>'
            f'<fieldset class="why"><legend>{e(t["why"])}</legend>'
            f'<small>{e(t["why_hint"])}</small>{boxes}</fieldset>'
            f'<button type="submit">{e(t["send"])}</button></form>'
            f'<p><a href="/r/{e(token)}?lang={other}">{e(t["other_lang"])}</a></p>')


@router.get("/r/{token}", response_class=HTMLResponse, tags=["phone"])
async def show(token: str, request: Request) -> HTMLResponse:
    """The mobile rating page for a QR code (Chinese; ?lang=en for English)."""
    lang, store = _lang(request), request.app.state.store
    try:
        payload, device = await run_in_threadpool(_check, store, token)
    except QrTokenError as exc:
        return _message(lang, exc.kind, _status(exc))
    uuid = await run_in_threadpool(_uuid, store, token)
    config = await run_in_threadpool(_config, store, device)
    head = _case(lang, payload, config)
    if await run_in_threadpool(store.get_rating, str(uuid), device["device_id"]) is not None:
        return _message(lang, "again", 200, head)
    # Said up front: a case rated at the counter (or by another phone) gets no form.
    by = await run_in_threadpool(_rated_by, store, payload, device)
    if by is not None:
        return _message(lang, f"rated_{by}", 200, head)
    reasons = config.get("reasons") or DEFAULT_REASONS
    return _page(lang, _form(lang, token, payload, reasons, config))


def _uuid(store, token: str) -> uuidlib.UUID:
    """The phone rating's uuid: keyed with a server-side secret, so a device that sees the QR
    code cannot compute it and upload that uuid first (one token still gives one uuid)."""
    secret = store.server_secret("phone-uuid").encode()
    keyed = hmac.new(secret, signature(token).encode(), "sha256").hexdigest()
    return uuidlib.uuid5(PHONE_NS, keyed)


FORM_SCHEMA = {"requestBody": {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
        "level": {"type": "integer", "minimum": 1, "maximum": 5},
        "reasons": {"type": "array", "items": {"type": "string"}}}, "required": ["level"]}}}}}


@router.post("/r/{token}", response_class=HTMLResponse, tags=["phone"],
             openapi_extra=FORM_SCHEMA)
async def submit(token: str, request: Request) -> HTMLResponse:
    """Store a phone rating (one per token; the first rating of a case counts)."""
    lang, store = _lang(request), request.app.state.store
    try:
        payload, device = await run_in_threadpool(_check, store, token)
    except QrTokenError as exc:
        return _message(lang, exc.kind, _status(exc))
    body = await request.body()
    form = parse_qs(body[:8192].decode("utf-8", "replace"))
    level = (form.get("level") or [""])[0]
    level = level if level in ("1", "2", "3", "4", "5") else ""  # not "²" nor 5,000 digits
    reasons = form.get("reasons", []) if level and int(level) in BAD_LEVELS else []
    config = await run_in_threadpool(_config, store, device)
    offered = config.get("reasons") or DEFAULT_REASONS
    if not level or not set(reasons) <= set(offered):
        return _page(lang, f'<p class="note">{e(text(lang)["bad"])}</p>'
                     + _form(lang, token, payload, offered, config), 400)
    now = datetime.now(UTC)
    window = payload["w"] or device["window"] or 1
    uuid = await run_in_threadpool(_uuid, store, token)
    try:
        rating = RatingWire.model_validate({
            "uuid": str(uuid), "level": int(level), "reasons": sorted(set(reasons)),
            "window": window, "ticket": payload["t"], "case_id": payload["c"] or None,
            "device_id": device["device_id"], "rated_at": now,
            "case_key": case_key(payload["day"], window, payload["t"], payload["c"],
                                 payload.get("k"))})
    except ValidationError:
        return _message(lang, "malformed", 400)
    [result] = await run_in_threadpool(store.ingest, [rating], DeviceClock(now, None, None),
                                       "phone", now)
    if result.status == "duplicate":
        return _message(lang, "again", 200)
    if result.reason and result.reason.startswith("superseded"):
        by_phone = result.reason.endswith("by phone")  # the fact ingest gives (db/ratings.py)
        return _message(lang, "phone_first" if by_phone else "kiosk_first", 200)
    return _message(lang, "thanks", 200)
