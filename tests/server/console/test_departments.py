"""Window units in the console, over HTTP on both stores: the hall page lists departments with
their 统一社会信用代码 and windows and sets a code (CSRF, scope, audited, checked as the CLI
checks it); the org sheet carries the code; rankings and the drill-down by department, with
CSV and the month's close."""
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from server.db import audit, org_units
from tests.server.console.conftest import csrf_in, login, post_form
from tests.server.figures.helpers import add_device, rating

GONGAN, RENSHE = "11410182005291054B", "11140800558745220K"
LAST = datetime.now(timezone(timedelta(hours=8))).replace(day=1) - timedelta(days=1)
MONTH = LAST.strftime("%Y-%m")


@pytest.fixture(scope="module")
def rated(console_both):
    """The sample org (H01: 社保 = W1, 不动产 = W2 + W3; H02 none) with last month's ratings:
    W1 5 ×4, W2 5 ×2 and 1 ×2, W3 5 ×1."""
    store = console_both.store
    batch = []
    for window, levels in ((1, [5, 5, 5, 5]), (2, [5, 5, 1, 1]), (3, [5])):
        device = add_device(store, "H01", window)
        batch += [rating(device, lv, f"{MONTH}-0{i + 1}T02:00:00Z", window=window,
                         ticket=f"T{window}{i}") for i, lv in enumerate(levels)]
    store.ingest(batch)
    return console_both


def department_form(session, server, hall, name, code):
    return post_form(session, server, f"/console/org/halls/{hall}",
                     f"/console/org/halls/{hall}/departments",
                     {"name": name, "credit_code": code})


def test_the_hall_page_sets_a_departments_code(rated):
    sup1 = login(rated, "sup1")
    page = sup1.get(f"{rated.url}/console/org/halls/H01").text
    assert 'id="departments"' in page and "统一社会信用代码" in page and "设置部门的统一社会信用代码" in page
    bad = department_form(sup1, rated, "H01", "社保", "11410182005291054C")
    assert bad.status_code == 400
    assert "校验码不符：第 18 位应为“B”，而不是“C”" in bad.text and 'value="11410182005291054C"' in bad.text
    short = department_form(sup1, rated, "H01", "社保", "1141018200529")
    assert short.status_code == 400 and "应为 18 位（统一社会信用代码），而不是 13 位" in short.text
    ok = department_form(sup1, rated, "H01", "社保", GONGAN.lower())
    assert ok.status_code == 303 and ok.headers["location"].endswith("#departments")
    page = sup1.get(f"{rated.url}/console/org/halls/H01").text
    table = page[page.index('id="department-table"'):page.index('id="staff"')]
    assert f"<td data-label=\"统一社会信用代码\">{GONGAN}</td>" in table and ">2, 3<" in table
    entry = audit.entries(rated.store, 1)[0][0]
    assert (entry["actor"], entry["action"], entry["target"], entry["detail"]) == \
        ("user:sup1", "org.department.save", "department:H01/社保", {"credit_code": GONGAN})
    taken = department_form(sup1, rated, "H01", "不动产", GONGAN)
    assert taken.status_code == 400 and "已是本大厅“社保”的代码" in taken.text
    # The same agency stationed in another hall: its region admin may give it the same code.
    assert department_form(login(rated, "admin"), rated, "H02", "社保", GONGAN).status_code == 303
    with rated.store.transaction(write=False) as tx:
        assert [(d.hall_id, d.credit_code) for d in org_units.units(tx, ["H01", "H02"])
                if d.name == "社保"] == [("H01", GONGAN), ("H02", GONGAN)]


def test_only_editors_in_scope_may_set_a_code(rated):
    saved = len(audit.entries(rated.store, 100, action="org.department.save")[0])
    sup1 = login(rated, "sup1")
    page = sup1.get(f"{rated.url}/console/org/halls/H01").text
    other = sup1.post(f"{rated.url}/console/org/halls/H02/departments", allow_redirects=False,
                      data={"csrf_token": csrf_in(page), "name": "人社", "credit_code": RENSHE})
    assert other.status_code == 403
    forged = sup1.post(f"{rated.url}/console/org/halls/H01/departments", allow_redirects=False,
                       data={"csrf_token": "forged", "name": "人社", "credit_code": RENSHE})
    assert forged.status_code == 403
    auditor = login(rated, "audit1")
    r = auditor.post(f"{rated.url}/console/org/halls/H01/departments", allow_redirects=False,
                     data={"csrf_token": csrf_in(auditor.get(f"{rated.url}/console/org").text),
                           "name": "人社", "credit_code": RENSHE})
    assert r.status_code == 403
    assert "设置部门的统一社会信用代码" not in auditor.get(
        f"{rated.url}/console/org/halls/H01").text
    with rated.store.transaction(write=False) as tx:
        assert "人社" not in [d.name for d in org_units.units(tx, ["H01", "H02"])]
    assert len(audit.entries(rated.store, 100, action="org.department.save")[0]) == saved


