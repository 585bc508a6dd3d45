"""gather(): a month's assessment data per window unit and staff member, on both stores, from
ratings through the real ingest (so roll-ups, cases and appeals are the product's), facts
derived from service events, and 督察 records (inserted through SQL: the inspections module
that writes them is another branch's, not merged yet).

The month is November 2026 (1 Nov is a Sunday); hall hours are the default 09:00-12:00,
13:30-17:30, 空岗 from 15 minutes, 15 minutes' grace; every expectation is worked out by hand
in the comments."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone

import pytest

from server.assess import metrics
from server.db import org
from server.facts import notes as facts_notes, refresh
from server.workflow import appeals, cases
from server.workflow.actors import Actor
from tests.helpers import service_events as se
from tests.server.figures.helpers import add_device, rating

NOV = (date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # 1 Dec, 10:00 local
GA, SW, RS, NONE, YB = "HA/市公安局", "HA/市税务局", "HA/市人社局", "HA/", "HA/市医保局"
SUP = Actor("zhao", "hall_supervisor", frozenset({"HA"}))
ADMIN = Actor("zhou", "region_admin")


def utc(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=timezone.utc)


def setup_org(store) -> None:
    with store.transaction() as tx:
        org.put_region(tx, org.Region("410106", "上街区"))
        for hall in ("HA", "HB", "HC"):
            org.put_hall(tx, org.Hall(hall, f"大厅{hall}", "410106"))
        for number, department in ((1, "市公安局"), (2, "市公安局"), (3, "市税务局"),
                                   (4, "市人社局"), (5, "")):
            org.put_window(tx, org.Window("HA", number, f"窗口{number}", department))
        org.put_window(tx, org.Window("HB", 1, "窗口1", "市公安局"))
        org.put_window(tx, org.Window("HC", 1, "窗口1", "市公安局"))
        for sid, name, window in (("S1", "王芳", 1), ("S2", "李强", 2), ("S3", "赵敏", 3)):
            org.put_staff(tx, org.Staff(sid, name, "HA", windows=(window,)))
        # The units helper's form sets credit codes; the column is the contract's.
        tx.q("UPDATE departments SET credit_code = ? WHERE hall_id = 'HA' AND name = ?",
             ["11410100MB1234567X", "市公安局"])
        tx.q("UPDATE departments SET credit_code = ? WHERE hall_id = 'HA' AND name = ?",
             ["11410100MB7654321Y", "市人社局"])


def ingest_ratings(store) -> dict:
    """Ratings through store.ingest (roll-ups and 差评 cases by the product's hooks)."""
    dev = {w: add_device(store, "HA", w) for w in (1, 2, 3, 5)}
    hc = add_device(store, "HC", 1)
    sent = {}

    def give(name, device, level, when, window, staff):
        r = rating(device, level, when, window=window, staff=staff, ticket=f"T{len(sent)}")
        store.ingest([r])
        sent[name] = r
    # W1 (公安), S1: 5, 5, 4, 3, a 1 on Tue 3 Nov 09:30 local, a completed case not rated (0)
    for i, level in enumerate((5, 5, 4, 3)):
        give(f"w1-{i}", dev[1], level, f"2026-11-0{2 + i}T02:00:00Z", 1, "S1")
    give("w1-bad", dev[1], 1, "2026-11-03T01:30:00Z", 1, "S1")
    give("w1-zero", dev[1], 0, "2026-11-06T03:00:00Z", 1, "S1")
    # W2 (公安), S2: a 2 on Wed 4 Nov (its case never closed), a 5, a 1 an appeal takes out
    give("w2-bad", dev[2], 2, "2026-11-04T02:00:00Z", 2, "S2")
    give("w2-good", dev[2], 5, "2026-11-05T02:00:00Z", 2, "S2")
    give("w2-appealed", dev[2], 1, "2026-11-02T03:00:00Z", 2, "S2")
    # W3 (税务), S3: a 1 on Fri 9 Oct (October's), a 5 at 00:30 on 1 Nov local (November's),
    # a 2 on Fri 27 Nov (due in December), a 4 at 00:30 on 1 Dec local (December's)
    give("w3-oct", dev[3], 1, "2026-10-09T02:00:00Z", 3, "S3")
    give("w3-first", dev[3], 5, "2026-10-31T16:30:00Z", 3, "S3")
    give("w3-bad", dev[3], 2, "2026-11-27T02:00:00Z", 3, "S3")
    give("w3-dec", dev[3], 4, "2026-11-30T16:30:00Z", 3, "S3")
    # W5 (no department), S9 (not in the staff table): a 4
    give("w5", dev[5], 4, "2026-11-12T02:00:00Z", 5, "S9")
    give("hc", hc, 1, "2026-11-12T02:00:00Z", 1, "S1")  # another hall, not asked for
    return {name: (r, r.device_id) for name, r in sent.items()}


def case_of(store, r) -> dict:
    with store.transaction(write=False) as tx:
        row = tx.one(f"SELECT {cases.COLUMN_SQL} FROM cases WHERE rating_uuid = ?",
                     [str(r.uuid)])
    return dict(zip(cases.COLUMNS, row))


def close(store, case_id: str, at: datetime) -> None:
    for step in ("verify", "rectify", "answer"):
        cases.advance(store, case_id, SUP, f"{step} done", now=at, expected=step)


def work_cases_and_appeals(store, sent) -> None:
    # W1's 1 of 3 Nov is due 24 Nov (15 working days) and closed on 5 Nov: on time, decided
    # in November. W2's 2 of 4 Nov is due 25 Nov and still open on 1 Dec: late, decided at
    # its deadline in November. W3's 1 of 9 Oct was due in October and closed on 10 Nov: late,
    # decided in October (not November's). W3's 2 of 27 Nov is due 18 Dec: undecided.
    w1 = case_of(store, sent["w1-bad"][0])
    assert w1["answer_due"][:10] == "2026-11-24"
    close(store, w1["id"], utc(2026, 11, 5, 3))
    assert case_of(store, sent["w2-bad"][0])["answer_due"][:10] == "2026-11-25"
    oct_case = case_of(store, sent["w3-oct"][0])
    assert oct_case["answer_due"][:7] == "2026-10"
    close(store, oct_case["id"], utc(2026, 11, 10, 3))
    assert case_of(store, sent["w3-bad"][0])["answer_due"][:7] == "2026-12"
    # The W2 1 of 2 Nov: appealed on 11 Nov, approved on 12 Nov (excluded from the figures,
    # its case, due 23 Nov, withdrawn: not counted). The W1 1: appealed, rejected (counts).
    r, device = sent["w2-appealed"]
    a = appeals.file(store, SUP, str(r.uuid), "malicious", "同一人反复差评", "",
                     device_id=device, now=utc(2026, 11, 11, 2))
    appeals.decide(store, ADMIN, a["id"], True, "核实属实", now=utc(2026, 11, 12, 2))
    assert case_of(store, r)["state"] == "void"
    r, device = sent["w1-bad"]
    a = appeals.file(store, SUP, str(r.uuid), "mistaken", "误评", "", device_id=device,
                     now=utc(2026, 11, 6, 2))
    appeals.decide(store, ADMIN, a["id"], False, "不属实", now=utc(2026, 11, 7, 2))


def one_case(day: str, called: str, done: str, ticket: str) -> list:
    return [(f"{day} {called}", "called", {"ticket": ticket}),
            (f"{day} {done}", "completed", {"ticket": ticket, "case_key": f"{day}/{ticket}"})]


def feed_events(store) -> None:
    """W1: Wed 4 Nov cases of 8, 10 and 12 min and a 20-min pause (one 空岗, S1's); Thu 5 Nov
    S1 signs in at 09:40 (迟到, and 09:00-09:40 is a 空岗 of nobody, S1 the last one there),
    a case of 15 min, a 30-min pause at 14:00 (a 空岗 the supervisor excuses).
    W2: Fri 6 Nov, S2, one case of 5 min. W3: Wed 4 Nov, S3, one case of 10 min; a day in
    October (not November's)."""
    day = "2026-11-04"
    se.insert(store, "HA", 1, [
        (f"{day} 08:30", "app_start"), (f"{day} 08:50", "staff_in", {"staff_id": "S1"}),
        *one_case(day, "09:00", "09:08", "A1"), *one_case(day, "09:10", "09:20", "A2"),
        (f"{day} 10:00", "paused", {"reason": "meeting"}), (f"{day} 10:20", "resumed"),
        *one_case(day, "10:30", "10:42", "A3"),
        (f"{day} 17:35", "staff_out", {"staff_id": "S1"}), (f"{day} 17:40", "app_stop")])
    day = "2026-11-05"
    se.insert(store, "HA", 1, [
        (f"{day} 08:30", "app_start"), (f"{day} 09:40", "staff_in", {"staff_id": "S1"}),
        *one_case(day, "09:45", "10:00", "B1"),
        (f"{day} 14:00", "paused", {"reason": "errand"}), (f"{day} 14:30", "resumed"),
        (f"{day} 17:35", "staff_out", {"staff_id": "S1"}), (f"{day} 17:40", "app_stop")])
    day = "2026-11-06"
    se.insert(store, "HA", 2, [
        (f"{day} 08:30", "app_start"), (f"{day} 08:55", "staff_in", {"staff_id": "S2"}),
        *one_case(day, "09:00", "09:05", "C1"),
        (f"{day} 17:35", "staff_out", {"staff_id": "S2"}), (f"{day} 17:40", "app_stop")])
    se.insert(store, "HA", 3, se.day_script("2026-11-04", "S3", cases=1))
    se.insert(store, "HA", 3, se.day_script("2026-10-30", "S3", cases=2))


def excuse_the_afternoon_pause(store) -> None:
    refresh.refresh(store, "HA", now=NOW)
    with store.transaction(write=False) as tx:
        facts = json.loads(tx.one("SELECT facts FROM window_facts WHERE hall = 'HA' AND "
                                  "\"window\" = 1 AND day = '2026-11-05'")[0])
    starts = [e["start"] for e in facts["empty"]]
    assert starts == ["2026-11-05T01:00:00.000Z", "2026-11-05T06:00:00.000Z"]
    facts_notes.annotate(store, "user:zhao", "HA", 1, starts[1], True, "外出办事，主任批准")


def inspection(store, hall, department, item, count, occurred_at, state="recorded",
               window=None, staff=None, kind="deduction") -> None:
    with store.transaction() as tx:
        tx.q('INSERT INTO inspections (id, hall, department, "window", staff_id, item, kind, '
             "count, occurred_at, note, recorded_by, recorded_at, state) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             [uuid.uuid4().hex, hall, department, window, staff, item, kind, count,
              occurred_at, "督察记录", "user:du", occurred_at, state])


