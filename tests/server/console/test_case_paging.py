"""The case list and the appeals list are keyset-paged over HTTP on SQLite and PostgreSQL: a
page holds at most a page of rows, following "next page" visits every row of the filtered
list exactly once (ties on the opening time included), the CSV holds the whole filtered list,
and bad filters or a damaged page link get a clear 400/403/404."""
import html as htmlmod
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.api.enrol import create_code, redeem
from server.console.sample import seed
from server.runner import ServerThread
from server.workflow import appeals
from server.workflow.actors import Actor
from sync.wire import RatingWire
from tests.server.console.conftest import PASSWORD, login

N = 20   # rows per page in these tests


@pytest.fixture
def busy(db):
    """A seeded server with 130 差评 cases in H01 (windows 1-3; 30 of them opened in the same
    millisecond, so the id breaks ties) and 10 in H02, all from two or more days ago."""
    srv = ServerThread(db[0], schema=db[1], open_ingest=False).start()
    seed(srv.store, PASSWORD)
    store = srv.store
    devices = {(h, w): redeem(store, create_code(store, h, w).code).device_id
               for h, w in (("H01", 1), ("H01", 2), ("H01", 3), ("H02", 1))}
    base = datetime.now(timezone.utc) - timedelta(days=3)
    batches = [("H01", 1 + i % 3, "S001" if i % 3 < 2 else "S003", i) for i in range(130)] + \
        [("H02", 1, "S101", 200 + i) for i in range(10)]
    for hall, window, staff, i in batches:
        when = base - timedelta(minutes=0 if 50 <= i < 80 else i)
        rating = RatingWire.model_validate({
            "uuid": str(uuid.uuid4()), "level": 1 + i % 2, "reasons": ["attitude"],
            "window": window, "staff_id": staff, "ticket": f"T{i:03d}",
            "case_id": f"C-{i}", "device_id": devices[(hall, window)],
            "rated_at": when.isoformat().replace("+00:00", "Z"), "boot_id": "b",
            "mono_s": 1.0})
        store.ingest([rating], now=when)
    yield srv
    srv.stop()


def ids_in(store, where="", params=()):
    with store.transaction(write=False) as tx:
        return {r[0] for r in tx.all(f"SELECT id FROM cases WHERE 1 = 1{where}", list(params))}


def walk(session, server, path, row_re):
    """Follow "next page" from path: (every row id in visit order, pages)."""
    seen, pages, url = [], 0, path
    while url:
        r = session.get(server.url + url)
        assert r.status_code == 200, (url, r.status_code)
        rows = re.findall(row_re, r.text)
        assert len(rows) <= N, f"{url}: {len(rows)} rows on one page"
        seen += rows
        pages += 1
        nxt = re.search(r'<a href="([^"]+)" rel="next"', r.text)
        url = htmlmod.unescape(nxt.group(1)) if nxt else None
        if url:
            url = path.split("?")[0] + url
        assert pages < 50
    return seen, pages


@pytest.mark.parametrize("sort", ["due", "opened", "hall"])
def test_paging_visits_every_case_once(busy, sort):
    sup = login(busy, "sup1")
    seen, pages = walk(sup, busy, f"/console/cases?sort={sort}&n={N}", r'data-case="([^"]+)"')
    assert len(seen) == len(set(seen)) == 130 and set(seen) == ids_in(busy.store, " AND hall = "
                                                                      "'H01'")
    assert pages == 7
    if sort == "opened":                      # newest first, the id breaking ties
        with busy.store.transaction(write=False) as tx:
            opened = dict(tx.all("SELECT id, opened_at FROM cases"))
        keys = [(opened[i], i) for i in seen]
        assert keys == sorted(keys, reverse=True)


def test_filters_and_the_csv_of_the_filtered_list(busy):
    sup, admin = login(busy, "sup1"), login(busy, "admin")
    seen, _ = walk(sup, busy, f"/console/cases?window=2&state=all&n={N}",
                   r'data-case="([^"]+)"')
    assert set(seen) == ids_in(busy.store, " AND hall = 'H01' AND \"window\" = 2")
    seen, _ = walk(admin, busy, f"/console/cases?hall=H02&n={N}", r'data-case="([^"]+)"')
    assert set(seen) == ids_in(busy.store, " AND hall = 'H02'")
    assert walk(admin, busy, "/console/cases?state=closed", r'data-case="([^"]+)"')[0] == []
    text = sup.get(f"{busy.url}/console/cases.csv?window=2").text.lstrip("\ufeff")
    lines = text.strip().splitlines()
    assert lines[0].startswith("case,hall,window")
    assert {line.split(",")[0] for line in lines[1:]} == \
        ids_in(busy.store, " AND hall = 'H01' AND \"window\" = 2")
    assert len(admin.get(f"{busy.url}/console/cases.csv").text.strip().splitlines()) == 141


def test_bad_filters_and_page_links_get_clear_answers(busy):
    sup = login(busy, "sup1")
    for path, status in (("/console/cases?after=garbage", 400),
                         ("/console/cases?after=WyJ4Il0", 400),      # ["x"]: one key short
                         ("/console/appeals?after=%ff", 400),
                         ("/console/cases?window=abc", 400), ("/console/cases?hall=H02", 403),
                         ("/console/cases?hall=NOPE", 404), ("/console/cases?state=odd", 200),
                         ("/console/cases?n=-5", 200), ("/console/cases?n=99999", 200)):
        r = sup.get(busy.url + path)
        assert r.status_code == status, (path, r.status_code)
    assert "分页链接已损坏" in sup.get(f"{busy.url}/console/cases?after=garbage").text


def test_staff_pages_through_their_own_cases(busy):
    staff = login(busy, "staff1")     # S001: two thirds of H01's cases
    seen, pages = walk(staff, busy, f"/console/cases?n={N}", r'name="ref" value="([0-9a-f]+)"')
    mine = ids_in(busy.store, " AND staff_id = 'S001'")
    assert len(seen) == len(set(seen)) == len(mine) and pages == -(-len(mine) // N)
    csv_lines = staff.get(f"{busy.url}/console/cases.csv").text.strip().splitlines()
    assert csv_lines[0].lstrip("\ufeff") == "window,opened_day,state,due_day,overdue"
    assert len(csv_lines) == len(mine) + 1


def test_appeals_page_the_same_way(busy):
    store = busy.store
    sup = Actor("sup1", "hall_supervisor", frozenset({"H01"}))
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT device_id, rating_uuid FROM cases WHERE hall = 'H01' "
                      "ORDER BY id LIMIT 45")
    for device_id, rating_uuid in rows:
        appeals.file(store, sup, rating_uuid, "mistaken", "理由", "", device_id=device_id)
    session = login(busy, "sup1")
    seen, pages = walk(session, busy, f"/console/appeals?state=all&n={N}",
                       r'data-appeal="([^"]+)"')
    with store.transaction(write=False) as tx:
        every = {r[0] for r in tx.all("SELECT id FROM appeals")}
    assert len(seen) == len(set(seen)) == 45 and set(seen) == every and pages == 3
    lines = session.get(f"{busy.url}/console/appeals.csv?state=pending").text.splitlines()
    assert len(lines) == 46
    assert walk(login(busy, "sup2"), busy, "/console/appeals?state=all",
                r'data-appeal="([^"]+)"')[0] == []
