"""The fleet page goes 100 kiosks at a time by keyset, on both stores: walking its pages
shows each kiosk of the user's scope once, offline first, and nothing outside the scope."""
import json
import re
from datetime import datetime, timedelta, timezone

from server.api.enrol import create_code, redeem
from server.console.sample import seed
from server.db.base import utc_iso
from server.runner import ServerThread
from tests.server.console.conftest import PASSWORD, login


def walk(session, url):
    """Device ids in page order and the number of rows per page."""
    seen, sizes, page = [], [], session.get(f"{url}/console/fleet")
    while True:
        assert page.status_code == 200
        ids = re.findall(r'<td data-label="[^"]*">([0-9a-zA-Z_-]{6,})</td>', page.text)
        seen += ids
        sizes.append(len(ids))
        link = re.search(r'href="\?after=([^"]+)"', page.text)
        if not link:
            return seen, sizes
        page = session.get(f"{url}/console/fleet?after={link.group(1)}")


def test_fleet_pages_walk_every_kiosk_in_scope_once_offline_first(db):
    with ServerThread(db[0], schema=db[1]) as srv:
        store, now = srv.store, datetime.now(timezone.utc)
        expected = {"H01": [], "H02": [], "Hnone": []}
        for i in range(230):
            hall = ("H01", "H02", "Hnone")[i % 3]
            device = redeem(store, create_code(store, hall, i % 2 + 1).code)
            expected[hall].append(device.device_id)
            if i % 4:  # a quarter never reported; of the rest, some are silent too long
                age = 30 if i % 2 else 900
                store.put_heartbeat(device.device_id, json.dumps({"backlog": 0}),
                                    utc_iso(now - timedelta(seconds=age)))
        seed(store, PASSWORD)  # after: Hnone is a hall the org model lacks
        seen, sizes = walk(login(srv, "sup1"), srv.url)
        assert sorted(seen) == sorted(expected["H01"]) and sizes[0] == 77 and len(sizes) == 1
        seen, sizes = walk(login(srv, "admin"), srv.url)  # the province: every kiosk
        assert len(seen) == len(set(seen)) == 230 and sizes == [100, 100, 30]
        statuses = [r.split(",")[3] for r in login(srv, "admin").get(
            f"{srv.url}/console/fleet.csv").text.splitlines()[1:]]
        order = {"offline": 0, "never": 1, "online": 2, "revoked": 3}
        assert [order[s] for s in statuses] == sorted(order[s] for s in statuses)
        bad = login(srv, "admin").get(f"{srv.url}/console/fleet?after=nonsense")
        assert bad.status_code == 400
