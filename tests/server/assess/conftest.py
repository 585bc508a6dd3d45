"""Fixtures of the 督察 tests: the sample org with the 上街 sheet in force for 南山区 from
January 2026 (a store alone, or a console server on both stores with two inspectors, the
clock at 3 December 2026 10:00 and a 空岗 at H01 windows 1 and 2 on the 1st)."""
from __future__ import annotations

import pytest

from server.assess import scheme, store as assess_store
from server.console.sample import SHEET
from server.db import audit, org_io, users
from tests.helpers import service_events as se
from tests.server.console.conftest import PASSWORD, console_both  # noqa: F401 - fixture

NOW = se.local("2026-12-03 10:00")
INSPECTORS = {"insp1": ("督察员甲", "440305"), "insp2": ("督察员乙", "440306")}


def with_sheet(store) -> None:
    """The sample org (if not there yet) and the 上街 sheet for 南山区 from 2026-01."""
    doc = org_io.parse_csv(SHEET, org_io.load(store))
    with store.transaction() as tx:
        org_io.apply(tx, doc)
        assess_store.set_scheme(tx, "440305", "2026-01", scheme.preset("shangjie"), "test")


@pytest.fixture
def hall(store):
    with_sheet(store)
    return store


@pytest.fixture(scope="module")
def srv(console_both):  # noqa: F811 - the console's seeded server, on both stores
    server = console_both
    with_sheet(server.store)
    for username, (name, region) in INSPECTORS.items():
        with server.store.transaction() as tx:
            users.add(tx, username, name, PASSWORD, "inspector", region)
            audit.append(tx, "test", "user.add", f"user:{username}", {"role": "inspector"})
    server.app.state.clock = lambda: NOW
    for window, pause in ((1, ("10:30", "10:50")), (2, ("14:00", "14:30"))):
        se.insert(server.store, "H01", window, se.day_script("2026-12-01", "S001", 4, pause))
    return server
