"""Issue 27, done when: a kiosk on a real pty (caller68 host simulator, staff keypad through a
FIFO), enrolled with a real server on loopback (SQLite and PostgreSQL), works a Wednesday:
the clerk signs in on the keypad, calls and completes five cases, citizens rate them, the
window pauses 20 minutes inside hours and over lunch, the clerk signs out. The kiosk cannot
reach the server all that day (the server is down); it is switched off at night, comes back
the next time with the real clock and uploads its events and ratings through the real
routes. The supervisor's 窗口服务 page (HTML and CSV), read before and after, then shows
the recomputed day: exactly one 空岗 (the 20-minute pause; the lunch pause none), 办件量 5,
median 办理时长 10 minutes; the server's ratings carry the keypad's 工号; the window staff
member sees no event time on any page that shows ratings (27.7).

The day is laid out with a test clock (DayClock) given to the kiosk as Services(stamp=...):
its events, ratings and upload envelopes carry that wall time, one boot id and seconds since
boot moving with the wall time, as a Pi's would. The server corrects times as always: the
day's events come from an earlier boot than the upload, whose clock is right, so they keep
their wall times (server/db/clock_fix.py), trusted."""
import csv
import io
import json
import os
import re
from datetime import date, datetime, time, timedelta, timezone

import pytest
from click.testing import CliRunner

from drivers.keypad_codec import key_press
from drivers.sim.session import SimSession
from kiosk import config
from kiosk.flow import Mode
from kiosk.services import Services, make_config_puller
from server.api.enrol import create_code
from server.console.sample import ACCOUNTS, SHEET, seed
from server.db.events import list_events
from server.cli import main
from server.runner import ServerThread
from server.workflow.holidays import calendar
from server.workflow.workdays import HALL_TZ
from sync.enrol import enrol
from tests.helpers.databases import cli_db
from tests.kiosk.test_services import pump_until
from tests.server.console.conftest import PASSWORD, login
from tests.server.console.test_rater_protection import STAFF_PAGES

CLERK = "1001"  # a 工号 the keypad can type: the sample hall's 张三 (S001) renumbered
SHEET_1001 = SHEET.replace("S001", CLERK)
ACCOUNTS_1001 = {**ACCOUNTS, "staff1": ("张三", "window_staff", CLERK)}


class DayClock:
    """The kiosk's clocks on a day the test lays out: wall time set by the test (local hall
    time), one boot, seconds since boot advancing exactly with the wall time."""

    def __init__(self, day: date, hhmm: str, boot: str = "e2e27-wednesday-boot") -> None:
        self.day, self.boot = day, boot
        self.start = self.now = self._local(hhmm)

    def _local(self, hhmm: str) -> datetime:
        h, m = map(int, hhmm.split(":"))
        return datetime.combine(self.day, time(h, m), HALL_TZ)

    def set(self, hhmm: str) -> None:
        later = self._local(hhmm)
        assert later >= self.now, "a wall clock the test moves backwards"
        self.now = later

    real = False

    def follow_real(self) -> None:
        """From now on the wall clock is the real one (its NTP answered), the boot unchanged:
        seconds since boot jump with it, as a Pi's do."""
        self.real = True

    def stamp(self) -> tuple[str, str, float]:
        if self.real:
            self.now = datetime.now(HALL_TZ)
        wall = self.now.astimezone(timezone.utc).isoformat(timespec="milliseconds")
        return (wall.replace("+00:00", "Z"), self.boot,
                500.0 + (self.now - self.start).total_seconds())


def last_working_wednesday(store) -> date:
    """The latest Wednesday before today (hall time) that the server's calendar works."""
    with store.transaction(write=False) as tx:
        cal = calendar(tx)
    day = datetime.now(HALL_TZ).date() - timedelta(days=1)
    while day.weekday() != 2 or not cal.is_working_day(day):
        day -= timedelta(days=1)
    return day


