"""POST one export record and read the platform's answer.

Real 好差评 platforms answer HTTP 200 with a JSON body {code, msg} whose code says whether
the record was taken (Epoint's 办件信息未查询到 comes back that way), or refuse with an HTTP
error whose body says why. A mapping's `reply` section ({"field": "code", "ok": [...],
"message": "msg"}) names the field and the values that mean accepted; an answer without
that field is accepted on its status (a plain webhook). A refusal is a DeliveryError that
carries the platform's code and message, so the export page shows what the platform said.
Sends are cut at the deadline like every outbox send (server.signing.Deadline).
"""
from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request

from server.db.outbox import DeliveryError
from server.signing import _HTTP, _HTTPS, TIMEOUT_S, USER_AGENT, Deadline, _host  # noqa: F401

log = logging.getLogger(__name__)

MAX_ANSWER = 65536


def _said(raw: bytes, reply: dict) -> tuple[object, str] | None:
    """(code, message) of a JSON answer that has the reply's code field, else None."""
    try:
        answer = json.loads(raw.decode("utf-8", "replace") or "null")
    except ValueError:
        return None
    field = reply.get("field", "code")
    if not isinstance(answer, dict) or field not in answer:
        return None
    return answer[field], str(answer.get(reply.get("message", "msg"), ""))[:300]


def post(url: str, body: bytes, headers: dict, timeout: float, reply: dict) -> int:
    """POST the record; the HTTP status when the platform took it, else DeliveryError."""
    if timeout <= 0:
        raise DeliveryError(f"{_host(url)}: no time left to send (lease ran out)")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **headers})
    with Deadline(timeout) as deadline:
        opener = urllib.request.build_opener(_HTTP(deadline), _HTTPS(deadline))
        try:
            with opener.open(request, timeout=timeout) as resp:
                raw, status = resp.read(MAX_ANSWER), resp.status
        except urllib.error.HTTPError as exc:
            said = _said(exc.read(MAX_ANSWER), reply)
            detail = f": code {said[0]} {said[1]}" if said else ""
            raise DeliveryError(f"{_host(url)} answered HTTP {exc.code}{detail}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            if deadline.expired or isinstance(getattr(exc, "reason", exc), TimeoutError):
                raise DeliveryError(f"{_host(url)}: no answer within {timeout:g} s") from None
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"{_host(url)} unreachable: {reason}") from None
    said = _said(raw, reply) if reply else None
    if said is not None and said[0] not in reply.get("ok", []):
        raise DeliveryError(f"{_host(url)} refused the record: code {said[0]} {said[1]}")
    return status