def test_the_sheet_download_and_upload_carry_the_code(rated):
    admin = login(rated, "admin")
    department_form(admin, rated, "H01", "社保", GONGAN)
    sheet = admin.get(f"{rated.url}/console/org/export.csv").text.lstrip("\ufeff")
    header = next(csv.reader(io.StringIO(sheet)))
    assert header[5:7] == ["部门", "部门统一社会信用代码"]
    assert f"社保,{GONGAN},1," in sheet
    bad = sheet.replace(f"不动产,,2,", "不动产,1114080055874522OK,2,", 1)
    token = csrf_in(admin.get(f"{rated.url}/console/org").text)
    r = admin.post(f"{rated.url}/console/org/import", data={"csrf_token": token},
                   files={"file": ("org.csv", bad.encode("utf-8-sig"), "text/csv")})
    line = 1 + sheet.splitlines().index(next(x for x in sheet.splitlines() if "不动产,,2," in x))
    assert r.status_code == 400
    assert f"第 {line} 行: credit_code: 第 17 位“O”不允许" in r.text


def rows_of(response):
    assert response.status_code == 200, response.text[:300]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_department_rankings_show_close_and_download(rated):
    sup1 = login(rated, "sup1")
    q = f"kind=departments&scope=H01&month={MONTH}"
    page = sup1.get(f"{rated.url}/console/ranking?{q}")
    assert page.status_code == 200 and "大厅的部门（窗口单位）" in page.text
    rows = rows_of(sup1.get(f"{rated.url}/console/ranking.csv?{q}"))
    # Defaults: 30 rated to qualify, so both are listed unranked with their figures.
    assert [(r["key"], r["rated"], r["satisfaction"]) for r in rows] == \
        [("不动产", "5", "60.0%"), ("社保", "4", "100.0%")]
    closed = post_form(sup1, rated, f"/console/ranking?{q}", "/console/ranking/close",
                       {"kind": "departments", "scope": "H01", "month": MONTH})
    assert closed.status_code == 303
    assert "已发布并冻结" in sup1.get(f"{rated.url}/console/ranking?{q}").text
    entry = audit.entries(rated.store, 1)[0][0]
    assert (entry["action"], entry["target"]) == \
        ("ranking.close", f"ranking:departments:H01:{MONTH}")
    # A region admin's region kind: one row per department per hall, named by both.
    admin = login(rated, "admin")
    region = rows_of(admin.get(f"{rated.url}/console/ranking.csv?kind=region_departments"
                               f"&scope=440000&month={MONTH}"))
    assert [(r["key"], r["unit"], r["rated"]) for r in region if r["key"] < "H02"] == \
        [("H01/不动产", "南山区政务服务中心 · 不动产", "5"),
         ("H01/社保", "南山区政务服务中心 · 社保", "4")]
    # The picker keeps the hall when the kind changes to a region's: start at the region.
    moved = admin.get(f"{rated.url}/console/ranking?kind=region_departments&scope=H01"
                      f"&month={MONTH}")
    assert moved.status_code == 200 and "区划的部门（窗口单位）" in moved.text
    assert sup1.get(f"{rated.url}/console/ranking?kind=region_departments&scope=440000"
                    f"&month={MONTH}").status_code == 403


def test_the_drill_down_by_department(rated):
    admin = login(rated, "admin")
    first = f"{MONTH}-01"
    q = f"from={first}&to={LAST.date().isoformat()}"
    hall = admin.get(f"{rated.url}/console/figures/drill?{q}&hall=H01")
    assert "按部门（窗口单位）" in hall.text
    by = admin.get(f"{rated.url}/console/figures/drill?{q}&hall=H01&by=departments")
    assert by.status_code == 200 and "按窗口" in by.text
    rows = rows_of(admin.get(f"{rated.url}/console/figures/drill.csv?{q}&hall=H01"
                             f"&by=departments"))
    assert [(r["name"], r["rated"], r["bad"]) for r in rows] == \
        [("不动产", "5", "2"), ("社保", "4", "0")]
    region = rows_of(admin.get(f"{rated.url}/console/figures/drill.csv?{q}&region=440000"
                               f"&by=departments"))
    assert [r["name"] for r in region][:2] == ["南山区政务服务中心 · 不动产",
                                               "南山区政务服务中心 · 社保"]
    assert admin.get(f"{rated.url}/console/figures/drill?{q}&hall=H01&by=nope"
                     ).status_code == 400
    assert login(rated, "sup2").get(f"{rated.url}/console/figures/drill?{q}&hall=H01"
                                    f"&by=departments").status_code == 403


def test_the_sheet_as_xlsx_downloads_and_uploads(rated):
    from openpyxl import load_workbook

    sup1 = login(rated, "sup1")
    got = sup1.get(f"{rated.url}/console/org/export.xlsx")
    assert got.status_code == 200 and got.headers["content-type"].startswith(
        "application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(got.content))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert rows[0][6] == "部门统一社会信用代码" and {r[3] for r in rows[1:]} == {"H01"}
    r = next(i for i, row in enumerate(rows, start=1) if row[7] == 2)
    book.active.cell(r, 7).value = RENSHE
    out = io.BytesIO()
    book.save(out)
    token = csrf_in(sup1.get(f"{rated.url}/console/org").text)
    done = sup1.post(f"{rated.url}/console/org/import", data={"csrf_token": token},
                     files={"file": ("org.xlsx", out.getvalue(), "application/octet-stream")})
    assert done.status_code == 200 and "已导入" in done.text
    with rated.store.transaction(write=False) as tx:
        assert org_units.unit_of_window(tx, "H01", 3).credit_code == RENSHE
    bad = sup1.post(f"{rated.url}/console/org/import", data={"csrf_token": token},
                    files={"file": ("org.xlsx", b"PK\x03\x04 not really", "text/plain")})
    assert bad.status_code == 400 and "file: 不是 Excel 工作簿（.xlsx）" in bad.text