def table(html: str, name: str) -> list[list[str]]:
    part = re.search(rf'id="table-{name}".*?<tbody>(.*?)</tbody>', html, re.S)
    if part is None:
        return []
    rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr,
                                                                   re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", part.group(1), re.S)]
    return [r for r in rows if len(r) > 1]  # not the "no 空岗 in this period" line


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def kiosk_cfg(tmp_path, url, keypad, server_url):
    return config.parse(
        f'[device]\nid = "dev-pending"\ndata_dir = "{tmp_path}"\n[window]\nnumber = 1\n'
        f'[queue]\nurl = "{url}"\ndialect = "caller68"\naddress = 1\n'
        f'[keypad]\ndevice = "{keypad}"\n[server]\nurl = "{server_url}"\n')


class Kiosk:
    """Services over the simulator's pty and the keypad FIFO, uploading promptly."""

    def __init__(self, cfg, stamp=None) -> None:
        self.services = Services(cfg, stamp=stamp)
        up = self.services.uploader
        up.idle_poll_s, up.base_delay_s, up.max_delay_s = 0.2, 0.05, 0.3
        self.services.start()
        self.writer = os.open(cfg.keypad.device, os.O_WRONLY)

    def keys(self, *names) -> None:
        os.write(self.writer, b"".join(key_press(n) for n in names))

    def until(self, predicate, timeout=10.0) -> None:
        pump_until(self.services, predicate, timeout)

    def stop(self) -> None:
        os.close(self.writer)
        self.services.stop()


@pytest.fixture
def hall(db, tmp_path):
    srv = ServerThread(db[0], schema=db[1], open_ingest=False).start()
    seed(srv.store, PASSWORD, sheet=SHEET_1001, accounts=ACCOUNTS_1001)
    sim = SimSession("caller68", addresses=[1]).start()
    keypad = tmp_path / "keypad"
    os.mkfifo(keypad)
    state = {"server": srv, "sim": sim, "keypad": keypad, "kiosks": []}
    yield state
    for k in state["kiosks"]:
        if k.services.store is not None:
            k.stop()
    sim.stop()
    state["server"].stop()


