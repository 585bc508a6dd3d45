"""督察 pages over real HTTP on SQLite and PostgreSQL, as the people using them see them: an
inspector records with a photo (served only in scope, as the kind its bytes are, nosniff),
bad fields come back as 400 pages naming the field, the supervisor contests, the region admin
decides, the list filters, pages and downloads; inspectors read no 差评 case or appeal."""
from __future__ import annotations

import csv
import io
import re

import pytest

from tests.server.assess.test_inspections_evidence import jpeg_with_gps
from tests.server.console.conftest import csrf_in, login


def new_record(session, srv, photo=None, **fields):
    page = session.get(f"{srv.url}/console/inspections/new?hall=H01")
    data = {"csrf_token": csrf_in(page.text), "hall": "H01", "department": "社保", "window": "1",
            "staff_id": "S001", "item": "sj_badge", "occurred_at": "2026-12-03T09:20",
            "count": "1", "note": "未佩戴工作证", **fields}
    files = {"photo": photo} if photo else {"photo": ("", b"", "application/octet-stream")}
    return session.post(f"{srv.url}/console/inspections/new", data=data, files=files,
                        allow_redirects=False)


def test_an_inspector_records_with_a_photo_seen_only_in_scope(srv):
    insp = login(srv, "insp1")
    home = insp.get(f"{srv.url}/console/").text
    assert "督察记录" in home and "窗口服务" in home and "差评工单" not in home
    form = insp.get(f"{srv.url}/console/inspections/new").text   # one hall: its form
    assert "不佩证上岗" in form and "社保" in form and "不超过 2 MB" in form
    r = new_record(insp, srv, ("badge.jpg", jpeg_with_gps(), "image/jpeg"))
    assert r.status_code == 303, r.text[:500]
    url = f"{srv.url}{r.headers['location']}".split("?")[0]
    html = insp.get(url).text
    assert "已记录" in html and "张三 S001" in html and "未佩戴工作证" in html
    photo = insp.get(f"{url}/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert b"PhoneMaker" not in photo.content
    for who, status in (("sup1", 200), ("sup2", 404), ("insp2", 404), ("staff1", 403),
                        ("audit1", 200)):
        other = login(srv, who)
        assert other.get(url).status_code == status, who
        assert other.get(f"{url}/photo").status_code == status, who


@pytest.mark.parametrize("fields, photo, status, named", [
    ({"note": ""}, None, 400, "备注"),
    ({"count": "50"}, None, 400, "次数"),
    ({"window": "2"}, None, 400, "窗口"),
    ({"occurred_at": "2026-12-04T09:00"}, None, 400, "时间"),
    ({"item": "sj_late"}, None, 400, "考核项目"),
    ({}, ("a.jpg", b"GIF89a" + bytes(200), "image/jpeg"), 400, "照片"),
    ({"hall": "H02"}, None, 403, None),
    ({"hall": "NOPE"}, None, 404, None),
])
def test_bad_input_is_a_4xx_naming_the_field(srv, fields, photo, status, named):
    insp = login(srv, "insp1")
    r = new_record(insp, srv, photo, **fields)
    assert r.status_code == status, r.text[:400]
    if named:
        error = re.search(r'id="form-error"[^>]*>([^<]+)<', r.text).group(1)
        assert error.startswith(named), error


def test_contest_then_decide_and_the_list(srv):
    insp = login(srv, "insp1")
    url = srv.url + new_record(insp, srv, note="串岗聊天", item="sj_idle").headers["location"]
    url = url.split("?")[0]
    record_id = url.rsplit("/", 1)[1]
    sup = login(srv, "sup1")
    page = sup.get(url).text
    assert 'id="contest-form"' in page and "2026-12-08" in page
    token = csrf_in(page)
    bad = sup.post(f"{url}/contest", data={"csrf_token": token, "reason": ""},
                   allow_redirects=False)
    assert bad.status_code == 400 and "理由" in bad.text
    assert sup.post(f"{url}/contest", data={"reason": "x"}, allow_redirects=False) \
        .status_code == 403                                    # no CSRF token
    r = sup.post(f"{url}/contest", data={"csrf_token": token, "reason": "在办理联办件"},
                 allow_redirects=False)
    assert r.status_code == 303
    admin = login(srv, "nanshan")
    page = admin.get(url).text
    assert "已申辩" in page and "在办理联办件" in page and 'id="decide-form"' in page
    r = admin.post(f"{url}/decide", data={"csrf_token": csrf_in(page), "decision": "withdrawn",
                                          "note": "核实为办理联办件"}, allow_redirects=False)
    assert r.status_code == 303
    assert "已撤销" in admin.get(url).text
    again = admin.post(f"{url}/decide", data={"csrf_token": csrf_in(page),
                                              "decision": "upheld", "note": "x"},
                       allow_redirects=False)
    assert again.status_code == 409
    listing = admin.get(f"{srv.url}/console/inspections?month=2026-12&state=withdrawn").text
    assert f'data-record="{record_id}"' in listing and 'data-state="recorded"' not in listing
    rows = list(csv.reader(io.StringIO(admin.get(
        f"{srv.url}/console/inspections.csv?month=2026-12").content.decode("utf-8-sig"))))
    assert rows[0][0] == "时间" and record_id in [r[10] for r in rows[1:]]
    assert admin.get(f"{srv.url}/console/inspections?month=2026-13").status_code == 400
    assert admin.get(f"{srv.url}/console/inspections?after=xx").status_code == 400
    assert admin.get(f"{srv.url}/console/inspections?hall=H02").status_code == 403


def test_paging_the_list(srv):
    insp = login(srv, "insp1")
    for i in range(3):
        assert new_record(insp, srv, note=f"第{i}次", occurred_at=f"2026-12-02T1{i}:00") \
            .status_code == 303
    seen, url = [], f"{srv.url}/console/inspections?month=2026-12&n=2"
    while url:
        html = insp.get(url).text
        seen += re.findall(r'data-record="([0-9a-f]+)"', html)
        more = re.search(r'href="\?([^"]+)" rel="next"', html)
        url = f"{srv.url}/console/inspections?{more.group(1).replace('&amp;', '&')}&n=2" \
            if more else None
    assert len(seen) == len(set(seen)) >= 3


def test_inspectors_read_no_cases_or_appeals(srv):
    insp = login(srv, "insp1")
    for path in ("/console/cases", "/console/appeals", "/console/ranking", "/console/users",
                 "/console/audit"):
        assert insp.get(f"{srv.url}{path}").status_code == 403, path
    for path in ("/console/figures", "/console/figures/drill", "/console/export",
                 "/console/fleet", "/console/org", "/console/password"):
        assert insp.get(f"{srv.url}{path}").status_code < 500, path
    staff = login(srv, "staff1")
    assert staff.get(f"{srv.url}/console/inspections").status_code == 403
    sup = login(srv, "sup1")
    assert sup.get(f"{srv.url}/console/inspections/new").status_code == 403
