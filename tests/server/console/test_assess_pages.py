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


def test_bad_periods_are_a_400_with_the_field_named(console_both, admin):
    for bad in ("2026-13", "2026-Q5", "26-11", "２０２６"):
        r = admin.get(f"{console_both.url}/console/assess", params={"period": bad})
        assert r.status_code == 400 and "YYYY-MM" in r.text, bad
    assert admin.get(f"{console_both.url}/console/assess?scope=H02&period=2026-10"
                     ).status_code == 403
    assert admin.get(f"{console_both.url}/console/assess?scope=NOPE").status_code == 404
