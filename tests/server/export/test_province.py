"""The mappings modelled on real interfaces against the loopback province, on both stores: a
kiosk rating with a real 办件编号 is taken by /report (zhejiang), /deyatech and /gbt39046 with
the fields real sets carry; a caller68 rating (no case id) is held, listed and never sent,
and released when its 办件 arrives; an appeal approved after sending retracts the record by
the province's retract call (zhejiang) or lists it for manual withdrawal (the others), once;
a reason without a code is held with a note; the province refuses an unknown 办件编号."""
import re

import pytest

from server.db import org, outbox
from server.delivery import Deliverer
from server.export import holds, sender, targets
from server.export.province import Province
from tests.server.export.conftest import add_org
from tests.server.workflow.conftest import HALL, rating

FAST = outbox.Backoff(0.05, 0.2)
CREDIT = "11131000MB0123456X"
TARGETS = {"zj": ("zhejiang", "report"), "dy": ("deyatech", "deyatech"),
           "gb": ("gbt39046", "gbt39046")}


def run(store):
    return Deliverer(store, kinds={"export": sender.deliver}, backoff=FAST,
                     poll_s=0.05).run_once()["export"]


@pytest.fixture
def prov(wired):
    """hall01 window 3 belongs to 市场监管局 (with its 统一社会信用代码); three targets on one
    loopback province, which knows the 办件编号s the test registers."""
    add_org(wired)
    with wired.transaction() as tx:
        org.put_window(tx, org.Window(HALL, 3, "综合受理", "市场监管局"))
        tx.q("UPDATE departments SET credit_code = ? WHERE hall_id = ?", [CREDIT, HALL])
    province = Province().start()
    with wired.transaction() as tx:
        for name, (mapping, path) in TARGETS.items():
            targets.set_target(tx, name, mapping, province.url + path)
    yield wired, province
    province.stop()


def business_case(store, case_no, applicant="legal", rating_uuid=None):
    with store.transaction() as tx:
        tx.q('INSERT INTO business_cases (case_no, system_id, hall, "window", item_code, '
             "item_name, applicant_type, staff_id, requested_at, state, rating_uuid) VALUES "
             "(?, 'bs1', ?, 3, 'RES-01', '营业执照变更', ?, 'S-017', "
             "'2025-09-26T07:59:00.000Z', 'rated', ?)", [case_no, HALL, applicant, rating_uuid])


def test_each_mapping_is_taken_by_the_province_with_the_fields_real_sets_carry(prov):
    store, province = prov
    province.register("131000BJ0001", "131000BJ0002")
    business_case(store, "131000BJ0001", "legal")
    store.ingest([rating(store.device_id, level=1, case_id="131000BJ0001"),
                  rating(store.device_id, level=5, case_id="131000BJ0002")])
    assert run(store)["sent"] == 6
    assert province.refused == []
    zj = {r["projectNo"]: r for r in province.records("report")}
    bad, good = zj["131000BJ0001"], zj["131000BJ0002"]
    assert (bad["satisfaction"], bad["evalDetail"], bad["pf"]) == ("1", "101", "4")
    assert (bad["deptCode"], bad["taskCode"], bad["proManager"]) == (CREDIT, "RES-01", "S-017")
    assert (bad["userProp"], bad["userName"], bad["assessNumber"]) == ("2", "匿名", 1)
    assert bad["areaCode"] == "131000" and bad["dataSource"] == "165"
    assert bad["assessTime"] == "2025-09-26 16:00:00"
    assert "userProp" not in good and good["evalDetail"] == ""  # no 办件 from a business system
    dy = {r["projectNo"]: r for r in province.records("deyatech")}
    assert dy["131000BJ0001"]["evalDetail"] == "111" and dy["131000BJ0001"]["anonymous"] == "1"
    gb = {r["办件编号"]: r for r in province.records("gbt39046")}
    assert gb["131000BJ0001"]["评价人"] == "匿名" and gb["131000BJ0001"]["满意度代码"] == "5"
    assert re.fullmatch(r"\d{8}T\d{6}", gb["131000BJ0002"]["评价时间"])
    assert run(store)["sent"] == 0 and len(province.attempts) == 6


def test_a_caller68_rating_is_held_listed_and_released_when_its_banjian_arrives(prov):
    store, province = prov
    local = rating(store.device_id, level=2, case_id=None, reasons=["efficiency"])
    store.ingest([local])
    result = run(store)
    assert result["sent"] == 0 and province.attempts == []
    held = holds.listing(store)
    assert {(h["target"], h["note"]) for h in held} == {(t, "held: no 办件编号") for t in TARGETS}
    assert {h["hall"] for h in held} == {HALL} and {h["window"] for h in held} == {3}
    assert sender.status(store)["targets"]["zj"] == {"held": 1}
    assert run(store)["sent"] == 0 and province.attempts == []  # never claimed again
    assert sender.release_ready(store) == 0  # still nothing to attach it to
    # the business system's 办件 for that visit names the rating: now it can go
    province.register("131000BJ0009")
    business_case(store, "131000BJ0009", "person", rating_uuid=str(local.uuid))
    assert sender.release_ready(store) == 3
    assert run(store)["sent"] == 3
    (zj,) = province.records("report")
    assert (zj["projectNo"], zj["userProp"], zj["evalDetail"]) == ("131000BJ0009", "1", "202")
    assert holds.listing(store) == []


