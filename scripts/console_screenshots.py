#!/usr/bin/env python3
"""Screenshots of every console page: a seeded server on loopback, headless Chromium, PNGs at
1366x768 (desktop) and 390x844 (phone) in var/console-shots/ (whole page height).

    .venv/bin/python scripts/console_screenshots.py [--out DIR] [--only NAME...]

To add a page: append to PAGES (name, account, path[, then]); `then(driver, url)` may act on
the page first (fill a form, submit) before the picture is taken. Pages needing data of their
own can add it in SEEDERS (each gets the open store).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from server.api.enrol import create_code, redeem  # noqa: E402
from server.console.sample import seed  # noqa: E402
from server.db.base import utc_iso  # noqa: E402
from server.runner import ServerThread  # noqa: E402

log = logging.getLogger("console_screenshots")

PASSWORD = "screenshot-password"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


def bad_window_form(driver, url):
    form = driver.find_element(By.ID, "window-form")
    form.find_element(By.NAME, "number").send_keys("1000")
    form.find_element(By.NAME, "name").send_keys("太大的窗口号")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def bad_login(driver, url):
    driver.find_element(By.NAME, "username").send_keys("sup1")
    driver.find_element(By.NAME, "password").send_keys("wrong password")
    driver.find_element(By.CSS_SELECTOR, "#login-form button").click()


def bad_sheet_upload(driver, url):
    from server.console.sample import SHEET

    path = Path(tempfile.gettempdir()) / "console-shot-bad-org.csv"
    path.write_text(SHEET.replace("S002,李四,,4", "S002,李四,,9"), encoding="utf-8-sig")
    form = driver.find_element(By.ID, "import-form")
    form.find_element(By.NAME, "file").send_keys(str(path))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


# (name, account or None for logged out, path, optional action before the picture)
PAGES = [
    ("login", None, "/console/login", None),
    ("login-error", None, "/console/login", bad_login),
    ("home-admin", "admin", "/console/", None),
    ("home-staff", "staff1", "/console/", None),
    ("org", "admin", "/console/org", None),
    ("org-import-error", "admin", "/console/org", bad_sheet_upload),
    ("hall", "sup1", "/console/org/halls/H01", None),
    ("hall-form-error", "sup1", "/console/org/halls/H01", bad_window_form),
    ("users", "admin", "/console/users", None),
    ("audit", "audit1", "/console/audit?verify=1", None),
    ("fleet", "admin", "/console/fleet", None),
    ("password", "sup1", "/console/password", None),
    ("forbidden", "sup1", "/console/org/halls/H02", None),
    ("not-found", "sup1", "/console/org/halls/NOPE", None),
    ("home-en", "sup1", "/console/?lang=en", None),
    ("hall-en", "sup1", "/console/org/halls/H01?lang=en", None),
]


def open_first_case(driver, url):
    driver.find_element(By.CSS_SELECTOR, "#cases tbody tr a").click()


def empty_step(driver, url):
    open_first_case(driver, url)
    note = driver.find_element(By.CSS_SELECTOR, "#step-form textarea")
    driver.execute_script("arguments[0].removeAttribute('required')", note)
    driver.find_element(By.CSS_SELECTOR, "#step-form button[type=submit]").click()


# 差评 cases and appeals (issue 11), seeded by seed_cases below.
PAGES += [
    ("cases", "sup1", "/console/cases", None),
    ("case", "sup1", "/console/cases", open_first_case),
    ("case-step-error", "sup1", "/console/cases", empty_step),
    ("cases-staff", "staff1", "/console/cases", None),
    ("appeals", "nanshan", "/console/appeals?state=all", None),
    ("appeals-filer", "sup1", "/console/appeals", None),
    ("cases-en", "sup1", "/console/cases?lang=en", None),
    # Paged lists with filters (issue 24): one row a page, so "next page" shows.
    ("cases-paged", "sup1", "/console/cases?window=1&state=all&n=1", None),
    ("cases-staff-paged", "staff1", "/console/cases?n=1", None),
    ("appeals-staff", "staff1", "/console/appeals?state=all", None),
    ("figures-staff", "staff1", "/console/figures", None),
]


# Figures and ranking (server/console/figures.py, ranking_pages.py) on the demo hall's ratings.
_LAST = (datetime.now(timezone(timedelta(hours=8))).replace(day=1) - timedelta(days=1))
LAST_MONTH = _LAST.strftime("%Y-%m")
PAGES += [
    ("figures", "demo", "/console/figures", None),
    ("figures-admin", "admin", "/console/figures", None),
    ("figures-bad-range", "demo", "/console/figures?from=2026-11-30&to=2026-11-01", None),
    ("drill-region", "admin", "/console/figures/drill", None),
    ("drill-hall", "demo", "/console/figures/drill?hall=DEMO", None),
    ("drill-window", "demo", "/console/figures/drill?hall=DEMO&window=5", None),
    ("ranking", "demo", f"/console/ranking?kind=windows&scope=DEMO&month={LAST_MONTH}", None),
    ("ranking-closed", "demo", f"/console/ranking?kind=staff&scope=DEMO&month={LAST_MONTH}",
     None),
    ("ranking-halls", "admin", f"/console/ranking?kind=halls&scope=440000&month={LAST_MONTH}",
     None),
    ("ranking-en", "demo", f"/console/ranking?scope=DEMO&month={LAST_MONTH}&lang=en", None),
]


def seed_fleet(store) -> None:
    """Kiosks with heartbeats of every kind: online, offline, never heard, unknown hall."""
    now = datetime.now(timezone.utc)
    for hall, window, age_s, backlog, link in (("H01", 1, 25, 0, "connected"),
                                               ("H01", 2, 1300, 37, "reconnecting"),
                                               ("H01", 3, None, 0, ""),
                                               ("H02", 1, 40, 2, "connected")):
        device = redeem(store, create_code(store, hall, window).code)
        if age_s is not None:
            beat = {"version": "1.4.2", "backlog": backlog, "link_state": link,
                    "server_offset_s": 0.4 if age_s < 100 else -12.7, "uptime_s": 86400}
            store.put_heartbeat(device.device_id, json.dumps(beat),
                                utc_iso(now - timedelta(seconds=age_s)))


def seed_cases(store) -> None:
    """差评 at H01 windows 1-2 (one overdue and escalated, one mid-way, one new) and at H02,
    with a pending and a decided appeal."""
    import uuid
    from datetime import date

    from server.workflow import appeals, cases, holidays
    from server.workflow.actors import SYSTEM, Actor
    from sync.wire import RatingWire

    now = datetime.now(timezone.utc)
    holidays.load(store, {date(y, 1, 1): ("holiday", "元旦") for y in (now.year, now.year + 1)},
                  SYSTEM)
    devices = {(h, w): redeem(store, create_code(store, h, w).code).device_id
               for h, w in (("H01", 1), ("H01", 2), ("H02", 1))}
    made = []
    for (hall, window), days, level, reasons, staff in (
            (("H01", 1), 20, 1, ["attitude", "efficiency"], "S001"),
            (("H01", 2), 6, 2, ["multiple_trips"], "S001"),
            (("H01", 1), 0, 1, [], "S002"), (("H01", 2), 1, 2, ["other"], "S003"),
            (("H02", 1), 2, 1, ["attitude"], "S101")):
        when = now - timedelta(days=days, hours=2)
        rating = RatingWire.model_validate({
            "uuid": str(uuid.uuid4()), "level": level, "reasons": reasons, "window": window,
            "staff_id": staff, "ticket": f"A{len(made) + 101}", "case_id": f"BJ{len(made):05d}",
            "device_id": devices[(hall, window)], "rated_at": utc_iso(when), "boot_id": "b",
            "mono_s": 1.0})
        store.ingest([rating], now=when)
        made.append(str(rating.uuid))
    cases.escalate_overdue(store, now)
    sup = Actor("sup1", "hall_supervisor", frozenset({"H01"}))
    with store.transaction(write=False) as tx:
        mid = tx.one("SELECT id FROM cases WHERE rating_uuid = ?", [made[1]])[0]
    cases.advance(store, mid, sup, "已调取监控核实：群众因材料不全往返两次，情况属实。")
    appeals.file(store, sup, made[3], "mistaken", "群众误触“不满意”，当场口头说明。",
                 "窗口录像 14:05-14:07")
    staff = Actor("staff1", "window_staff", frozenset({"H01"}), frozenset({1, 2}),
                  staff_id="S001")          # staff appeal only ratings naming them
    decided = appeals.file(store, staff, made[0], "malicious", "同一人当天第三次差评，"
                           "与办理无关。", "叫号记录")
    appeals.decide(store, sup, decided["id"], False, "证据不足，维持评价。")


def seed_figures(store) -> None:
    """The demo hall's two months of ratings, its login with PASSWORD, last month's staff
    ranking closed and two ratings of that month uploaded after the close (shown as late)."""
    import uuid

    from server.db import users
    from server.demo_seed import seed_demo
    from server.workflow import ranking
    from sync.wire import RatingWire

    seed_demo(store)
    with store.transaction() as tx:
        users.set_password(tx, "demo", PASSWORD)
    ranking.close(store, "staff", "DEMO", LAST_MONTH, "user:demo")
    device = next(d["device_id"] for d in store.list_devices() if d["hall"] == "DEMO")
    at = _LAST.replace(hour=10, minute=0).astimezone(timezone.utc)
    store.ingest([RatingWire(uuid=uuid.uuid4(), level=5, window=1, staff_id="1001",
                             ticket=f"Z00{i}", device_id=device, rated_at=at,
                             case_key=f"{_LAST.date()}/1/Z00{i}/") for i in (1, 2)])


def seed_export(store) -> None:
    """A provincial target that is down (nothing listens on its port): the records of one round
    of delivery wait for their retry, one given up, each with the target's last answer."""
    from server.db import outbox
    from server.delivery import Deliverer
    from server.export import sender, targets

    with store.transaction() as tx:
        targets.set_target(tx, "hebei", "provincial", "http://127.0.0.1:9/pj", "130000")
        targets.set_target(tx, "national", "gbt39046", "http://127.0.0.1:9/gb", "130000",
                           enabled=False)
    with store.transaction(write=False) as tx:
        since = tx.one("SELECT min(corrected_at) FROM ratings")[0] or "2000"
    sender.backfill(store, "hebei", since)
    Deliverer(store, kinds={"export": sender.deliver}, backoff=outbox.Backoff(600, 600),
              max_attempts=1, batch=8).run_once()


