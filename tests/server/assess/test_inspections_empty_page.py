"""The 窗口服务 page's one click, over HTTP on SQLite and PostgreSQL: an inspector makes a 空岗
interval a deduction (the 上街 sheet's 空岗 item, the window's unit, its staff member and
start); a second click makes nothing new and says so; an excused interval has no button and
is refused; a supervisor has no button; another region's inspector is refused."""
from __future__ import annotations

import re

import pytest

from server.assess import scheme, store as assess_store
from server.console.sample import ACCOUNTS, seed
from server.facts import notes
from server.runner import ServerThread
from tests.helpers import service_events as se
from tests.helpers.databases import PgSchema, pg_unreachable_reason
from tests.server.console.conftest import PASSWORD, csrf_in, login

NOW = se.local("2026-12-03 10:00")
PAGE = "/console/service?hall=H01&month=2026-12"
PEOPLE = {**ACCOUNTS, "insp1": ("督察员甲", "inspector", "440305"),
          "insp2": ("督察员乙", "inspector", "440306")}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def srv(request, tmp_path_factory):
    schema = None
    if request.param == "postgresql":
        reason = pg_unreachable_reason()
        if reason:
            pytest.skip(reason)
        schema = PgSchema()
        server = ServerThread(schema.url, schema=schema.name, open_ingest=False)
    else:
        server = ServerThread(tmp_path_factory.mktemp("empty") / "server.db", open_ingest=False)
    server.start()
    seed(server.store, PASSWORD, accounts=PEOPLE)
    server.app.state.clock = lambda: NOW
    with server.store.transaction() as tx:
        assess_store.set_scheme(tx, "440305", "2026-01", scheme.preset("shangjie"), "test")
    se.insert(server.store, "H01", 1, se.day_script("2026-12-01", "S001", 4, ("10:30", "10:50")))
    se.insert(server.store, "H01", 2, se.day_script("2026-12-01", "S001", 2, ("14:00", "14:30")))
    yield server
    server.stop()
    if schema:
        schema.drop()


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
