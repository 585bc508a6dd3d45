"""Export fixtures: the workflow's wired store (SQLite and PostgreSQL) with one region and hall
in the org model, so ratings have a hall and the hall a 行政区划 code."""
from tests.server.workflow.conftest import people, wired  # noqa: F401


def add_org(store):
    """Langfang's region and hall01 (no console accounts: their hashes cost seconds)."""
    from server.db import org
    from tests.server.workflow.conftest import HALL, REGION

    with store.transaction() as tx:
        org.put_region(tx, org.Region(REGION, "廊坊市"))
        org.put_hall(tx, org.Hall(HALL, "市民服务中心", REGION))
