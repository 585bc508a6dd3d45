"""Provincial export through the outbox to loopback targets that speak each mapping: every counted
rating once, level codes in each target's own direction, after an outage too; excluded and
superseded ratings never; the same records in the file export."""
import csv
import io
import json
import re
import time

import pytest
from click.testing import CliRunner

from server.cli import main
from server.db import outbox
from server.delivery import Deliverer
from server.export import files, mapping, sender, targets
from server.export.testing import Receiver
from tests.server.export.conftest import add_org
from tests.server.workflow.conftest import REGION, rating

FAST = outbox.Backoff(0.05, 0.2)


def only_exports(store):
    return Deliverer(store, kinds={"export": sender.deliver}, backoff=FAST, poll_s=0.05)


@pytest.fixture
def province(wired):
    """Two targets on loopback: GB/T 39046 (signed) and the provincial style."""
    add_org(wired)
    gbt, prov = Receiver(secret="gbt-key").start(), Receiver().start()
    with wired.transaction() as tx:
        targets.set_target(tx, "national", "gbt39046", gbt.url, secret="gbt-key")
        targets.set_target(tx, "hebei", "provincial", prov.url)
    yield wired, gbt, prov
    gbt.stop()
    prov.stop()


def by_level(records, key):
    return {r[key]: r for r in records}


def test_each_target_gets_every_counted_rating_once_in_its_own_codes(province):
    store, gbt, prov = province
    store.ingest([rating(store.device_id, level=lv) for lv in (1, 2, 3, 4, 5)]
                 + [rating(store.device_id, level=0)])  # "not rated" is no evaluation
    assert only_exports(store).run_once()["export"]["sent"] == 10
    national, hebei = gbt.wait_for(5), prov.wait_for(5)
    assert len(national) == len(hebei) == 5
    assert all(a["signature_ok"] for a in gbt.attempts)
    codes = {r["满意度"]: r["满意度代码"] for r in national}
    assert codes == {"非常满意": "1", "满意": "2", "基本满意": "3", "不满意": "4",
                     "非常不满意": "5"}
    assert sorted(r["myd"] for r in hebei) == [1, 2, 3, 4, 5]
    worst = next(r for r in hebei if r["myd"] == 1)
    assert worst["pjqd"] == "4" and worst["cpyy"] == "01" and worst["xzqh"] == REGION
    first = national[0]
    assert first["评价渠道"] == "政务大厅平板电脑" and first["行政区划"] == REGION
    assert re.fullmatch(r"\d{8}T\d{6}", first["评价时间"]) and first["评价次数"] == 1
    assert first["评价时间"] == "20250926T160000"  # 08:00 UTC is 16:00 in the hall
    assert only_exports(store).run_once()["export"]["sent"] == 0
    assert len(gbt.attempts) == len(prov.attempts) == 5


def test_a_target_down_for_a_while_gets_everything_once_afterwards(province):
    store, gbt, prov = province
    port = prov.port
    prov.stop()
    store.ingest([rating(store.device_id, level=lv) for lv in (1, 4, 5)])
    # Pauses long enough that a retried record is not due again within the same round on a
    # loaded machine (a round claims until nothing is due).
    worker = Deliverer(store, kinds={"export": sender.deliver}, poll_s=0.05,
                       backoff=outbox.Backoff(0.5, 0.5))
    result = worker.run_once()["export"]
    assert result["sent"] == 3 and result["retry"] == 3  # national fine, hebei down
    status = sender.status(store)
    assert status["targets"]["hebei"] == {"pending": 3}
    assert {f["target"] for f in status["failures"]} == {"hebei"}
    assert all("unreachable" in f["error"] for f in status["failures"])
    time.sleep(0.55)
    worker.run_once()  # still down: retried, still listed
    prov.port = port
    prov.start()
    time.sleep(0.55)
    worker.run_once()
    assert sorted(r["myd"] for r in prov.wait_for(3)) == [1, 4, 5]
    assert len(prov.attempts) == 3 and len(gbt.attempts) == 3
    assert sender.status(store)["targets"]["hebei"] == {"sent": 3}
    assert sender.status(store)["failures"] == []


def test_given_up_records_are_listed_and_can_be_retried(province):
    store, gbt, prov = province
    prov.fail_with = 500
    store.ingest([rating(store.device_id, level=2)])
    worker = Deliverer(store, kinds={"export": sender.deliver}, backoff=FAST, max_attempts=1)
    assert worker.run_once()["export"]["failed"] == 1
    (failure,) = sender.status(store)["failures"]
    assert failure["state"] == "failed" and "HTTP 500" in failure["error"]
    prov.fail_with = None
    assert outbox.retry_failed(store, "export", "hebei") == 1
    worker.run_once()
    assert len(prov.wait_for(1)) == 1


def test_excluded_and_superseded_ratings_are_not_exported(province, people):
    from server.workflow import appeals
    store, gbt, prov = province
    excluded = rating(store.device_id, level=1)
    kept = rating(store.device_id, level=2)
    store.ingest([excluded, kept])
    with store.transaction() as tx:
        appeals.exclude(store, tx, store.device_id, str(excluded.uuid), people["sup"], "test")
    only_exports(store).run_once()
    assert [r["myd"] for r in prov.wait_for(1)] == [2]
    time.sleep(0.1)
    assert len(prov.received) == 1 and len(gbt.received) == 1
    assert sender.status(store)["targets"]["hebei"] == {"sent": 1, "cancelled": 1}
    headers, rows = files.rows(store, "hebei", "2025-09")
    assert [r["myd"] for r in rows] == [2]


