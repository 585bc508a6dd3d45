"""督察 records on both stores: what an inspector may record (each bad field named), the
supervisor's contest within the scheme's working days (a weekend and a holiday do not
count), the region admin's decision (never the recorder's own), the audit entries scoped to
the hall, keyset pages that neither repeat nor skip, and a closed month taking no records."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server.assess import inspections as insp
from server.assess import inspections_list
from server.assess.inspections import Conflict, InspectionError, NotFound, Refused, Who
from server.workflow.workdays import HALL_TZ

# Friday 4 December 2026, 10:00 in the halls: contest until Wednesday the 9th.
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=HALL_TZ).astimezone(timezone.utc)
INSPECTOR = Who("user:insp1", "inspector", frozenset({"H01"}))
ADMIN = Who("user:nanshan", "region_admin", frozenset({"H01"}))
SUP1 = Who("user:sup1", "hall_supervisor", frozenset({"H01"}))
SUP2 = Who("user:sup2", "hall_supervisor", frozenset({"H02"}))


def add(store, now=NOW, **kw):
    args = {"hall": "H01", "department": "社保", "window": 1, "staff_id": "S001",
            "item": "sj_badge", "kind": None, "count": 1, "occurred_at": "2026-12-04T09:30",
            "note": "未佩戴工作证"}
    args.update(kw)
    actor = args.pop("actor", INSPECTOR)
    with store.transaction() as tx:
        return insp.record(tx, actor, now=now, **args)[0]


@pytest.mark.parametrize("change, field", [
    ({"department": "税务"}, "department"),            # not a unit of H01
    ({"department": ""}, "department"),
    ({"window": 2}, "window"),                          # window 2 is 不动产's
    ({"window": 9}, "window"),
    ({"window": "一"}, "window"),
    ({"staff_id": "S101"}, "staff_id"),                 # works in H02
    ({"occurred_at": "2026-12-04T10:30"}, "occurred_at"),   # after now
    ({"occurred_at": "2026-09-30T10:00"}, "occurred_at"),   # more than two months ago
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"count": 0}, "count"), ({"count": 21}, "count"), ({"count": "2.5"}, "count"),
    ({"note": ""}, "note"), ({"note": "很" * 501}, "note"),
    ({"item": "sj_nothing"}, "item"),
    ({"item": "sj_late"}, "item"),                      # a metric: the server computes it
    ({"kind": "bonus"}, "kind"),                        # sj_badge is a deduction
    ({"photo": "../../etc/passwd"}, "photo"),
])
def test_a_bad_field_is_named_and_nothing_is_stored(hall, change, field):
    with pytest.raises(InspectionError) as caught:
        add(hall, **change)
    assert caught.value.field == field and caught.value.status == 400
    with hall.transaction(write=False) as tx:
        assert tx.one("SELECT COUNT(*) FROM inspections")[0] == 0
        assert tx.one("SELECT COUNT(*) FROM audit_log WHERE target LIKE ?",
                      ["inspection:%"])[0] == 0


def test_who_may_record_and_where(hall):
    with pytest.raises(Refused):
        add(hall, actor=SUP1)                           # a supervisor does not record
    with pytest.raises(Refused):
        add(hall, actor=Who("user:x", "inspector", frozenset({"H02"})))
    with pytest.raises(NotFound):
        add(hall, hall="NOPE")
    row = add(hall, actor=ADMIN, count="3")             # region admins record too
    assert (row["count"], row["kind"], row["state"], row["window"]) == (3, "deduction",
                                                                        "recorded", 1)
    assert row["occurred_at"] == "2026-12-04T01:30:00.000Z"  # 09:30 in the halls


def test_no_scheme_in_force_refuses_with_the_reason(hall):
    anywhere = Who("user:i", "inspector", None)
    with pytest.raises(InspectionError) as caught:
        add(hall, actor=anywhere, hall="H02", department="", window=None, staff_id=None)
    assert caught.value.field == "department"          # H02's windows have no unit
    with hall.transaction() as tx:
        tx.q("INSERT INTO departments (hall_id, name) VALUES ('H02', '税务')")
    with pytest.raises(Refused) as caught:
        add(hall, actor=anywhere, hall="H02", department="税务",
            window=None, staff_id=None)
    assert "region administrator must set one" in caught.value.message
    assert caught.value.params == {"month": "2026-12"}


def test_contest_within_three_working_days_then_a_decision(hall):
    row = add(hall)
    with hall.transaction() as tx:                      # only the hall's supervisor
        for who, error in ((INSPECTOR, Refused), (SUP2, NotFound), (ADMIN, Refused)):
            with pytest.raises(error):
                insp.contest(tx, who, row["id"], "当时在岗", now=NOW)
        with pytest.raises(InspectionError) as caught:
            insp.contest(tx, SUP1, row["id"], "  ", now=NOW)
        assert caught.value.field == "reason"
    wednesday_night = datetime(2026, 12, 9, 23, 59, tzinfo=HALL_TZ)
    with hall.transaction() as tx:
        with pytest.raises(Conflict):
            insp.contest(tx, SUP1, row["id"], "晚了", now=wednesday_night + timedelta(minutes=1))
        done = insp.contest(tx, SUP1, row["id"], "工作证在胸前，照片角度问题", now=wednesday_night)
    assert done["state"] == "contested"
    with hall.transaction() as tx:
        with pytest.raises(Conflict):                   # once only
            insp.contest(tx, SUP1, row["id"], "再次", now=wednesday_night)
        with pytest.raises(Refused):                    # the recorder does not decide
            insp.decide(tx, Who("user:insp1", "region_admin", None), row["id"], "upheld", "x")
        with pytest.raises(NotFound):
            insp.decide(tx, Who("user:bao", "region_admin", frozenset({"H02"})), row["id"],
                        "upheld", "x")
        with pytest.raises(InspectionError) as caught:
            insp.decide(tx, ADMIN, row["id"], "maybe", "x")
        assert caught.value.field == "decision"
        done = insp.decide(tx, ADMIN, row["id"], "withdrawn", "照片不能证明", now=NOW)
    assert done["state"] == "withdrawn"
    with hall.transaction(write=False) as tx:
        got = insp.get(tx, row["id"])
        entries = tx.all("SELECT l.action, l.actor, s.scope FROM audit_log l JOIN audit_scope s"
                         " ON s.entry_id = l.id WHERE l.target = ? ORDER BY l.id",
                         [f"inspection:{row['id']}"])
    assert (got["state"], got["decided_by"], got["decision_note"]) == (
        "withdrawn", "user:nanshan", "照片不能证明")
    assert entries == [("inspection.record", "user:insp1", "hall:H01"),
                       ("inspection.contest", "user:sup1", "hall:H01"),
                       ("inspection.decide", "user:nanshan", "hall:H01")]


def test_the_contest_window_skips_a_holiday(hall):
    # Recorded Wednesday 30 September 2026: 1-7 October is the National Day holiday and
    # Saturday 10 October a make-up working day, so three working days end on 10 October.
    recorded = datetime(2026, 9, 30, 12, 0, tzinfo=HALL_TZ)
    row = add(hall, now=recorded, occurred_at="2026-09-30T09:00")
    with hall.transaction() as tx:
        deadline = insp.contest_deadline(tx, row)
    assert deadline.astimezone(HALL_TZ).strftime("%Y-%m-%d %H:%M") == "2026-10-10 23:59"


def test_decisions_open_by_state(hall):
    row = add(hall)
    assert insp.decisions_open(ADMIN, row) == ("withdrawn",)   # a mistake: withdraw it
    with hall.transaction() as tx:
        with pytest.raises(Conflict):
            insp.decide(tx, ADMIN, row["id"], "upheld", "没有申辩")
        insp.contest(tx, SUP1, row["id"], "有异议", now=NOW)
    row = {**row, "state": "contested"}
    assert insp.decisions_open(ADMIN, row) == ("upheld", "withdrawn")
    assert insp.decisions_open(SUP1, row) == ()
    with hall.transaction() as tx:
        insp.decide(tx, ADMIN, row["id"], "upheld", "属实", now=NOW)
        with pytest.raises(Conflict):
            insp.decide(tx, ADMIN, row["id"], "withdrawn", "改判", now=NOW)


def test_keyset_pages_neither_repeat_nor_skip(hall):
    made = [add(hall, occurred_at=f"2026-12-0{1 + i % 3}T0{8 + i % 2}:00")["id"]
            for i in range(7)]
    add(hall, occurred_at="2026-11-20T10:00")          # another month
    seen, after = [], None
    with hall.transaction(write=False) as tx:
        while True:
            page = inspections_list.page(tx, {"H01", "H02"}, "2026-12", None, None, after, 3)
            seen += [r["id"] for r in page["rows"]]
            after = page["next"]
            if after is None:
                break
        assert sorted(seen) == sorted(made) and len(seen) == 7
        times = [insp.get(tx, i)["occurred_at"] for i in seen]
        assert times == sorted(times, reverse=True)     # newest first
        assert inspections_list.page(tx, {"H02"}, "2026-12")["rows"] == []
        assert len(inspections_list.every(tx, None, None)) == 8
        assert inspections_list.page(tx, None, "2026-12", state="contested")["rows"] == []
        with pytest.raises(InspectionError):
            inspections_list.page(tx, None, "2026-13")


def test_a_closed_month_takes_no_new_records(hall):
    add(hall)
    with hall.transaction() as tx:
        tx.q("INSERT INTO assess_results (scope, period, closed_at, closed_by, scheme, result) "
             "VALUES ('440300', '2026-12', 'x', 'admin', 'x', '{}')")
    with pytest.raises(Conflict) as caught:
        add(hall)
    assert caught.value.field == "occurred_at"
    add(hall, occurred_at="2026-11-30T10:00")         # November is still open