def test_an_appeal_approved_after_sending_retracts_once_or_lists_for_withdrawal(prov, people):
    from server.workflow import appeals
    store, province = prov
    province.register("131000BJ0003")
    bad = rating(store.device_id, level=1, case_id="131000BJ0003")
    store.ingest([bad])
    assert run(store)["sent"] == 3
    appeal = appeals.file(store, people["staff"], str(bad.uuid), "mistaken", "误触", "")
    appeals.decide(store, people["sup"], appeal["id"], True, "核实为误触")
    assert run(store)["sent"] == 1  # the retraction call, zhejiang only
    (withdrawn,) = province.wait_for("retract", 1)
    assert (withdrawn["projectNo"], withdrawn["flag"], withdrawn["assessNumber"]) == \
        ("131000BJ0003", "D", 1)
    status = sender.status(store)
    assert [(r["target"], r["state"]) for r in status["retracted"]] == [("zj", "sent")]
    assert {w["target"] for w in status["excluded_after_sending"]} == {"dy", "gb"}
    with store.transaction(write=False) as tx:
        actions = sorted(a for (a,) in tx.all("SELECT action FROM audit_log")
                         if a.startswith("export."))
    assert actions == ["export.retract", "export.retracted", "export.withdraw",
                       "export.withdraw"]
    with store.transaction() as tx:  # the exclusion told twice: still one retraction
        from server.export import retract
        retract.on_uncounted(tx, {"excluded": 1, "device_id": store.device_id,
                                  "uuid": str(bad.uuid)})
    assert run(store)["sent"] == 0 and len(province.retracted) == 1


def test_a_reason_without_a_code_is_held_with_a_note_not_sent_with_a_made_up_one(prov):
    store, province = prov
    province.register("131000BJ0004")
    store.ingest([rating(store.device_id, level=2, case_id="131000BJ0004",
                         reasons=["queue_too_long"])])
    run(store)
    notes = {h["target"]: (h["reason"], h["note"], h["catalogue"])
             for h in holds.listing(store)}
    assert notes["zj"] == ("unknown_reason", "held: reason 'queue_too_long' has no code for "
                           "level 2 in catalogue zhejiang v2026.12-1", "zhejiang v2026.12-1")
    assert notes["dy"][0] == "unknown_reason" and "gb" not in notes  # 表9: 文字评价 其他
    assert province.records("report") == [] and len(province.records("gbt39046")) == 1


def test_the_province_refuses_an_unknown_banjian_with_its_code_and_message(prov):
    store, province = prov
    store.ingest([rating(store.device_id, level=4, case_id="131000BJ0404")])
    run(store)
    assert {r["code"] for r in province.refused} == {"1004"}
    errors = {f["target"]: f["error"] for f in sender.status(store)["failures"]}
    assert set(errors) == set(TARGETS)
    assert "refused the record: code 1004 办件信息未查询到！" in errors["zj"]


def test_held_from_the_cli_and_a_12_digit_region_refused(prov, tmp_path):
    import json

    from click.testing import CliRunner

    from server.cli import main
    from server.db.sqlite import SQLiteStore
    store, province = prov
    if not isinstance(store, SQLiteStore):
        pytest.skip("the CLI takes --db; one store kind is enough")
    local = rating(store.device_id, level=3, case_id=None)
    store.ingest([local])
    run(store)
    db, cli = str(store.path), CliRunner().invoke
    got = cli(main, ["export", "held", "--json", "--db", db])
    assert got.exit_code == 0, (got.output, got.exception)
    listed = json.loads(got.output)["held"]
    assert {(h["target"], h["rating"], h["reason"]) for h in listed} == {
        (t, str(local.uuid), "no_case_no") for t in TARGETS}
    text = cli(main, ["export", "held", "--target", "zj", "--db", db]).output
    assert "zj: 1  held: no 办件编号" in text
    status = cli(main, ["export", "status", "--db", db]).output
    assert "held: zj 1 (no_case_no)" in status
    refused = cli(main, ["export", "set-target", "x", "--mapping", "gbt39046", "--url",
                         "http://127.0.0.1:9/", "--region", "131000000000", "--db", db])
    assert refused.exit_code == 2 and "at most 9 digits" in refused.output
    bad = cli(main, ["export", "file", "--target", "gb", "--month", "2025-09", "--region",
                     "131000000000", "--db", db])
    assert bad.exit_code == 2 and "--region" in bad.output
    out = cli(main, ["export", "file", "--target", "gb", "--month", "2025-09", "--format",
                     "json", "--db", db])
    assert out.exit_code == 0, (out.output, out.exception)
    assert json.loads(out.stdout) == [] and "1 records held" in out.stderr


def test_the_province_runs_from_the_cli(tmp_path):
    import json
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    cases = tmp_path / "cases.txt"
    cases.write_text("131000BJ0100\n", encoding="utf-8")
    proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "kiosk-server"),
                             "export", "province", "--port", "0", "--cases", str(cases)],
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "LANG": "C.UTF-8", "LANGUAGE": "en"})
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)[0]
        assert "1 办件编号 known" in line
        req = urllib.request.Request(url + "cases", json.dumps(
            {"projectNo": "131000BJ0101"}).encode(), {"Content-Type": "application/json"})
        assert json.load(urllib.request.urlopen(req, timeout=10))["registered"] == 1
        req = urllib.request.Request(url + "gbt39046", json.dumps(
            {"办件编号": "131000BJ9999"}).encode(), {"Content-Type": "application/json"})
        answer = json.load(urllib.request.urlopen(req, timeout=10))
        assert answer["code"] == "1001" and "评价渠道" in answer["msg"]
        known = json.load(urllib.request.urlopen(url, timeout=10))["cases"]
        assert known == ["131000BJ0100", "131000BJ0101"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