PAGES += [
    ("export", "admin", "/console/export", None),
    ("export-hall", "sup1", "/console/export", None),
]
SEEDERS = [seed_fleet, seed_cases, seed_figures, seed_export]


def seed_service(store) -> None:
    """Service events (issue 27) at H01 windows 1-3 over the last week: calls, completions,
    a 20-minute pause inside hours, a lunch pause, a late sign-in, a kiosk restart."""
    from tests.helpers import service_events as se

    today = datetime.now(timezone(timedelta(hours=8))).date()
    for back in range(1, 8):
        day = (today - timedelta(days=back)).isoformat()
        se.insert(store, "H01", 1, se.day_script(day, "S001", cases=4,
                                                 pause=("10:30", "10:50", "meeting")))
        se.insert(store, "H01", 2, se.day_script(day, "S002", cases=3,
                                                 pause=("12:00", "13:30")))
        script = [s for s in se.day_script(day, "S003", cases=2) if s[1] != "staff_in"]
        se.insert(store, "H01", 3, script + [(f"{day} 09:40", "staff_in",
                                              {"staff_id": "S003"})])


PAGES += [
    ("service-hall", "sup1", "/console/service", None),
    ("service-window", "sup1", "/console/service?hall=H01&window=3", None),
    ("service-region", "admin", "/console/service", None),
    ("service-staff", "staff1", "/console/service", None),
    ("service-en", "sup1", "/console/service?lang=en", None),
]
SEEDERS.append(seed_service)


