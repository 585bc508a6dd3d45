"""The 考核 pages over HTTP on both stores: the scheme page (copy a preset, a refused edit
shown beside the textarea, scope and role checks) and the result page's refusals."""
import html
import json
import re

import pytest

from tests.server.console.conftest import csrf_in, login, post_form


@pytest.fixture(scope="module")
def admin(console_both):
    return login(console_both, "nanshan")


def test_a_region_admin_copies_a_preset_and_sees_it_as_tables(console_both, admin):
    url = console_both.url
    page = admin.get(f"{url}/console/assess/scheme?scope=440305&month=2026-10")
    assert page.status_code == 200 and 'id="no-scheme"' in page.text
    r = post_form(admin, console_both, "/console/assess/scheme?scope=440305&month=2026-10",
                  "/console/assess/scheme/copy",
                  {"scope": "440305", "preset": "shangjie", "month_from": "2026-10"})
    assert r.status_code == 303
    page = admin.get(f"{url}{r.headers['Location']}")
    assert "上街式优质服务窗口评选" in page.text and "窗口出现空岗" in page.text
    table = page.text[page.text.index('id="scheme-table"'):]
    assert "工作纪律" in table and "每次 -2 分" in table and "30" in table
    # Metric items read in words, not the scheme's keys (satisfaction: …).
    readable = table[:table.index("<textarea")]
    assert "满意率：" in readable and "satisfaction" not in readable and "late：" not in readable
    # In force for a later month too, and for the halls below the region.
    later = admin.get(f"{url}/console/assess/scheme?scope=H01&month=2026-12")
    assert "上街式优质服务窗口评选" in later.text and "440305" in later.text


def test_a_refused_edit_comes_back_with_the_field_named(console_both, admin):
    page = admin.get(f"{console_both.url}/console/assess/scheme?scope=440305&month=2026-10")
    body = json.loads(html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page.text,
                                              re.S).group(1)))
    empty = next(n for n, i in enumerate(body["items"]) if i["key"] == "sj_empty")
    body["items"][empty]["points"] = 2          # a deduction must be negative
    r = admin.post(f"{console_both.url}/console/assess/scheme",
                   data={"csrf_token": csrf_in(page.text), "scope": "440305",
                         "month_from": "2026-11", "body": json.dumps(body)})
    assert r.status_code == 422
    error = re.search(r'id="scheme-error">(.*?)</span>', r.text, re.S).group(1)
    assert error.startswith(f"items[{empty}].points: ")   # the engine words the reason
    assert "2026-11" in r.text           # the month typed stays
    r = admin.post(f"{console_both.url}/console/assess/scheme",
                   data={"csrf_token": csrf_in(page.text), "scope": "440305",
                         "month_from": "2026-11", "body": "{not json"})
    assert r.status_code == 422 and "JSON" in r.text


def test_who_may_set_a_scheme(console_both):
    sup = login(console_both, "sup1")
    r = post_form(sup, console_both, "/console/assess/scheme?scope=H01",
                  "/console/assess/scheme/copy",
                  {"scope": "440305", "preset": "jining", "month_from": "2026-10"})
    assert r.status_code == 403
    assert sup.get(f"{console_both.url}/console/assess/scheme?scope=H02").status_code == 403
    r = post_form(sup, console_both, "/console/assess/scheme?scope=H01",
                  "/console/assess/scheme/copy",
                  {"scope": "H01", "preset": "nope", "month_from": "2026-10"})
    assert r.status_code == 400
    auditor = login(console_both, "audit1")
    page = auditor.get(f"{console_both.url}/console/assess/scheme?scope=440305&month=2026-10")
    assert page.status_code == 200 and 'id="copy-form"' not in page.text
    staff = login(console_both, "staff1")
    assert staff.get(f"{console_both.url}/console/assess/scheme").status_code == 403
    from server.db import users
    if users.get(console_both.store, "insp9") is None:
        with console_both.store.transaction() as tx:
            users.add(tx, "insp9", "督察员", "correct-horse-battery", "inspector", "440305")
    inspector = login(console_both, "insp9")
    page = inspector.get(f"{console_both.url}/console/assess?scope=440305&period=2026-10")
    assert page.status_code == 200 and 'id="close"' not in page.text
    assert inspector.get(f"{console_both.url}/console/assess?scope=H02").status_code == 403


def test_bad_periods_are_a_400_with_the_field_named(console_both, admin):
    for bad in ("2026-13", "2026-Q5", "26-11", "２０２６"):
        r = admin.get(f"{console_both.url}/console/assess", params={"period": bad})
        assert r.status_code == 400 and "YYYY-MM" in r.text, bad
    assert admin.get(f"{console_both.url}/console/assess?scope=H02&period=2026-10"
                     ).status_code == 403
    assert admin.get(f"{console_both.url}/console/assess?scope=NOPE").status_code == 404
    for period, label in (("2026-Q4", "2026年第4季度"), ("2026", "2026年度")):
        page = admin.get(f"{console_both.url}/console/assess",
                         params={"scope": "440305", "period": period})
        assert page.status_code == 200 and label in page.text, period
    for bad in ("2026-Q4", "2026", "2026-13"):      # a scheme is set from a month
        r = admin.get(f"{console_both.url}/console/assess/scheme", params={"month": bad})
        assert r.status_code == 400 and "YYYY-MM" in r.text, bad


