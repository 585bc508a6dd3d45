"""The 窗口服务 page's one click, over HTTP on SQLite and PostgreSQL: an inspector makes a 空岗
interval a deduction (the 上街 sheet's 空岗 item, the window's unit, its staff member and
start); a second click makes nothing new and says so; an excused interval has no button and
is refused; a supervisor has no button; another region's inspector is refused."""
from __future__ import annotations

import re

from server.facts import notes
from tests.server.console.conftest import csrf_in, login

PAGE = "/console/service?hall=H01&month=2026-12"


def buttons(html: str) -> list[dict]:
    return [dict(re.findall(r'name="(hall|window|start)" value="([^"]*)"', form))
            for form in re.findall(r'<form method="post" action="/console/inspection-from-empty"'
                                   r'.*?</form>', html, re.S)]


def test_one_click_makes_one_deduction(srv):
    insp = login(srv, "insp1")
    html = insp.get(f"{srv.url}{PAGE}").text
    found = buttons(html)
    assert [b["window"] for b in found] == ["1", "2"] and "记为扣分" in html
    first = {"csrf_token": csrf_in(html), "back": "hall=H01&month=2026-12", **found[0]}
    r = insp.post(f"{srv.url}/console/inspection-from-empty", data=first, allow_redirects=False)
    assert r.status_code == 303 and "made=1" in r.headers["location"]
    record = insp.get(f"{srv.url}{r.headers['location']}").text
    for text in ("记录已保存", "窗口出现空岗", "社保", "张三 S001", "空岗 2026-12-01 10:30–10:50（20 分钟）",
                 "空岗时段"):
        assert text in record, text
    again = insp.post(f"{srv.url}/console/inspection-from-empty", data=first,
                      allow_redirects=False)
    assert "made=again" in again.headers["location"]
    assert again.headers["location"].split("?")[0] == r.headers["location"].split("?")[0]
    assert "此前已记录" in insp.get(f"{srv.url}{again.headers['location']}").text
    html = insp.get(f"{srv.url}{PAGE}").text
    assert [b["window"] for b in buttons(html)] == ["2"] and "已记录 · " in html
    with srv.store.transaction(write=False) as tx:
        assert tx.one("SELECT COUNT(*) FROM inspections WHERE source = 'empty'")[0] == 1


def test_excused_intervals_and_other_people(srv):
    insp = login(srv, "insp1")
    window2 = next(b for b in buttons(insp.get(f"{srv.url}{PAGE}").text) if b["window"] == "2")
    notes.annotate(srv.store, "user:sup1", "H01", 2, window2["start"], True, "外出办事")
    html = insp.get(f"{srv.url}{PAGE}").text
    assert buttons(html) == [] and "已核准，不扣分" in html
    data = {"csrf_token": csrf_in(html), **window2}
    r = insp.post(f"{srv.url}/console/inspection-from-empty", data=data, allow_redirects=False)
    assert r.status_code == 400 and "已核准" in r.text
    sup = login(srv, "sup1")
    html = sup.get(f"{srv.url}{PAGE}").text
    assert buttons(html) == [] and "记为扣分" not in html
    assert sup.post(f"{srv.url}/console/inspection-from-empty",
                    data={**data, "csrf_token": csrf_in(html)}).status_code == 403
    other = login(srv, "insp2")
    token = csrf_in(other.get(f"{srv.url}/console/password").text)
    assert other.get(f"{srv.url}{PAGE}").status_code == 403
    assert other.post(f"{srv.url}/console/inspection-from-empty",
                      data={**data, "csrf_token": token}).status_code == 403
    bad = insp.post(f"{srv.url}/console/inspection-from-empty",
                    data={**data, "start": "2026-12-01T00:00:00.000Z"}, allow_redirects=False)
    assert bad.status_code == 400 and "空岗" in bad.text