def bad_scheme(driver, url):
    """The scheme editor refusing a deduction with positive points (the path is shown)."""
    area = driver.find_element(By.CSS_SELECTOR, "#scheme-form textarea")
    driver.execute_script("arguments[0].value = arguments[0].value.replace("
                          "'\"points\": -2.0', '\"points\": 2.0');", area)
    driver.find_element(By.CSS_SELECTOR, "#scheme-form button[type=submit]").click()


def seed_assess_staff(store) -> None:
    """A window staff account at the demo hall (张敏, 1024): their unit's closed 考核."""
    from server.db import users

    if users.get(store, "zhangmin") is None:
        with store.transaction() as tx:
            users.add(tx, "zhangmin", "张敏", PASSWORD, "window_staff", "1024")


SEEDERS.append(seed_assess_staff)
# 考核 (issue 28): the demo hall's last month, closed by seed_demo (server/demo_assess.py).
PAGES += [
    ("assess", "demo", f"/console/assess?scope=DEMO&period={LAST_MONTH}", None),
    ("assess-unit", "demo", f"/console/assess/unit?scope=DEMO&period={LAST_MONTH}"
     "&unit=DEMO/%E5%B8%82%E5%85%AC%E5%AE%89%E5%B1%80", None),
    ("assess-notice", "demo", f"/console/assess/notice?scope=DEMO&period={LAST_MONTH}", None),
    ("assess-region-live", "admin", f"/console/assess?scope=440305&period={LAST_MONTH}", None),
    ("assess-scheme", "admin", f"/console/assess/scheme?scope=440305&month={LAST_MONTH}",
     None),
    ("assess-scheme-error", "admin",
     f"/console/assess/scheme?scope=440305&month={LAST_MONTH}", bad_scheme),
    ("assess-staff", "staff1", "/console/assess", None),
    ("assess-staff-closed", "zhangmin", "/console/assess", None),
    ("assess-en", "demo", f"/console/assess?scope=DEMO&period={LAST_MONTH}&lang=en", None),
]