def record_inspections(store) -> None:
    inspection(store, "HA", "市公安局", "empty", 2, "2026-11-05T02:00:00.000Z",
               state="contested", window=1, staff="S1")
    inspection(store, "HA", "市公安局", "dress", 1, "2026-11-10T02:00:00.000Z")
    inspection(store, "HA", "市公安局", "dress", 1, "2026-11-11T02:00:00.000Z",
               state="withdrawn")
    # 23:30 on 30 Nov local is November's; 23:30 on 31 Oct local is not.
    inspection(store, "HA", "市公安局", "dress", 1, "2026-11-30T15:30:00.000Z", state="upheld")
    inspection(store, "HA", "市公安局", "dress", 5, "2026-10-31T15:30:00.000Z")
    inspection(store, "HA", "市公安局", "dress", 1, "2026-10-20T02:00:00.000Z",
               state="contested")
    inspection(store, "HA", "市税务局", "praise", 1, "2026-11-20T02:00:00.000Z",
               state="upheld", window=3, staff="S3", kind="bonus")
    inspection(store, "HA", "市医保局", "dress", 1, "2026-11-20T02:00:00.000Z")
    inspection(store, "HC", "市公安局", "dress", 3, "2026-11-20T02:00:00.000Z")


@pytest.fixture
def month(store):
    setup_org(store)
    sent = ingest_ratings(store)
    work_cases_and_appeals(store, sent)
    feed_events(store)
    excuse_the_afternoon_pause(store)
    record_inspections(store)
    return store


