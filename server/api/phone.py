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
import uuid as uuidlib
from datetime import datetime, timezone
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from server.api.device_config import config_for
from server.db.clock_fix import DeviceClock
from server.i18n import level_label, reason_label
from sync.wire import BAD_LEVELS, RatingWire
from sync.wire.cases import case_key
from sync.wire.labels import LEVEL_LABELS
from sync.wire.qr_token import QrTokenError, read_qr_token, signature, verify_qr_token

PHONE_NS = uuidlib.UUID("8f1d2c1e-5b7a-4c59-9a51-6f0e0c1b2a3d")
DEFAULT_REASONS = ["attitude", "efficiency", "competence", "notification", "multiple_trips",
                   "other"]
TEXT = {
    "zh": {"title": "政务服务评价", "ask": "请对本次服务进行评价", "why": "不满意的原因（可多选）",
           "send": "提交评价", "thanks": "感谢您的评价！", "again": "本次服务已经评价过了，以第一次评价为准。",
           "kiosk_first": "本次服务已在窗口评价，以第一次评价为准。您的意见已记录。",
           "phone_first": "本次服务已有人通过手机评价，以第一次评价为准。您的意见已记录。",
           "malformed": "评价码无效。", "forged": "评价码无效（签名不符），未记录任何评价。",
           "expired": "评价码已过期，请在窗口评价或重新扫码。", "bad": "请选择一个评价等级。",
           "ticket": "票号", "other_lang": "English"},
    "en": {"title": "Rate our service", "ask": "How was our service today?",
           "why": "What went wrong? (choose any)", "send": "Send",
           "thanks": "Thank you for your rating!",
           "again": "This visit was already rated; the first rating counts.",
           "phone_first": "This visit was already rated by phone; the first rating counts. "
                          "Your answer has been recorded.",
           "kiosk_first": "This visit was already rated at the window; the first rating "
                          "counts. Your answer has been recorded.",
           "malformed": "This rating code is not valid.",
           "forged": "This rating code is not genuine; nothing was recorded.",
           "expired": "This rating code has expired; please rate at the window.",
           "bad": "Please choose a rating.", "ticket": "Ticket", "other_lang": "中文"},
}
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
# The level colours are the counter screen's, so the phone looks like the kiosk it came from.
STYLE = ("html{overflow-x:hidden}body{font-family:sans-serif;max-width:30em;margin:0 auto;"
         "padding:0 1em;"
         "background:#f5f6fa;color:#222}h1{background:#0d47a1;color:#fff;margin:0 -1em 1em;"
         "padding:.6em 1em;font-size:1.4em}"
         "label{display:block;padding:.8em;margin:.4em 0;border:1px solid #ccc;border-radius:8px;"
         "background:#fff;font-size:1.1em}"
         ".l5{border-left:.6em solid #1e8e3e}.l4{border-left:.6em solid #4caf50}"
         ".l3{border-left:.6em solid #e6a10c}.l2{border-left:.6em solid #ef6c00}"
         ".l1{border-left:.6em solid #c62828}fieldset{border:none;padding:0}"
         "legend{font-weight:bold;margin:.6em 0}"
         "button{font-size:1.2em;padding:.7em 2em;width:100%;border:none;border-radius:8px;"
         "background:#1565c0;color:#fff}")

e = html.escape
router = APIRouter()


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def _page(lang: str, body: str, status: int = 200) -> HTMLResponse:
    t = TEXT[lang]
    doc = (f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head>'
           f'<meta charset="utf-8"><meta name="viewport" content="width=device-width,'
           f'initial-scale=1"><title>{e(t["title"])}</title><style>{STYLE}</style></head>'
           f"<body><h1>{e(t['title'])}</h1>{body}</body></html>")
    return HTMLResponse(doc, status_code=status, headers={"Content-Security-Policy": CSP,
                                                          "Cache-Control": "no-store"})


def _message(lang: str, key: str, status: int) -> HTMLResponse:
    return _page(lang, f"<p>{e(TEXT[lang][key])}</p>", status)


def _check(store, token: str) -> tuple[dict, dict]:
    """(payload, device) of a genuine token; QrTokenError otherwise."""
    payload = read_qr_token(token)
    device = store.device(payload["d"])
    if device is None or device["revoked_at"] is not None:
        raise QrTokenError("forged", "unknown or revoked device")
    return verify_qr_token(token, device["qr_key"]), device


def _status(exc: QrTokenError) -> int:
    return {"malformed": 400, "forged": 403, "expired": 410}[exc.kind]


def _reasons(store, device: dict) -> list[str]:
    config = json.loads(config_for(store, device)[0])
    return config.get("reasons") or DEFAULT_REASONS


def _form(lang: str, token: str, payload: dict, reasons: list[str]) -> str:
    t = TEXT[lang]
    names = {level: level_label(level, lang) for level in LEVEL_LABELS}
    levels = "".join(f'<label class="l{n}"><input type="radio" name="level" value="{n}" '
                     f"required> {e(names[n])}</label>" for n in (5, 4, 3, 2, 1))
    boxes = "".join(f'<label><input type="checkbox" name="reasons" value="{e(code)}"> '
                    f"{e(reason_label(code, lang))}</label>"
                    for code in reasons)
    other = "zh" if lang == "en" else "en"
    return (f"<p>{e(t['ask'])}</p><p>{e(t['ticket'])}: {e(payload['t'])}</p>"
            f'<form method="post" action="/r/{e(token)}?lang={lang}">{levels}'
            f"<fieldset><legend>{e(t['why'])}</legend>{boxes}</fieldset>"
            f'<p><button type="submit">{e(t["send"])}</button></p></form>'
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
    if await run_in_threadpool(store.get_rating, str(uuid), device["device_id"]) is not None:
        return _message(lang, "again", 200)
    reasons = await run_in_threadpool(_reasons, store, device)
    return _page(lang, _form(lang, token, payload, reasons))


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
    offered = await run_in_threadpool(_reasons, store, device)
    if not level or not set(reasons) <= set(offered):
        return _page(lang, f"<p>{e(TEXT[lang]['bad'])}</p>"
                     + _form(lang, token, payload, offered), 400)
    now = datetime.now(timezone.utc)
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