def seed_inspections(store) -> None:
    """督察 (issue 28.3): an inspector of 南山区, the 上街 sheet in force, three records at H01
    (one with a photo, one contested, one withdrawn)."""
    import io

    from PIL import Image, ImageDraw

    from server.assess import inspections as insp, inspections_photos as photos, scheme
    from server.assess import store as assess_store
    from server.db import audit, users

    with store.transaction() as tx:
        users.add(tx, "insp1", "督察员甲", PASSWORD, "inspector", "440305")
        audit.append(tx, "sample", "user.add", "user:insp1", {"role": "inspector"})
        assess_store.set_scheme(tx, "440300", "2000-01", scheme.preset("shangjie"), "sample")
    img = Image.new("RGB", (640, 420), (214, 226, 236))
    draw = ImageDraw.Draw(img)
    draw.rectangle((60, 120, 580, 380), fill=(120, 90, 60))        # the counter
    draw.ellipse((270, 30, 370, 130), fill=(60, 60, 70))           # someone behind it
    out = io.BytesIO()
    img.save(out, "JPEG")
    photo = photos.save(photos.evidence_dir(store), out.getvalue())
    now = datetime.now(timezone.utc)
    who = insp.Who("user:insp1", "inspector", None)
    rows = []
    with store.transaction() as tx:
        for hours, item, note, picture in ((2, "sj_badge", "未佩戴工作证", photo),
                                           (26, "sj_idle", "窗口人员串岗聊天", ""),
                                           (50, "sj_one_notice", "需要补件未一次性告知", "")):
            rows.append(insp.record(tx, who, "H01", "社保", 1, "S001", item, None, 1,
                                    now - timedelta(hours=hours), note, picture, now=now)[0])
        insp.contest(tx, insp.Who("user:sup1", "hall_supervisor", frozenset({"H01"})),
                     rows[1]["id"], "当时在办理联办件，非串岗", now=now)
        insp.contest(tx, insp.Who("user:sup1", "hall_supervisor", frozenset({"H01"})),
                     rows[2]["id"], "已电话告知，有记录", now=now)
        insp.decide(tx, insp.Who("user:nanshan", "region_admin", None), rows[2]["id"],
                    "withdrawn", "核实已一次性告知", now=now)