def test_a_month_of_each_unit(month):
    got = metrics.gather(month, ["HA", "HB"], *NOV, now=NOW)
    assert got.names == {
        GA: ("HA", "市公安局", "11410100MB1234567X"), SW: ("HA", "市税务局", ""),
        RS: ("HA", "市人社局", "11410100MB7654321Y"), NONE: ("HA", "", ""),
        YB: ("HA", "市医保局", ""), "HB/市公安局": ("HB", "市公安局", "")}
    assert set(got.units) == set(got.names)
    assert all(set(m) == set(metrics.METRICS) for m in got.units.values())
    # 公安 = W1 + W2: rated 5, 5, 4, 3, 1 and 2, 5 (the appealed 1 is out) = 7; 满意 5;
    # 差评 2; one level 0, so completed 8. Cases decided in November: W1's on time, W2's
    # late. Facts: 办件 3 + 1 + 1; durations 480, 600, 720, 900, 300 s; 空岗 20 min on the
    # 4th, 09:00-09:40 on the 5th (the excused 14:00 one does not count); 迟到 on the 5th.
    assert got.units[GA] == {
        "rated": 7, "satisfaction": pytest.approx(5 / 7), "participation": pytest.approx(7 / 8),
        "bad": 2, "bad_on_time": 0.5, "appeals_upheld": 1, "handled": 5,
        "handling_median_s": 600, "empty": 2, "late": 1}
    # 税务: the 5 of 1 Nov 00:30 and the 2 of 27 Nov (not October's 1, not December's 4); no
    # case decided (October's was decided at its October deadline; 27 Nov's is due in Dec).
    assert got.units[SW] == {
        "rated": 2, "satisfaction": 0.5, "participation": 1.0, "bad": 1, "bad_on_time": None,
        "appeals_upheld": 0, "handled": 1, "handling_median_s": 600, "empty": 0, "late": 0}
    assert got.units[NONE] == {**metrics.blank(), "rated": 1, "satisfaction": 1.0,
                               "participation": 1.0}
    # No data at all: present, counts 0, rates None.
    for key in (RS, YB, "HB/市公安局"):
        assert got.units[key] == {
            "rated": 0, "satisfaction": None, "participation": None, "bad": 0,
            "bad_on_time": None, "appeals_upheld": 0, "handled": 0,
            "handling_median_s": None, "empty": 0, "late": 0}