@pytest.mark.parametrize("night", ["switched off", "left on"])
def test_a_kiosk_day_offline_reaches_the_console_as_one_empty_interval(hall, db, tmp_path,
                                                                       night):
    server, sim = hall["server"], hall["sim"]
    wednesday = last_working_wednesday(server.store)
    month = wednesday.strftime("%Y-%m")
    # The technician installs the kiosk: enrolled for H01 window 1, it pulls its roster.
    # (Its first run is the Wednesday: the server's clock is the real one, so nothing of
    # this kiosk may be stamped after the Wednesday before it is.)
    cfg = kiosk_cfg(tmp_path, sim.port_paths[0], hall["keypad"], server.url)
    enrolled = enrol(server.url, create_code(server.store, "H01", window=1).code,
                     token_file=cfg.token_path)
    cfg.device.id = enrolled.device_id
    pulled = make_config_puller(cfg).pull_once()  # the kiosk's own pull, before it ever runs
    assert CLERK in {m["staff_id"] for m in pulled.config["staff"]}
    # The supervisor reads the month: nothing at window 1 on that Wednesday yet.
    sup = login(server, "sup1")
    page = f"{server.url}/console/service?hall=H01&month={month}"
    before = sup.get(page)
    assert before.status_code == 200
    assert table(before.text, "empty") == []
    assert table(sup.get(f"{page}&window=1").text, "days") == []

    # Wednesday: the server is away all day (the kiosk cannot reach it); the counter works.
    server.stop()
    clock = DayClock(wednesday, "08:30")
    k = Kiosk(cfg, stamp=clock.stamp)
    hall["kiosks"].append(k)
    k.until(lambda: k.services.flow.state.link.value == "connected")
    clock.set("08:55")
    k.keys("KEY_NUMLOCK", "KEY_KP1", "KEY_KP0", "KEY_KP0", "KEY_KP1", "KEY_KPENTER")  # 签到 1001
    k.until(lambda: k.services.flow.state.staff_id == CLERK)
    cases = [("09:00", "09:10", 5), ("09:15", "09:27", 4), ("09:30", "09:38", 5),
             ("14:00", "14:14", 2), ("14:20", "14:29", 5)]  # 10, 12, 8, 14, 9 min: median 10

    def serve(called, done, level):
        clock.set(called)
        k.keys("KEY_KPENTER")                                  # 呼叫: the host calls the next
        k.until(lambda: k.services.flow.state.calling is not None
                and k.services.flow.state.mode is Mode.IDLE)
        clock.set(done)
        k.keys("KEY_KPMINUS")                                  # 评价: the case is complete
        k.until(lambda: k.services.flow.state.mode is Mode.RATING)
        k.services.flow.tap_level(level)
        if level <= 2:  # a 差评: the citizen picks a reason
            k.services.flow.submit_reasons(["efficiency"])
        k.until(lambda: k.services.flow.state.mode in (Mode.THANKS, Mode.IDLE))

    for called, done, level in cases[:3]:
        serve(called, done, level)
    clock.set("10:00")
    k.keys("KEY_KPASTERISK")                                   # 暂停: out 20 minutes
    k.until(lambda: k.services.flow.state.paused)
    clock.set("10:20")
    k.keys("KEY_KPSLASH")                                      # 恢复
    k.until(lambda: not k.services.flow.state.paused)
    clock.set("11:58")
    k.keys("KEY_KPASTERISK")                                   # lunch (12:00-13:30 off)
    k.until(lambda: k.services.flow.state.paused)
    clock.set("13:33")
    k.keys("KEY_KPSLASH")
    k.until(lambda: not k.services.flow.state.paused)
    for called, done, level in cases[3:]:
        serve(called, done, level)
    clock.set("17:35")
    k.keys("KEY_BACKSPACE")                                    # 签退
    k.until(lambda: k.services.flow.state.staff_id is None)
    clock.set("17:40")
    day = ["app_start", "link_up", "staff_in", *["called", "completed"] * 3, "paused",
           "resumed", "paused", "resumed", *["called", "completed"] * 2, "staff_out"]
    assert [e["kind"] for e in k.services.store.all_events()
            if e["boot_id"] == clock.boot] == day
    assert k.services.store.events_backlog() == len(day)
    assert [r["staff_id"] for r in k.services.store.all()][-5:] == [CLERK] * 5
    if night == "switched off":
        # The next time it runs it reaches the server, its clock right: it uploads (the
        # server corrects the day's times by the new boot's wall clock).
        k.stop()
        day.append("app_stop")
        server = hall["server"] = ServerThread(db[0], schema=db[1], open_ingest=False,
                                               port=server.port).start()
        again = Kiosk(cfg)
        hall["kiosks"].append(again)
    else:  # it runs on, alone, until the server answers days later (same boot: by uptime)
        clock.follow_real()
        server = hall["server"] = ServerThread(db[0], schema=db[1], open_ingest=False,
                                               port=server.port).start()
        again = k
    again.until(lambda: again.services.store.events_backlog() == 0
                and again.services.store.backlog() == 0, timeout=30)

    # On the server: the ratings carry the keypad's 工号, the day's events their wall times.
    with server.store.transaction(write=False) as tx:
        rated = tx.all("SELECT staff_id, corrected_at, time_trusted FROM ratings "
                       "WHERE device_id = ? ORDER BY corrected_at", [enrolled.device_id])
    assert [r[0] for r in rated] == [CLERK] * 5
    done_at = [datetime.fromisoformat(r[1].replace("Z", "+00:00")).astimezone(HALL_TZ)
               for r in rated]
    assert [t.strftime("%H:%M") for t in done_at] == [c[1] for c in cases]
    assert {t.date() for t in done_at} == {wednesday} and all(r[2] for r in rated)
    events = [e for e in list_events(server.store) if e["boot_id"] == clock.boot]
    assert sorted(e["kind"] for e in events) == sorted(day)
    assert all(e["time_trusted"] for e in events)

    # The supervisor's page, recomputed from the late events: the day, and the month.
    sup = login(server, "sup1")
    html = sup.get(f"{server.url}/console/service?hall=H01&day={wednesday.isoformat()}").text
    # 办件量 5; 办理时长 10, 12, 8, 14, 9 min: median 10, 90th percentile 14; one 空岗 of 20.
    w1 = {r[0]: r for r in table(html, "windows")}["1 号窗口"]
    assert w1[2:7] == ["5", "10.0", "14.0", "1", "20.0"], w1
    assert len(table(html, "empty")) == 1  # the lunch pause: none
    html = sup.get(page).text
    w1 = {r[0]: r for r in table(html, "windows")}["1 号窗口"]
    empty = table(html, "empty")
    assert empty[0][:7] == [wednesday.isoformat(), "1", f"张三 {CLERK}", "10:00", "10:20",
                            "20.0", "暂停服务"]
    later = {r[0] for r in empty[1:]}
    if night == "switched off":  # off from 17:40: the days after are not scored
        assert len(empty) == 1, empty
        assert w1[2:7] == ["5", "10.0", "14.0", "1", "20.0"], w1
    else:  # left running with nobody signed in: every working day after is 空岗 all day
        with server.store.transaction(write=False) as tx:
            cal = calendar(tx)
        today = datetime.now(HALL_TZ).date()
        between = [wednesday + timedelta(days=n) for n in range(1, (today - wednesday).days)]
        assert later - {today.isoformat()} == {d.isoformat() for d in between if cal.is_working_day(d)
                         and d.strftime("%Y-%m") == month}
        assert {r[6] for r in empty[1:]} <= {"无人签到"}
    days = {r[0]: r for r in table(sup.get(f"{page}&window=1").text, "days")}
    assert days[wednesday.isoformat()][:3] == [wednesday.isoformat(), "1", "5"]
    assert days[wednesday.isoformat()][-2:] == ["08:55", "17:35"]
    csv_empty = csv_rows(sup.get(f"{server.url}/console/service.csv?hall=H01&month={month}"
                                 f"&table=empty"))
    assert csv_empty[1][3:5] == ["10:00", "10:20"]
    csv_windows = csv_rows(sup.get(f"{server.url}/console/service.csv?hall=H01&month={month}"
                                   f"&table=windows"))
    assert [r for r in csv_windows if r[0] == "1 号窗口"] == [w1]
    assert len(csv_empty) == len(empty) + 1

    # 27.7: the supervisor's pages show the events' times, never the ratings' (completions).
    rated_times = [c[1] for c in cases]
    for path in (page, f"{page}&window=1", f"{server.url}/console/service?hall=H01&day="
                 f"{wednesday.isoformat()}", f"{page}&staff={CLERK}"):
        text = sup.get(path).text
        assert [t for t in rated_times if t in text] == [], path

    # The hall's hours as `kiosk-server hours show` reports them: the ones the day was cut by.
    shown = CliRunner().invoke(main, ["hours", "show", "H01", "--json", "--db", cli_db(db)],
                               env={"LANG": "C", "LC_ALL": "C"}, catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["hours"]["wed"] == ["09:00-12:00", "13:30-17:30"]

    # 27.7: the clerk's own pages that show ratings show none of the day's event times.
    staff = login(server, "staff1")
    times = {e["corrected_at"] for e in events}
    shown = {datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(HALL_TZ)
             .strftime("%H:%M") for t in times}
    assert staff.get(f"{server.url}/console/cases").text.count('name="ref"') == 1  # the 差评
    own = staff.get(f"{server.url}/console/service?month={month}").text
    assert {r[0]: r for r in table(own, "days")}[wednesday.isoformat()][:3] == [
        wednesday.isoformat(), "1", "5"]
    assert [t for t in rated_times if t in own] == []
    for path in STAFF_PAGES:
        if path.startswith("/console/service") or path == "/console/login":
            continue
        text = staff.get(f"{server.url}{path}").text
        leaked = sorted(t for t in shown if t in text)
        assert leaked == [], f"{path} shows event times {leaked}"

    if db[1] is None and night == "switched off":  # once, on SQLite: in the browser
        in_chromium(server, month, wednesday)


def in_chromium(server, month: str, wednesday: date) -> None:
    from selenium.webdriver.common.by import By

    from tests.helpers.browser import chromium
    from tests.server.facts.test_service_browser import SIZES, log_in, overflow

    browser = chromium("--window-size=1366,768", "--lang=zh-CN")
    try:
        browser.implicitly_wait(10)
        log_in(browser, server, "sup1")
        for width, height in SIZES.values():
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1,
                "mobile": width < 600})
            browser.get(f"{server.url}/console/service?hall=H01&month={month}")
            rows = browser.find_elements(By.CSS_SELECTOR, "#table-empty tbody tr")
            assert len(rows) == 1 and wednesday.isoformat() in rows[0].text
            assert "10:00" in rows[0].text and "10:20" in rows[0].text
            assert overflow(browser) == []
    finally:
        browser.quit()
