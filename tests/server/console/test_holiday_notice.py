"""The holiday-table warning on real pages (HTTP, logged in through the form, both stores):
30 days ahead of the first 差评 without due dates, or once cases lack them; the count of the
reader's own cases; the fix with the command for region administrators; Chinese and English.
The console's clock is the app's `state.clock`, set here: no test reads the real date."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from server.api.enrol import create_code, redeem
from server.workflow import holidays
from server.workflow.actors import SYSTEM
from sync.wire import RatingWire
from tests.server.console.conftest import console_both, login  # noqa: F401

HALL_TZ = timezone(timedelta(hours=8))
TITLE = "2027 年节假日安排尚未导入"
COMMAND = "<code>kiosk-server holidays load 文件</code>"


def at(y, m, d, hh=10):
    return datetime(y, m, d, hh, tzinfo=HALL_TZ)


@pytest.fixture(scope="module")
def server(console_both):  # noqa: F811
    console_both.app.state.clock = lambda: at(2026, 11, 10)
    yield console_both
    console_both.app.state.clock = None


def notice(session, server, path):
    r = session.get(f"{server.url}{path}", allow_redirects=False)
    assert r.status_code == 200, path
    html = r.text
    start = html.find('id="holiday-notice"')
    return "" if start < 0 else html[start:html.index("</section>", start)]


def bad_rating(store, device, when):
    rating = RatingWire.model_validate({
        "uuid": str(uuid.uuid4()), "level": 1, "reasons": ["attitude"], "window": 1,
        "staff_id": "S001", "ticket": "A777", "case_id": f"C-{uuid.uuid4().hex[:8]}",
        "device_id": device, "rated_at": when.isoformat(), "boot_id": "b", "mono_s": 1.0})
    store.ingest([rating], now=when.astimezone(timezone.utc))


def test_the_warning_comes_30_days_ahead_and_stays_until_the_year_is_loaded(server):
    store = server.store
    device = redeem(store, create_code(store, "H01", 1).code).device_id
    bad_rating(store, device, at(2026, 11, 9))           # dated: its deadline is in 2026
    sup, admin, sup2 = (login(server, n) for n in ("sup1", "admin", "sup2"))
    assert notice(sup, server, "/console/") == ""         # 31 days before 11 Dec: quiet

    server.app.state.clock = lambda: at(2026, 11, 11)    # 30 days before
    for path in ("/console/", "/console/cases"):
        text = notice(sup, server, path)
        assert TITLE in text and "自 2026-12-11 起受理的差评将无法计算期限" in text
        assert "15 个工作日" in text and "缺少期限" not in text
        assert "管理员导入国务院公布的 2027 年放假安排后" in text and COMMAND not in text
    text = notice(admin, server, "/console/")
    assert TITLE in text and COMMAND in text and "导入国务院公布的 2027 年放假安排" in text
    assert notice(sup2, server, "/console/") == ""       # H02 has no cases
    text = notice(sup, server, "/console/cases?lang=en")
    assert "The 2027 holiday schedule is not loaded" in text
    assert "Bad reviews received from 2026-12-11 on will get no due dates" in text
    assert "Once the administrator loads the State Council&#39;s 2027 schedule" in text

    server.app.state.clock = lambda: at(2026, 12, 14)
    bad_rating(store, device, at(2026, 12, 14))          # no due dates: 2027 unknown
    text = notice(sup, server, "/console/cases?lang=zh_CN")  # the cookie said English
    assert "自 2026-12-11 起受理的差评已无法计算期限" in text
    assert "已有 1 件未办结的工单缺少期限" in text
    staff = login(server, "staff1")                      # the 差评 names them (S001)
    text = notice(staff, server, "/console/cases")
    assert "缺少期限" not in text                        # today's case shows tomorrow
    server.app.state.clock = lambda: at(2026, 12, 15)
    text = notice(staff, server, "/console/cases")
    assert "已有 1 件" in text and COMMAND not in text
    text = notice(admin, server, "/console/?lang=en")
    assert "Open cases already without due dates: 1." in text
    assert "with <code>kiosk-server holidays load FILE</code>;" in text

    # A made-up 2027 table (tests only; we do not know the real one): the warning goes.
    holidays.load(store, {date(2027, 7, d): ("holiday", "test") for d in range(1, 26)},
                  SYSTEM)
    for session in (sup, admin):                          # (admin's cookie: English)
        assert notice(session, server, "/console/") == ""
        assert notice(session, server, "/console/cases") == ""