def test_a_rating_excluded_after_queueing_is_cancelled_at_send_time(province):
    store, gbt, prov = province
    bad = rating(store.device_id, level=1)
    store.ingest([bad])
    with store.transaction() as tx:  # excluded behind the hooks' back: the sender still checks
        tx.q("UPDATE ratings SET excluded = 1")
    assert only_exports(store).run_once()["export"]["cancelled"] == 2
    assert prov.received == [] and gbt.received == []


def test_a_target_added_later_is_backfilled_once(province):
    store, gbt, prov = province
    store.ingest([rating(store.device_id, level=lv) for lv in (3, 5)])
    late = Receiver().start()
    try:
        with store.transaction() as tx:
            targets.set_target(tx, "late", "provincial", late.url, region="130000")
        assert sender.backfill(store, "late", "2025-09-01", "2025-10-01") == 2
        assert sender.backfill(store, "late", "2025-09-01", "2025-10-01") == 0
        only_exports(store).run_once()
        assert sorted(r["myd"] for r in late.wait_for(2)) == [3, 5]
    finally:
        late.stop()


def test_default_ratings_go_out_as_channel_7_only_in_the_superseded_mapping():
    """provincial (invented, kept for old targets) still sends 7; 表9 lists no 系统默认评价
    channel and the pf-style platforms apply their own default, so the others hold it."""
    record = {"case_no": "C1", "channel": "default", "time": None, "count": 1, "level": 3,
              "reasons": [], "region": "131000", "dept_code": "11330100MB0000000X",
              "item_code": "RES-01"}
    assert mapping.load("provincial").apply(record)["pjqd"] == "7"
    for name in ("gbt39046", "zhejiang", "deyatech"):
        with pytest.raises(mapping.Held, match="系统默认评价"):
            mapping.load(name).apply(record)


def test_a_mapping_without_a_level_code_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"fields": [{"name": "x", "from": "level",
                                           "map": {"1": "a", "2": "b"}}]}))
    with pytest.raises(mapping.MappingError, match=r"bad.json.*no code for 3, 4, 5"):
        mapping.load(str(bad))
    with pytest.raises(mapping.MappingError, match="shipped: deyatech, gbt39046, provincial, "
                                                   "zhejiang"):
        mapping.load("nope")


def test_file_export_csv_and_json_from_the_cli(province, tmp_path):
    from server.db.sqlite import SQLiteStore
    store, gbt, prov = province
    if not isinstance(store, SQLiteStore):
        pytest.skip("the CLI takes --db; one store kind is enough")
    store.ingest([rating(store.device_id, level=lv) for lv in (1, 5)]
                 + [rating(store.device_id, level=4, rated_at="2025-10-01T08:00:00.000Z")])
    db, run = str(store.path), CliRunner().invoke
    out = tmp_path / "sept.csv"
    done = run(main, ["export", "file", "--format", "csv", "--target", "national", "--month",
                      "2025-09", "-o", str(out), "--db", db])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert sorted(r["满意度代码"] for r in rows) == ["1", "5"]
    js = run(main, ["export", "file", "--format", "json", "--target", "provincial",
                    "--month", "2025-10", "--region", "130100", "--db", db])
    assert [(r["myd"], r["xzqh"]) for r in json.loads(js.output)] == [(4, REGION)]
    bad = run(main, ["export", "file", "--target", "national", "--month", "2025-13",
                     "--db", db])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
    run(main, ["deliver", "--once", "--db", db])
    status = run(main, ["export", "status", "--json", "--db", db])
    assert json.loads(status.output)["targets"]["hebei"] == {"sent": 3}
    listed = run(main, ["export", "targets", "--db", db])
    assert "gbt-key" not in listed.output and "secret set" in listed.output


def test_a_default_rating_then_the_citizens_real_one(province):
    """系统默认评价 goes out as channel 7; the citizen's phone rating that later takes the
    case goes out too, as the case's second evaluation (评价次数 2)."""
    from server.workflow import defaults, policy
    from server.workflow.actors import SYSTEM
    from tests.server.workflow.conftest import at
    store, gbt, prov = province
    policy.set_policy(store, "*", SYSTEM, default_mode="natural", default_days=7)
    level0 = rating(store.device_id, level=0, case_id="BJ-2025-0001")
    store.ingest([level0], now=at(2025, 9, 26, 8))
    [made] = defaults.run(store, now=at(2025, 10, 4))
    worker = only_exports(store)
    worker.run_once()
    (first,) = prov.wait_for(1)
    assert (first["pjqd"], first["myd"], first["pjcs"], first["bjbh"]) == ("7", 3, 1,
                                                                          "BJ-2025-0001")
    with store.transaction(write=False) as tx:
        key = tx.one("SELECT case_key FROM ratings WHERE uuid = ?", [made["uuid"]])[0]
    store.ingest([rating(store.device_id, level=5, case_id="BJ-2025-0001", case_key=key)],
                 source="phone", now=at(2025, 10, 5))
    worker.run_once()
    second = prov.wait_for(2)[1]
    assert (second["pjqd"], second["myd"], second["pjcs"]) == ("3", 5, 2)


def test_a_rating_excluded_after_it_was_sent_is_listed_for_withdrawal(province, people):
    from server.workflow import appeals
    store, gbt, prov = province
    bad = rating(store.device_id, level=1)
    store.ingest([bad])
    only_exports(store).run_once()
    with store.transaction() as tx:
        appeals.exclude(store, tx, store.device_id, str(bad.uuid), people["sup"], "test")
    listed = sender.status(store)["excluded_after_sending"]
    assert {(w["target"], w["rating"]) for w in listed} == {("national", str(bad.uuid)),
                                                            ("hebei", str(bad.uuid))}
    assert files.rows(store, "hebei", "2025-09")[1] == []