def test_closing_who_may_and_what_is_refused(console_both, admin):
    url = console_both.url
    sup = login(console_both, "sup1")
    page = "/console/assess?scope=H01&period=2026-10"
    assert 'id="close"' in sup.get(f"{url}{page}").text
    # The region's result is the region admin's to close, not the hall supervisor's.
    r = post_form(sup, console_both, page, "/console/assess/close",
                  {"scope": "440305", "period": "2026-10"})
    assert r.status_code == 403
    auditor = login(console_both, "audit1")
    assert 'id="close"' not in auditor.get(f"{url}{page}").text
    r = post_form(auditor, console_both, page, "/console/assess/close",
                  {"scope": "H01", "period": "2026-10"})
    assert r.status_code == 403
    r = post_form(sup, console_both, page, "/console/assess/close",
                  {"scope": "H01", "period": "2026-10"})
    assert r.status_code == 303
    shown = sup.get(f"{url}{page}").text
    assert "已由 张主任 于" in shown and 'id="close"' not in shown
    r = post_form(sup, console_both, page, "/console/assess/close",
                  {"scope": "H01", "period": "2026-10"})
    assert r.status_code == 400 and "2026-10" in r.text
    this_month = admin.get(f"{url}/console/assess?scope=440305").text   # opens on last month
    assert 'id="live"' in this_month or 'id="closed"' in this_month
    r = post_form(admin, console_both, page, "/console/assess/close",
                  {"scope": "440305", "period": "2099-01"})
    assert r.status_code == 400
    r = post_form(admin, console_both, page, "/console/assess/close", {"period": "2026-10"})
    assert r.status_code == 400 and "范围" in r.text
    with console_both.store.transaction(write=False) as tx:
        row = tx.one("SELECT actor, action FROM audit_log WHERE action = 'assess.close' "
                     "ORDER BY id DESC LIMIT 1")
    assert tuple(row) == ("user:sup1", "assess.close")


def test_downloads_of_a_closed_period(console_both):
    url = console_both.url
    sup = login(console_both, "sup1")
    q = "scope=H01&period=2026-10"
    r = sup.get(f"{url}/console/assess.csv?{q}")
    assert r.status_code == 200 and r.text.startswith("\ufeff名次,单位,统一社会信用代码,得分")
    assert "社保" in r.text and "不动产" in r.text
    from openpyxl import load_workbook
    import io
    book = load_workbook(io.BytesIO(sup.get(f"{url}/console/assess.xlsx?{q}&lang=en").content))
    assert book.sheetnames == ["Ranking", "Breakdown", "Staff"]
    hr_book = load_workbook(io.BytesIO(sup.get(f"{url}/console/assess/hr.xlsx?{q}").content))
    assert hr_book.sheetnames == ["2026年10月"]
    assert sup.get(f"{url}/console/assess/hr.pdf?{q}").status_code == 404
    hr = sup.get(f"{url}/console/assess/hr.csv?{q}&lang=zh_CN")
    assert hr.text.startswith("\ufeff工号,姓名,单位,好评数,差评")
    notice = sup.get(f"{url}/console/assess/notice?{q}")
    assert "2026年10月窗口单位考核结果通报" in notice.text and "草稿" not in notice.text
    assert "结账人：张主任" in notice.text and "南山区政务服务中心" in notice.text
    asked = sup.get(f"{url}/console/assess/notice?{q}&office=南山区政务办")
    assert '<span id="office">南山区政务办</span>' in asked.text
    other = sup.get(f"{url}/console/assess/notice?scope=440305&period=2026-10")
    assert other.status_code == 403


def test_staff_see_their_unit_only_once_closed(console_both):
    url = console_both.url
    staff = login(console_both, "staff1")
    page = staff.get(f"{url}/console/assess?period=2026-10")
    assert page.status_code == 200 and 'id="lines"' in page.text
    assert "<h1>社保" in page.text and 'id="staff-note"' in page.text
    assert "不动产" not in page.text.split('id="lines"')[1]      # only their own unit's lines
    for hidden in ("S002", "S003", "ticket", "rated_at"):
        assert hidden not in page.text
    live = staff.get(f"{url}/console/assess?period=2026-09")
    assert 'id="not-closed"' in live.text and 'id="lines"' not in live.text
    for path in ("/console/assess/unit?scope=H01&period=2026-10&unit=H01/社保",
                 "/console/assess.csv?scope=H01&period=2026-10",
                 "/console/assess/notice?scope=H01&period=2026-10",
                 "/console/assess/hr.csv?scope=H01&period=2026-10"):
        assert staff.get(f"{url}{path}").status_code == 403, path


def test_the_page_opens_on_last_month_and_the_first_scope_with_a_scheme(console_both):
    top = login(console_both, "admin")              # 广东省: the scheme is 南山区's (440305)
    page = top.get(f"{console_both.url}/console/assess").text
    title = re.search(r"<h1>.*?</h1>", page, re.S).group(0)
    assert "南山区" in title and "广东省" not in title
    from datetime import datetime, timedelta, timezone
    last = datetime.now(timezone(timedelta(hours=8))).replace(day=1) - timedelta(days=1)
    assert f"{last.year}年{last.month}月" in title
    assert '<option value="440305" selected>' in page
