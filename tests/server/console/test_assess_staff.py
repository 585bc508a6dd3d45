"""A window staff member's 考核 page under the 济宁-style scheme (it scores staff): their unit's
breakdown and their own score and pay for the closed month, and nothing of their colleagues."""
import re
from datetime import datetime, timezone

import pytest

from server.assess import results
from server.assess.outputs import number
from server.assess import store as assess_store
from server.assess.scheme import preset
from server.console.sample import seed
from server.db import users
from server.demo_assess import last_month
from server.demo_seed import HALL, STAFF, seed_demo
from server.runner import ServerThread
from tests.server.console.conftest import PASSWORD, login


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    srv = ServerThread(tmp_path_factory.mktemp("assess-staff") / "server.db",
                       open_ingest=False)
    srv.start()
    seed(srv.store, PASSWORD)
    now = datetime.now(timezone.utc)
    period = last_month(now)[0]
    with srv.store.transaction() as tx:    # the region's scheme: the demo closes under it
        assess_store.set_scheme(tx, "440305", period, preset("jining"), "test")
        users.add(tx, "zhangmin", "张敏", PASSWORD, "window_staff", "1024")
    seed_demo(srv.store, now=now)
    yield srv, period
    srv.stop()


def test_staff_see_their_own_score_and_pay_and_no_one_elses(demo):
    srv, period = demo
    result = results.get(srv.store, HALL, period)
    assert result.closed_at and result.scheme_name.startswith("济宁")
    mine = next(s for s in result.staff if s.staff_id == "1024")
    page = login(srv, "zhangmin").get(f"{srv.url}/console/assess?period={period}")
    assert page.status_code == 200
    assert "<h1>市政务服务中心" in page.text                    # window 5's unit
    table = page.text.split('id="my-score"')[1].split("</table>")[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert cells == [str(mine.good), str(mine.bad), number(mine.points), number(mine.records),
                     number(mine.total), str(mine.pay)]
    assert -300 <= mine.pay <= 300 and mine.good > 0
    for staff_id, name, _window in STAFF:
        if staff_id != "1024":
            assert name not in page.text and staff_id not in page.text, name
