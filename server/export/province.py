"""A loopback "province": a small real HTTP server that checks export records the way a 好差评
platform does, for the demo and the tests (`kiosk-server export province --port N`).

    prov = Province(cases=["330100BJ0001"]).start()   # prov.url is http://127.0.0.1:<port>/
    ... set a target at prov.url + "report" (zhejiang), "deyatech" or "gbt39046" ...
    prov.register("330100BJ0002")     # what a business system reports about its 办件
    prov.accepted["report"]           # the records it took, each idempotency key once

Interfaces (POST, JSON): /report (zhejiang mapping), /deyatech, /gbt39046, /retract (the
zhejiang retraction call), /cases ({"projectNo": "…"} or {"cases": [...]}: register
办件编号s, as the business system reports each 办件 to the province); GET /records lists
what was taken. It checks field presence, formats (an 办件编号 is letters and digits; times;
a 统一社会信用代码 of 18 characters; 行政区划 n..9 for 表9), code ranges (pf 1-7,
satisfaction 1-5, 测评指标编码 3 digits whose first digit is the satisfaction, 表9's 评价渠道
values), that the 办件编号 is known, that a 差评 has 评价详情 (Epoint's 差评必须勾选详情或填写文字评价)
and that an evaluation is not sent twice. It answers like the platforms whose public code
the mappings cite: HTTP 200 with {"code": "200", "msg": "success"}, a refusal as HTTP 200
with {"code": "<n>", "msg": "<why>"}, a body that is not JSON as HTTP 400.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from server.signing import IDEMPOTENCY_HEADER

log = logging.getLogger(__name__)

AN = re.compile(r"^[A-Za-z0-9]{1,64}$")
CREDIT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
TIME_GB = re.compile(r"^\d{8}T\d{6}$")
AREA = re.compile(r"^\d{6}(\d{3}|\d{6})?$")
CHANNELS_GB = ("PC端", "移动端", "二维码", "政务大厅平板电脑", "政务大厅其他终端", "电话", "短信")


class Refused(Exception):
    def __init__(self, code: str, msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg = code, msg


def need(body: dict, *names: str) -> None:
    for name in names:
        if body.get(name) in (None, ""):
            raise Refused("1001", f"缺少必填字段 {name}")


def fmt(ok: bool, name: str, value) -> None:
    if not ok:
        raise Refused("1002", f"字段 {name} 格式不正确: {value!r}")


def in_range(ok: bool, name: str, value) -> None:
    if not ok:
        raise Refused("1003", f"字段 {name} 取值超出范围: {value!r}")


def details(body: dict, detail: str, level: str, text: str) -> None:
    """评价详情: 3-digit codes whose first digit is the level; a 差评 must have them."""
    codes = [c for c in str(body.get(detail) or "").split(",") if c]
    for code in codes:
        fmt(re.fullmatch(r"\d{3}", code) is not None, detail, code)
        in_range(code[0] == str(body.get(level)), detail, code)
    if str(body.get(level)) in ("1", "2") and not codes and not body.get(text):
        raise Refused("1006", "差评必须勾选详情或填写文字评价")


class Province:
    """The loopback platform (see the module docstring)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, cases=()) -> None:
        self.host, self.port = host, port
        self.cases: set[str] = set(cases)
        self.accepted: dict[str, list[dict]] = {}
        self.refused: list[dict] = []
        self.retracted: list[dict] = []
        self.attempts: list[dict] = []
        self._keys: set[str] = set()
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def register(self, *case_nos: str) -> None:
        with self._lock:
            self.cases.update(case_nos)

    # -- the interfaces ---------------------------------------------------------------
    def _known(self, case_no) -> None:
        fmt(AN.match(str(case_no)) is not None, "办件编号", case_no)
        if case_no not in self.cases:
            raise Refused("1004", "办件信息未查询到！")

    def _once(self, path: str, key: tuple) -> None:
        if any(r.get("_key") == key for r in self.accepted.get(path, [])):
            raise Refused("1005", "该办件的本次评价已存在")

    def check_report(self, b: dict) -> tuple:
        need(b, "projectNo", "areaCode", "deptCode", "taskCode", "pf", "satisfaction",
             "assessTime", "assessNumber", "dataSource")
        self._known(b["projectNo"])
        fmt(AREA.match(str(b["areaCode"])) is not None, "areaCode", b["areaCode"])
        fmt(CREDIT.match(str(b["deptCode"])) is not None, "deptCode", b["deptCode"])
        in_range(str(b["pf"]) in "1234567" and len(str(b["pf"])) == 1, "pf", b["pf"])
        in_range(str(b["satisfaction"]) in ("1", "2", "3", "4", "5"), "satisfaction",
                 b["satisfaction"])
        fmt(TIME.match(str(b["assessTime"])) is not None, "assessTime", b["assessTime"])
        in_range(str(b["assessNumber"]).isdigit() and int(b["assessNumber"]) >= 1,
                 "assessNumber", b["assessNumber"])
        if "userProp" in b:
            in_range(str(b["userProp"]) in ("1", "2"), "userProp", b["userProp"])
        details(b, "evalDetail", "satisfaction", "writingEvaluation")
        return b["projectNo"], str(b["assessNumber"])

    def check_deyatech(self, b: dict) -> tuple:
        need(b, "projectNo", "Areacode", "Taskcode", "pf", "satisfaction", "assessTime",
             "assessNumber", "type")
        self._known(b["projectNo"])
        fmt(AREA.match(str(b["Areacode"])) is not None, "Areacode", b["Areacode"])
        in_range(str(b["pf"]) in "1234567" and len(str(b["pf"])) == 1, "pf", b["pf"])
        in_range(str(b["satisfaction"]) in ("1", "2", "3", "4", "5"), "satisfaction",
                 b["satisfaction"])
        in_range(b.get("evaluateLevel") == b["satisfaction"], "evaluateLevel",
                 b.get("evaluateLevel"))
        fmt(TIME.match(str(b["assessTime"])) is not None, "assessTime", b["assessTime"])
        details(b, "evalDetail", "satisfaction", "writingEvaluation")
        return b["projectNo"], str(b["assessNumber"])

    def check_gbt39046(self, b: dict) -> tuple:
        need(b, "办件编号", "评价渠道", "评价人", "评价时间", "评价次数", "满意度代码", "行政区划")
        self._known(b["办件编号"])
        in_range(b["评价渠道"] in CHANNELS_GB, "评价渠道", b["评价渠道"])
        fmt(TIME_GB.match(str(b["评价时间"])) is not None, "评价时间", b["评价时间"])
        in_range(str(b["满意度代码"]) in ("1", "2", "3", "4", "5"), "满意度代码", b["满意度代码"])
        fmt(re.fullmatch(r"\d{1,9}", str(b["行政区划"])) is not None, "行政区划", b["行政区划"])
        return b["办件编号"], str(b["评价次数"])

    def check_retract(self, b: dict) -> tuple:
        need(b, "projectNo", "assessNumber", "flag")
        in_range(b["flag"] == "D", "flag", b["flag"])
        key = (b["projectNo"], str(b["assessNumber"]))
        taken = [r for r in self.accepted.get("report", []) if r["_key"] == key]
        if not taken or taken[0].get("_withdrawn"):
            raise Refused("1004", "评价信息未查询到！")
        taken[0]["_withdrawn"] = True
        return key

    def take(self, path: str, body: bytes, key: str) -> tuple[int, dict]:
        """Check one POST; (HTTP status, answer)."""
        try:
            record = json.loads(body.decode("utf-8"))
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError:
            return 400, {"code": "400", "msg": "请求参数不是合法的 JSON"}
        with self._lock:
            try:
                if path == "cases":
                    found = record.get("cases") or [record.get("projectNo")]
                    for case_no in found:
                        fmt(AN.match(str(case_no)) is not None, "projectNo", case_no)
                    self.cases.update(found)
                    return 200, {"code": "200", "msg": "success", "registered": len(found)}
                check = getattr(self, f"check_{path}", None)
                if check is None:
                    return 404, {"code": "404", "msg": f"没有接口 /{path}"}
                if key and key in self._keys:  # the same record again: taken already
                    return 200, {"code": "200", "msg": "success"}
                record_key = check(record)
                if path == "retract":
                    self.retracted.append(record)
                else:
                    self._once(path, record_key)
                    self.accepted.setdefault(path, []).append({**record, "_key": record_key})
                if key:
                    self._keys.add(key)
                answer = 200, {"code": "200", "msg": "success"}
            except Refused as exc:
                self.refused.append({"path": path, "code": exc.code, "msg": exc.msg,
                                     "record": record})
                answer = 200, {"code": exc.code, "msg": exc.msg}
            finally:
                self.attempts.append({"path": path, "key": key})
                self._lock.notify_all()
        return answer

    def records(self, path: str) -> list[dict]:
        """What /<path> took, without the province's own bookkeeping."""
        with self._lock:
            return [{k: v for k, v in r.items() if not k.startswith("_")}
                    for r in self.accepted.get(path, [])]

    def wait_for(self, path: str, count: int, timeout: float = 5.0) -> list[dict]:
        """Block until /<path> took `count` records (or timeout); what it took."""
        with self._lock:
            self._lock.wait_for(lambda: len(self.accepted.get(path, [])) >= count or
                                (path == "retract" and len(self.retracted) >= count), timeout)
        return self.retracted[:] if path == "retract" else self.records(path)

    # -- the server -------------------------------------------------------------------
    def start(self) -> "Province":
        province = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, answer) -> None:
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.strip("/").split("?")[0]
                self._answer(*province.take(path, body, self.headers.get(IDEMPOTENCY_HEADER,
                                                                         "")))

            def do_GET(self) -> None:  # noqa: N802
                with province._lock:
                    paths = list(province.accepted)
                self._answer(200, {"code": "200", "cases": sorted(province.cases),
                                   "records": {p: province.records(p) for p in paths},
                                   "retracted": province.retracted})

            def log_message(self, fmt, *args) -> None:
                log.debug("province: " + fmt, *args)

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True,
                         name=f"province-{self.port}").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
