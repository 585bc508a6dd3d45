"""A console server with the sample org's accounts and the demo hall's two months of ratings."""
from datetime import datetime, timedelta, timezone

import pytest

from server.console.sample import seed
from server.db import users
from server.demo_seed import seed_demo
from server.runner import ServerThread
from tests.server.console.conftest import PASSWORD, browser  # noqa: F401 - fixture

LAST = datetime.now(timezone(timedelta(hours=8))).replace(day=1) - timedelta(days=1)
LAST_MONTH = LAST.strftime("%Y-%m")


@pytest.fixture(scope="package")  # seeded once: ~2,000 ratings through ingest
def figures_server(tmp_path_factory):
    srv = ServerThread(tmp_path_factory.mktemp("figures") / "server.db", open_ingest=False)
    srv.start()
    seed(srv.store, PASSWORD)
    login = seed_demo(srv.store)
    with srv.store.transaction() as tx:
        users.set_password(tx, login["login"], PASSWORD)
        users.add(tx, "zhangmin", "张敏", PASSWORD, "window_staff", "1024")
    yield srv
    srv.stop()