def test_records_staff_and_contests(month):
    got = metrics.gather(month, ["HA", "HB"], *NOV, now=NOW)
    # dress: 10 Nov and 30 Nov 23:30 local (the withdrawn one, October's 5 are out).
    assert got.records == {GA: {"empty": 2, "dress": 2}, SW: {"praise": 1}, YB: {"dress": 1}}
    assert got.staff_records == {"S1": {"empty": 2}, "S3": {"praise": 1}}
    assert got.pending_contests == 1  # October's contested record is October's
    assert set(got.staff) == {"S1", "S2", "S3", "S9"}
    s1 = got.staff["S1"]
    assert {k: s1[k] for k in ("name", "hall", "department", "good", "bad", "rated", "late",
                               "empty")} == {
        "name": "王芳", "hall": "HA", "department": "市公安局", "good": 4, "bad": 1,
        "rated": 5, "late": 1, "empty": 2}
    assert s1["levels"] == {5: 2, 4: 1, 3: 1, 2: 0, 1: 1, 0: 1}
    assert {k: got.staff["S2"][k] for k in ("department", "good", "bad", "rated", "late",
                                            "empty")} == {
        "department": "市公安局", "good": 1, "bad": 1, "rated": 2, "late": 0, "empty": 0}
    assert {k: got.staff["S3"][k] for k in ("department", "good", "bad", "rated")} == {
        "department": "市税务局", "good": 1, "bad": 1, "rated": 2}
    assert {k: got.staff["S9"][k] for k in ("name", "hall", "department", "rated")} == {
        "name": "", "hall": "HA", "department": "", "rated": 1}


def test_a_deadline_still_ahead_is_not_decided_yet(month):
    # On 20 Nov W2's case (due 25 Nov) is open but not late: only W1's, on time, is decided.
    got = metrics.gather(month, ["HA"], *NOV, now=utc(2026, 11, 20))
    assert got.units[GA]["bad_on_time"] == 1.0


def test_october_counts_its_own_cases_and_days(month):
    got = metrics.gather(month, ["HA"], date(2026, 10, 1), date(2026, 10, 31), now=NOW)
    # October: the 1 of 9 Oct, its case late at its October deadline (closed 10 Nov);
    # 30 Oct's two 10-minute cases. The contested record of 20 Oct is pending; 31 Oct 23:30.
    assert got.units[SW] == {
        "rated": 1, "satisfaction": 0.0, "participation": 1.0, "bad": 1, "bad_on_time": 0.0,
        "appeals_upheld": 0, "handled": 2, "handling_median_s": 600, "empty": 0, "late": 0}
    assert got.units[GA]["rated"] == 0 and got.units[GA]["satisfaction"] is None
    assert got.records == {GA: {"dress": 6}}
    assert got.pending_contests == 1
    assert set(got.staff) == {"S3"}


def test_no_halls_and_a_hall_without_anything(month):
    assert metrics.gather(month, [], *NOV, now=NOW) == metrics.Gathered()
    got = metrics.gather(month, ["HB"], *NOV, now=NOW)
    assert list(got.names) == ["HB/市公安局"] and got.units["HB/市公安局"] == metrics.blank()
    assert (got.records, got.staff, got.pending_contests) == ({}, {}, 0)
