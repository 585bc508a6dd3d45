"""系统默认评价: off by default; Langfang-style 5 working days and Guangdong-style 7 natural days
turn an unrated case into a separate 基本满意 record; the stored level-0 row is untouched
except that it stops counting, and a later real rating takes the case back."""
from datetime import timedelta

import pytest

from server.workflow import defaults, policy
from server.workflow.actors import SYSTEM
from tests.server.workflow.conftest import HALL, at, rating


def counted(store):
    with store.transaction(write=False) as tx:
        return tx.all("SELECT uuid, level, source FROM ratings WHERE superseded = 0 "
                      "ORDER BY rated_at")


def unrated(store, when="2025-09-26T08:00:00Z", **kw):
    r = rating(store.device_id, level=0, rated_at=when, **kw)
    store.ingest([r], now=at(2025, 9, 26, 8))
    return str(r.uuid)


def test_off_by_default(wired):
    unrated(wired)
    assert defaults.run(wired, now=at(2026, 1, 1)) == []
    assert [lvl for _, lvl, _ in counted(wired)] == [0]


def test_five_working_days_langfang(wired):
    policy.set_policy(wired, f"hall:{HALL}", SYSTEM, default_mode="working", default_days=5)
    level0 = unrated(wired)   # Friday 26 Sep 2025, before National Day
    # 5 working days: 28, 29, 30 Sep, 9, 10 Oct -> due at the end of 10 Oct (local).
    assert defaults.run(wired, now=at(2025, 10, 10, 15, 59)) == []
    [made] = defaults.run(wired, now=at(2025, 10, 10, 16, 0))
    assert (made["level"], made["source"]) == (3, "default")
    assert made["uuid"] == defaults.default_uuid(wired.device_id, level0)
    assert counted(wired) == [(made["uuid"], 3, "default")]
    with wired.transaction(write=False) as tx:
        old = tx.one("SELECT level, source, superseded, reasons FROM ratings WHERE uuid = ?",
                     [level0])
    assert old == (0, "kiosk", 1, "[]")            # stored as it was, no longer counting
    assert defaults.run(wired, now=at(2025, 10, 20)) == []   # made once
    with wired.transaction(write=False) as tx:
        assert tx.one("SELECT count(*) FROM audit_log WHERE action = 'rating.default'")[0] == 1


def test_seven_natural_days_guangdong(wired):
    policy.set_policy(wired, "*", SYSTEM, default_mode="natural", default_days=7)
    unrated(wired, when="2025-09-30T02:00:00Z")
    assert defaults.run(wired, now=at(2025, 10, 7, 1, 59)) == []
    [made] = defaults.run(wired, now=at(2025, 10, 7, 2, 0))
    assert made["rated_at"] == "2025-10-07T02:00:00.000Z"


def test_a_rated_case_gets_no_default(wired):
    policy.set_policy(wired, "*", SYSTEM, default_mode="natural", default_days=7)
    wired.ingest([rating(wired.device_id, level=5)], now=at(2025, 9, 26, 8))
    assert defaults.run(wired, now=at(2025, 12, 1)) == []


def test_a_real_rating_later_replaces_the_default(wired):
    policy.set_policy(wired, "*", SYSTEM, default_mode="natural", default_days=7)
    key = "2025-09-26/3/A012/C-later"
    unrated(wired, case_key=key)
    [made] = defaults.run(wired, now=at(2025, 10, 4))
    phone = rating(wired.device_id, level=2, case_key=key, rated_at="2025-10-05T01:00:00Z")
    [result] = wired.ingest([phone], source="phone", now=at(2025, 10, 5, 1))
    assert result.status == "accepted"
    assert counted(wired) == [(str(phone.uuid), 2, "phone")]
    with wired.transaction(write=False) as tx:
        assert tx.one("SELECT superseded FROM ratings WHERE uuid = ?", [made["uuid"]])[0] == 1
        assert tx.one("SELECT count(*) FROM cases")[0] == 1   # the real 差评 opens its case


def test_policy_checks_the_default_rule(wired):
    with pytest.raises(ValueError, match="default_days"):
        policy.set_policy(wired, "*", SYSTEM, default_mode="working", default_days=0)
    with pytest.raises(ValueError, match="default_mode"):
        policy.set_policy(wired, "*", SYSTEM, default_mode="sometimes", default_days=3)
    assert defaults.run(wired, now=at(2025, 10, 4) + timedelta(days=400)) == []
