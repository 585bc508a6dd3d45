"""`POST /console/export/retry` on both stores: a district admin queues again the given-up
export records of their own halls only, never another district's; the province all."""
from server.api.enrol import create_code, redeem
from server.console.sample import seed
from server.db import outbox
from server.delivery import Deliverer
from server.export import sender, targets
from server.export.testing import Receiver
from server.runner import ServerThread
from tests.server.console.conftest import PASSWORD, login, post_form
from tests.server.workflow.conftest import rating


def states(store):
    with store.transaction(write=False) as tx:
        return sorted(tx.all("SELECT d.hall, o.state FROM outbox o JOIN devices d ON "
                             "d.device_id = o.device_id WHERE o.kind = 'export'"))


def test_a_district_admin_retries_only_their_own_halls_records(db):
    rx = Receiver().start()
    rx.fail_with = 500
    try:
        with ServerThread(db[0], schema=db[1]) as srv:
            store = srv.store
            seed(store, PASSWORD)
            with store.transaction() as tx:
                targets.set_target(tx, "province", "provincial", rx.url)
            for hall in ("H01", "H02"):
                device = redeem(store, create_code(store, hall, 1).code).device_id
                store.ingest([rating(device, level=lv, window=1) for lv in (1, 5)])
            Deliverer(store, kinds={"export": sender.deliver},
                      backoff=outbox.Backoff(0.01, 0.01), max_attempts=1).run_once()
            with store.transaction() as tx:  # every record given up
                tx.q("UPDATE outbox SET state = 'failed' WHERE kind = 'export'")
            nanshan = login(srv, "nanshan")  # region admin of 南山区 (H01) only
            r = post_form(nanshan, srv, "/console/export", "/console/export/retry", {})
            assert r.status_code == 303
            assert states(store) == [("H01", "pending")] * 2 + [("H02", "failed")] * 2
            entry = nanshan.get(f"{srv.url}/console/audit?action=export.retry").text
            assert "export.retry" in entry  # their own retry is in their audit scope
            admin = login(srv, "admin")
            r = post_form(admin, srv, "/console/export", "/console/export/retry", {})
            assert r.status_code == 303
            assert states(store) == [("H01", "pending")] * 2 + [("H02", "pending")] * 2
    finally:
        rx.stop()
