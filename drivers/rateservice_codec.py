"""Pure codec of RateService, the evaluator service of JackQChen/QueueSystem: JSON text in
WebSocket messages (RateService/RateService/Service.cs, MessageData.cs; the debug page
RateService/Doc/RateDebug.html). No I/O here.

A request, either way, is {"method": M, "param": {...}}; the service answers the evaluator's
requests with {"request": M, "code": "0", "result": ...}. The service matches M without case;
parameter names are exact (a C# dictionary). The evaluator sends Login{winNum, userCode} and
RateSubmit{rateId, attitude, quality, efficiency, honest}; the service pushes
RateQuest{rateId, transactor, item, date, reserveSeq} and RateOperate{operate: Pause, Resume or
Reset} to every evaluator logged in at the window. RateRequest{winNum, ...} is its debug way to
push a RateQuest (only for the login userCode "QueueService").
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from drivers.framing import Dropped

# ResponseData codes in Service.cs.
OK, NOT_LOGGED_IN, NO_RIGHT, LOGIN_REFUSED, SUBMIT_FAILED, UNKNOWN = (
    "0", "1000", "1001", "1002", "1003", "999")
OPERATES = ("Pause", "Resume", "Reset")  # QueueMessage/EnumType.cs Operate
SCORE_RANGE = range(1, 6)  # b_evaluate counts 5..1 per dimension (Service/DAL/BEvaluateDAL.cs)


@dataclass(frozen=True)
class Login:
    win_num: str
    user_code: str


@dataclass(frozen=True)
class RateQuest:
    """Rate this case: rateId is the case's handleId (评价流水号); transactor is the citizen's
    name and reserveSeq a booking number: the kiosk neither keeps nor shows either."""

    rate_id: str
    transactor: str = ""
    item: str = ""
    date: str = ""
    reserve_seq: str = ""


@dataclass(frozen=True)
class RateRequest:
    """The debug page's push of a RateQuest to window win_num (QueueService login only)."""

    win_num: str
    quest: RateQuest


@dataclass(frozen=True)
class RateSubmit:
    rate_id: str
    attitude: int
    quality: int
    efficiency: int
    honest: int


@dataclass(frozen=True)
class RateOperate:
    operate: str
    win_num: str = ""  # only in the debug page's request to the service


@dataclass(frozen=True)
class Response:
    request: str
    code: str
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.code == OK


def scores(level: int) -> tuple[int, int, int, int]:
    """The kiosk asks one question, 1..5; the evaluator scores four dimensions (服务态度,
    完成质量, 处理效率, 廉洁自律) on the same 1..5 scale: each gets the level."""
    if level not in SCORE_RANGE:
        raise ValueError(f"level {level} is not 1..5")
    return level, level, level, level


def submit(rate_id: str, level: int) -> RateSubmit:
    return RateSubmit(rate_id, *scores(level))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def encode(msg) -> str:
    """One message as the JSON text of one WebSocket message."""
    match msg:
        case Login(win_num=w, user_code=u):
            return _request("Login", {"winNum": w, "userCode": u})
        case RateSubmit():
            # As RateDebug.html sends them: strings (the service int.Parse()s their text).
            return _request("RateSubmit", {"rateId": msg.rate_id, "attitude": str(msg.attitude),
                                           "quality": str(msg.quality),
                                           "efficiency": str(msg.efficiency),
                                           "honest": str(msg.honest)})
        case RateQuest():
            return _request("RateQuest", _quest(msg))
        case RateRequest(win_num=w, quest=q):
            return _request("RateRequest", {"winNum": w, **_quest(q)})
        case RateOperate(operate=o, win_num=w):
            return _request("RateOperate", {"winNum": w, "operate": o} if w else {"operate": o})
        case Response(request=r, code=c, result=res):
            return json.dumps({"request": r, "code": c, "result": res}, ensure_ascii=False)
    raise TypeError(f"not a RateService message: {msg!r}")


def _request(method: str, param: dict) -> str:
    return json.dumps({"method": method, "param": param}, ensure_ascii=False)


def _quest(q: RateQuest) -> dict:
    return {"rateId": q.rate_id, "transactor": q.transactor, "item": q.item, "date": q.date,
            "reserveSeq": q.reserve_seq}


def decode(text: str | bytes):
    """One WebSocket message as a message above, or Dropped (bad JSON, unknown method, a
    missing or out-of-range field)."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        return Dropped(f"not JSON: {exc}", _head(text))
    if not isinstance(data, dict):
        return Dropped("not a JSON object", _head(text))
    if "request" in data and "code" in data:
        return Response(_text(data["request"]), _text(data["code"]), data.get("result"))
    method, param = _text(data.get("method")).strip().lower(), data.get("param") or {}
    if not isinstance(param, dict):
        return Dropped(f"{method}: param is not an object", _head(text))
    try:
        return _decode_request(method, param)
    except (KeyError, ValueError) as exc:
        return Dropped(f"{method}: bad or missing {exc}", _head(text))


def _decode_request(method: str, p: dict):
    if method == "login":
        return Login(_text(p["winNum"]), _text(p["userCode"]))
    if method == "ratequest":
        return _decode_quest(p)
    if method == "raterequest":
        return RateRequest(_text(p["winNum"]), _decode_quest(p))
    if method == "ratesubmit":
        values = [int(_text(p[k])) for k in ("attitude", "quality", "efficiency", "honest")]
        if any(v not in SCORE_RANGE for v in values):
            raise ValueError("score (1..5)")
        return RateSubmit(_text(p["rateId"]), *values)
    if method == "rateoperate":
        operate = _text(p["operate"])
        if operate not in OPERATES:
            raise ValueError(f"operate {operate!r}")
        return RateOperate(operate, _text(p.get("winNum")))
    raise ValueError(f"method {method!r}")


def _decode_quest(p: dict) -> RateQuest:
    return RateQuest(_text(p["rateId"]), _text(p.get("transactor")), _text(p.get("item")),
                     _text(p.get("date")), _text(p.get("reserveSeq")))


def _head(text: str | bytes) -> bytes:
    raw = text.encode("utf-8", "replace") if isinstance(text, str) else text
    return raw[:32]
