"""The 窗口服务 console page over HTTP on SQLite and PostgreSQL: the facts a supervisor sees
(one 空岗 for a 20-minute pause inside hours, none for a lunch pause, 办件量, median 办理时长),
late events recomputing them, CSV of every table, annotations (audited, excluding the
interval), and scope: another hall 403, window staff their own facts up to yesterday only."""
import csv
import io
import re
from datetime import timedelta

import pytest

from server.console.sample import seed
from server.runner import ServerThread
from tests.helpers import service_events as se
from tests.server.console.conftest import PASSWORD, csrf_in, login

DAY = "2026-12-01"
NOW = se.local("2026-12-03 10:00")  # the console's clock: two days later


@pytest.fixture
def hall(db):
    srv = ServerThread(db[0], schema=db[1], open_ingest=False).start()
    seed(srv.store, PASSWORD)
    srv.app.state.clock = lambda: NOW
    se.insert(srv.store, "H01", 1, se.day_script(DAY, "S001", cases=4, pause=("10:30", "10:50")))
    se.insert(srv.store, "H01", 2, se.day_script(DAY, "S003", cases=2, pause=("12:00", "13:30")))
    yield srv
    srv.stop()


def table(html: str, name: str) -> list[list[str]]:
    part = re.search(rf'id="table-{name}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr,
                                                                   re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", part, re.S)]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_supervisor_sees_one_empty_interval_and_the_counts(hall):
    sup = login(hall, "sup1")
    html = sup.get(f"{hall.url}/console/service?hall=H01&month=2026-12").text
    assert "窗口服务" in html and "作息" in html
    windows = table(html, "windows")
    assert [r[:5] for r in windows] == [["1 号窗口", "1", "4", "10.0", "10.0"],
                                         ["2 号窗口", "1", "2", "10.0", "10.0"]]
    assert [r[5:7] for r in windows] == [["1", "20.0"], ["0", "0.0"]]   # lunch pause: none
    empty = table(html, "empty")
    assert len(empty) == 1 and empty[0][:7] == ["2026-12-01", "1", "张三 S001", "10:30",
                                                "10:50", "20.0", "暂停服务"]
    staff = {r[0]: r for r in table(html, "staff")}
    assert staff["张三 S001"][2] == "4" and staff["王五 S003"][2] == "2"
    # Drill to the window and to the staff member.
    html = sup.get(f"{hall.url}/console/service?hall=H01&window=1&month=2026-12").text
    assert [r[0] for r in table(html, "days")] == [DAY]  # no kiosk on the 2nd or 3rd
    assert table(html, "days")[0][-2:] == ["08:55", "17:35"]
    html = sup.get(f"{hall.url}/console/service?staff=S003&month=2026-12").text
    assert table(html, "days")[0][:3] == [DAY, "1", "2"] and len(table(html, "empty")) == 1


def test_every_table_has_its_csv(hall):
    sup = login(hall, "sup1")
    base = f"{hall.url}/console/service.csv?hall=H01&month=2026-12&table="
    assert csv_rows(sup.get(base + "windows"))[1][:3] == ["1 号窗口", "1", "4"]
    assert csv_rows(sup.get(base + "staff"))[0][0] == "工作人员"
    assert csv_rows(sup.get(base + "days"))[1][0] == DAY
    empty = csv_rows(sup.get(base + "empty"))
    assert len(empty) == 2 and empty[1][3:5] == ["10:30", "10:50"]
    admin = login(hall, "admin")
    halls = csv_rows(admin.get(f"{hall.url}/console/service.csv?month=2026-12&table=halls"))
    assert [r[:3] for r in halls[1:]] == [["南山区政务服务中心", "2", "6"]]
    assert sup.get(base + "nope").status_code == 400
    assert sup.get(base + "halls").status_code == 400  # not at a hall's level


def test_late_events_recompute_the_facts(hall):
    sup = login(hall, "sup1")
    url = f"{hall.url}/console/service?hall=H01&window=2&month=2026-12"
    assert table(sup.get(url).text, "days")[0][2] == "2"
    # Events of 1 December received two days later: a case and a 30-minute sign-out.
    se.insert(hall.store, "H01", 2, [
        (f"{DAY} 15:00", "called", {"ticket": "B001"}),
        (f"{DAY} 15:40", "completed", {"ticket": "B001"}),
        (f"{DAY} 16:00", "staff_out", {"staff_id": "S003"}),
        (f"{DAY} 16:30", "staff_in", {"staff_id": "S003"})], received_at=NOW - timedelta(hours=1))
    days = table(sup.get(url).text, "days")
    assert days[0][2:7] == ["3", "10.0", "40.0", "1", "30.0"]


def test_an_annotation_excuses_the_interval_and_is_audited(hall):
    sup = login(hall, "sup1")
    page = f"{hall.url}/console/service?hall=H01&month=2026-12"
    html = sup.get(page).text
    start = re.search(r'name="start" value="([^"]+)"', html).group(1)
    form = {"csrf_token": csrf_in(html), "hall": "H01", "window": "1", "start": start,
            "back": "hall=H01&month=2026-12"}
    r = sup.post(f"{hall.url}/console/service/note", data={**form, "excused": "1"},
                 allow_redirects=False)
    assert r.status_code == 400  # excused needs a reason
    r = sup.post(f"{hall.url}/console/service/note",
                 data={**form, "excused": "1", "note": "外出办事，主任批准"}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/service?hall=H01")
    html = sup.get(page).text
    assert table(html, "windows")[0][5:8] == ["0", "0.0", "1"]
    assert table(html, "empty")[0][7:9] == ["已核准，不计入", "外出办事，主任批准"]
    with hall.store.transaction(write=False) as tx:
        entry = tx.one("SELECT l.actor, s.scope FROM audit_log l JOIN audit_scope s "
                       "ON s.entry_id = l.id WHERE l.action = 'empty.note'")
    assert entry == ("user:sup1", "hall:H01")
    # Not theirs, read-only, or no such interval: refused.
    for user, data, status in (("sup2", form, 403), ("audit1", form, 403),
                               ("sup1", {**form, "start": "2026-12-01T03:00:00.000Z"}, 400),
                               ("sup1", {**form, "window": "x"}, 400),
                               ("sup1", {**form, "window": "9" * 20}, 400)):
        other = login(hall, user)
        token = csrf_in(other.get(f"{hall.url}/console/password").text)
        got = other.post(f"{hall.url}/console/service/note",
                         data={**data, "csrf_token": token, "note": "x"}, allow_redirects=False)
        assert got.status_code == status, (user, got.status_code)


def test_scope_another_hall_and_staff_up_to_yesterday(hall):
    sup2 = login(hall, "sup2")
    assert sup2.get(f"{hall.url}/console/service?hall=H01").status_code == 403
    assert sup2.get(f"{hall.url}/console/service?hall=H01&window=1").status_code == 403
    assert sup2.get(f"{hall.url}/console/service?staff=S001").status_code == 403
    assert sup2.get(f"{hall.url}/console/service.csv?hall=H01&table=empty").status_code == 403
    assert sup2.get(f"{hall.url}/console/service?hall=NOPE").status_code == 404
    # Staff: their own facts, whatever they ask for, and nothing of today.
    se.insert(hall.store, "H01", 1, se.day_script("2026-12-03", "S001", cases=1,
                                                  pause=("09:10", "09:40")))
    staff = login(hall, "staff1")
    html = staff.get(f"{hall.url}/console/service?month=2026-12").text
    assert "您本人的数据，截至昨天" in html and 'name="note"' not in html
    days = table(html, "days")
    assert [d[0] for d in days] == [DAY] and days[0][2] == "4"
    assert len(table(html, "empty")) == 1
    assert "王五" not in html and 'id="table-windows"' not in html
    asked = staff.get(f"{hall.url}/console/service?staff=S003&day=2026-12-03").text
    assert "王五" not in asked and "2026-12-03" not in [r[0] for r in table(asked, "days")]
    rows = csv_rows(staff.get(f"{hall.url}/console/service.csv?table=days&month=2026-12"))
    assert [r[0] for r in rows[1:]] == [DAY]
    # The supervisor sees today's 空岗 already.
    sup = login(hall, "sup1")
    assert len(table(sup.get(f"{hall.url}/console/service?hall=H01&day=2026-12-03").text,
                     "empty")) == 1
