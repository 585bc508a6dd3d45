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

import json
import logging
import time

from server.db.outbox import DeliveryError
from server.signing import (IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
                            TIMEOUT_S, _host, post_answer, sign)

log = logging.getLogger(__name__)



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
    def explain(raw: bytes) -> str:
        said = _said(raw, reply)
        return f": code {said[0]} {said[1]}" if said else ""

    status, raw = post_answer(url, body, headers, timeout, explain)
    said = _said(raw, reply) if reply else None
    if said is not None and said[0] not in reply.get("ok", []):
        raise DeliveryError(f"{_host(url)} refused the record: code {said[0]} {said[1]}")
    return status


def send(target: dict, url: str, record: dict, key: str, reply: dict,
         deadline: float | None = None) -> int:
    """POST one record to `url` as JSON with the outbox id as Idempotency-Key, signed when
    the target has a secret, cut at `deadline` (time.monotonic())."""
    body = json.dumps(record, ensure_ascii=False, sort_keys=False).encode()
    headers = {IDEMPOTENCY_HEADER: key}
    if target["secret"]:
        stamp = str(int(time.time()))
        headers.update({TIMESTAMP_HEADER: stamp,
                        SIGNATURE_HEADER: sign(target["secret"], stamp, body)})
    timeout = TIMEOUT_S if deadline is None else deadline - time.monotonic()
    return post(url, body, headers, timeout, reply)