def open_first_record(driver, url):
    driver.find_element(By.CSS_SELECTOR, "#inspections tbody tr td:last-child a").click()


def record_without_note(driver, url):
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.NAME, "department")).select_by_visible_text("社保")
    Select(driver.find_element(By.NAME, "item")).select_by_value("sj_badge")
    note = driver.find_element(By.NAME, "note")
    driver.execute_script("arguments[0].removeAttribute('required')", note)
    driver.find_element(By.CSS_SELECTOR, "#record-form button").click()


PAGES += [
    ("inspections", "insp1", "/console/inspections", None),
    ("inspections-en", "insp1", "/console/inspections?lang=en", None),
    ("inspection-new", "insp1", "/console/inspections/new?hall=H01", None),
    ("inspection-new-hall", "insp1", "/console/inspections/new", None),
    ("inspection-new-error", "insp1", "/console/inspections/new?hall=H01",
     record_without_note),
    ("inspection-contest", "sup1", "/console/inspections?state=recorded", open_first_record),
    ("inspection-decide", "nanshan", "/console/inspections?state=contested",
     open_first_record),
    ("service-inspector", "insp1", "/console/service?hall=H01", None),
]
SEEDERS.append(seed_inspections)


def seed_units(store) -> None:
    """Window units (issue 28 item 1): the demo hall's windows in departments, and H01's
    departments with credit codes (made up here, with a correct check character)."""
    from server.db import org, org_units

    demo = {1: "市人社局", 2: "市医保局", 3: "市自然资源局", 4: "市税务局", 5: "市人社局",
            6: "市市场监管局", 7: "市公积金中心", 8: "市公安局"}
    windows = org.windows(store, "DEMO")
    with store.transaction() as tx:
        for w in windows:
            org.put_window(tx, org.Window("DEMO", w.number, w.name, demo[w.number]))
        for i, (hall, name) in enumerate((("H01", "社保"), ("H01", "不动产"),
                                          ("DEMO", "市人社局"), ("DEMO", "市公安局"))):
            first = f"1144030500{i}19283{i}"
            org_units.set_department(tx, hall, name, first + org_units.credit_check_char(first))


def bad_credit_code(driver, url):
    form = driver.find_element(By.ID, "department-form")
    form.find_element(By.NAME, "name").send_keys("人社")
    form.find_element(By.NAME, "credit_code").send_keys("11410182005291054c")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


SEEDERS.append(seed_units)
PAGES += [
    ("hall-departments", "sup1", "/console/org/halls/H01#departments", None),
    ("hall-department-error", "sup1", "/console/org/halls/H01", bad_credit_code),
    ("ranking-departments", "demo",
     f"/console/ranking?kind=departments&scope=DEMO&month={LAST_MONTH}", None),
    ("ranking-region-departments", "admin",
     f"/console/ranking?kind=region_departments&scope=440000&month={LAST_MONTH}", None),
    ("drill-departments", "admin", "/console/figures/drill?region=440000&by=departments", None),
]


# The holiday-table warning (server/console/notices.py) on a server of its own, whose table
# is empty and whose clock is set around the first day without due dates: (name, account,
# path, days from that day). Before it the warning looks ahead; after it, cases lack dates.
HOLIDAY_PAGES = [
    ("home-holidays-admin", "admin", "/console/", -16),
    ("home-holidays", "sup1", "/console/", -16),
    ("cases-holidays", "sup1", "/console/cases", 3),
    ("cases-holidays-admin-en", "admin", "/console/cases?lang=en", 3),
    ("cases-holidays-staff", "staff1", "/console/cases", 3),
]


