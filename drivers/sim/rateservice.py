"""An emulated RateService (JackQChen/QueueSystem RateService/RateService/Service.cs): a real
WebSocket server on loopback that logs evaluators in at a window, pushes RateQuest and
RateOperate to them, and stores every RateSubmit it gets (no duplicate check, as the real one).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from drivers import rateservice_codec as rc

log = logging.getLogger(__name__)

SERVICE_KEY = "D840F2A3-C421-4B3A-B385-12B25727F70F"  # RateProcess.cs: the debug login's winNum
DEBUG_USER = "QueueService"


@dataclass(frozen=True)
class Stored:
    """A RateSubmit as the service files it (RateProcess.RateSubmit): by whom and where."""

    win_num: str
    user_code: str
    submit: rc.RateSubmit


class RateServiceEmulator:
    """start() / stop() / start() again on the same port (a restart). `users`: window ->
    user codes allowed there (None: anyone). `quest()` and `operate()` push to a window."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 users: dict[str, set[str]] | None = None) -> None:
        self.host, self.port = host, port
        self.users = users
        self.stored: list[Stored] = []
        self.logins: list[rc.Login] = []
        self.fail_submits = 0  # answer this many RateSubmits with 1003, storing nothing
        self._devices: dict = {}  # connection -> Login
        self._lock = threading.Lock()
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def start(self) -> "RateServiceEmulator":
        from websockets.sync.server import serve

        self._server = serve(self._handle, self.host, self.port, compression=None)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="sim-rateservice", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            with self._lock:
                conns = list(self._devices)
            for conn in conns:
                conn.close()
            self._thread.join(timeout=3)
            self._server = None
        with self._lock:
            self._devices.clear()

    def windows(self) -> list[str]:
        """Windows with an evaluator logged in now."""
        with self._lock:
            return sorted({d.win_num for d in self._devices.values()})

    def quest(self, win_num: str, rate_id: str, transactor: str = "", item: str = "",
              date: str = "", reserve_seq: str = "") -> int:
        """Push a RateQuest to the window's evaluators (Service.cs on a RateMessage from the
        caller, frmMain.cs EvaluateService); returns how many got it."""
        return self._push(win_num, rc.RateQuest(rate_id, transactor, item, date, reserve_seq))

    def operate(self, win_num: str, operate: str) -> int:
        """Push RateOperate Pause, Resume or Reset to the window's evaluators."""
        return self._push(win_num, rc.RateOperate(operate))

    def _push(self, win_num: str, msg) -> int:
        with self._lock:
            targets = [c for c, d in self._devices.items() if d.win_num == win_num]
        for conn in targets:
            conn.send(rc.encode(msg))
        return len(targets)

    # -- one evaluator's connection ---------------------------------------------------------
    def _handle(self, conn) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            for text in conn:
                answer = self._on_message(conn, text)
                if answer is not None:
                    conn.send(rc.encode(answer))
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._devices.pop(conn, None)

    def _on_message(self, conn, text) -> rc.Response | None:
        msg = rc.decode(text)
        if isinstance(msg, rc.Dropped):
            log.warning("emulator dropped %s", msg.reason)
            return None
        with self._lock:
            device = self._devices.get(conn)
        match msg:
            case rc.Login():
                return self._login(conn, msg)
            case rc.RateSubmit() if device is None:
                return rc.Response("RateSubmit", rc.NOT_LOGGED_IN, "当前用户尚未登录")
            case rc.RateSubmit():
                if self.fail_submits > 0:
                    self.fail_submits -= 1
                    return rc.Response("RateSubmit", rc.SUBMIT_FAILED, "评价失败!")
                self.stored.append(Stored(device.win_num, device.user_code, msg))
                return rc.Response("RateSubmit", rc.OK, "评价成功!")
            case rc.RateRequest() | rc.RateOperate() if device is None:
                return rc.Response(type(msg).__name__, rc.NOT_LOGGED_IN, "当前用户尚未登录")
            case rc.RateRequest() | rc.RateOperate() if device.user_code != DEBUG_USER:
                return rc.Response(type(msg).__name__, rc.NO_RIGHT, "该用户无此操作权限")
            case rc.RateRequest(win_num=w, quest=q):
                sent = self._push(w, q)
                return rc.Response("RateRequest", rc.OK, "已发送评价请求" if sent else "无此用户信息")
            case rc.RateOperate(win_num=w, operate=o):
                sent = self.operate(w, o)
                return rc.Response("RateOperate", rc.OK, "已发送操作请求" if sent else "无此用户信息")
        return rc.Response(type(msg).__name__, rc.UNKNOWN, "未知指令")

    def _login(self, conn, login: rc.Login) -> rc.Response:
        debug = login.user_code == DEBUG_USER and login.win_num == SERVICE_KEY
        allowed = self.users is None or login.user_code in self.users.get(login.win_num, ())
        if not (debug or allowed):
            return rc.Response("Login", rc.LOGIN_REFUSED, "窗口或用户信息不正确!")
        with self._lock:
            self._devices[conn] = login
        self.logins.append(login)
        return rc.Response("Login", rc.OK, "登录成功!")