def holiday_shots(driver, out: Path, only) -> list[Path]:
    """The HOLIDAY_PAGES, at both sizes, on a server of their own."""
    import uuid
    from datetime import date

    from server.workflow.workdays import HALL_TZ, Calendar, horizon
    from sync.wire import RatingWire

    pages = [p for p in HOLIDAY_PAGES if not only or p[0] in only]
    if not pages:
        return []
    starts = horizon(date.today(), Calendar(), 15).starts
    noon = datetime(starts.year, starts.month, starts.day, 10, tzinfo=HALL_TZ)
    written = []
    with tempfile.TemporaryDirectory() as tmp, \
            ServerThread(Path(tmp) / "holidays.db") as server:
        seed(server.store, PASSWORD)
        device = redeem(server.store, create_code(server.store, "H01", 1).code).device_id
        # A 差评 dated before the edge at once; one received after it only once the clock
        # has passed the edge (pages in clock order), so the look-ahead shows no count.
        pending = [(-20, "A301"), (2, "A302")]
        for name, account, path, days in sorted(pages, key=lambda p: p[3]):
            while pending and pending[0][0] <= days:
                offset, ticket = pending.pop(0)
                when = noon + timedelta(days=offset)
                server.store.ingest([RatingWire.model_validate({
                    "uuid": str(uuid.uuid4()), "level": 1, "reasons": ["attitude"],
                    "window": 1, "staff_id": "S001", "ticket": ticket,
                    "case_id": f"HD{ticket}", "device_id": device, "rated_at": utc_iso(when),
                    "boot_id": "b", "mono_s": 1.0})], now=when)
            server.app.state.clock = lambda days=days: noon + timedelta(days=days)
            for size, (width, height) in SIZES.items():
                driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
                driver.set_window_size(width, height)
                log_in(driver, server.url, account)
                driver.get(f"{server.url}{path}")
                written.append(out / f"{name}-{size}.png")
                shoot(driver, written[-1], width, height)
    return written


def driver_for() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--lang=zh-CN"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def log_in(driver, url: str, account: str | None) -> None:
    driver.delete_all_cookies()
    driver.get(f"{url}/console/login")
    if account is None:
        return
    driver.find_element(By.NAME, "username").send_keys(account)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "#login-form button").click()
    # Wait for the login to land, or the next get() races it and the shot shows the home page.
    WebDriverWait(driver, 10).until(lambda d: "/console/login" not in d.current_url)


def shoot(driver, path: Path, width: int, height: int) -> None:
    """The whole page at this width (at least `height` tall), as a phone for narrow widths."""
    mobile = width < 600
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1,
                            "mobile": mobile})
    full = driver.execute_script("return Math.max(document.documentElement.scrollHeight, "
                                 "document.body.scrollHeight)")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": max(height, int(full)),
                            "deviceScaleFactor": 1, "mobile": mobile})
    driver.save_screenshot(str(path))


def page_shots(driver, out: Path, pages) -> list[Path]:
    """The PAGES on one server seeded with the sample org and every SEEDER."""
    written = []
    with tempfile.TemporaryDirectory() as tmp, \
            ServerThread(Path(tmp) / "console.db") as server:
        seed(server.store, PASSWORD)
        for seeder in SEEDERS:
            seeder(server.store)
        for name, account, path, then in pages:
            for size, (width, height) in SIZES.items():
                driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
                driver.set_window_size(width, height)
                log_in(driver, server.url, account)
                driver.get(f"{server.url}{path}")
                if then is not None:
                    then(driver, server.url)
                target = out / f"{name}-{size}.png"
                shoot(driver, target, width, height)
                written.append(target)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "console-shots")
    parser.add_argument("--only", nargs="*", help="Page names to shoot (default: all).")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    pages = [p for p in PAGES if not args.only or p[0] in args.only]
    driver = driver_for()
    try:
        if pages:  # the seeded server (the demo's months of ratings take a while)
            written += page_shots(driver, args.out, pages)
        written += holiday_shots(driver, args.out, args.only)
    finally:
        driver.quit()
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0

if __name__ == "__main__":
    sys.exit(main())
