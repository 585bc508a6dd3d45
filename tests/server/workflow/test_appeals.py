"""申诉: filed by staff or a supervisor, decided by a different person with a higher role; an
approved appeal excludes the rating (kept, no longer counted) and withdraws its case."""
import pytest

from server.db import audit
from server.workflow import appeals, case_views
from server.workflow.actors import Forbidden
from tests.server.workflow.conftest import at, rating


def bad_rating(store):
    r = rating(store.device_id, level=1)
    store.ingest([r], now=at(2025, 9, 26, 8))
    return str(r.uuid)


def excluded(store, uuid):
    with store.transaction(write=False) as tx:
        return tx.one("SELECT excluded FROM ratings WHERE uuid = ?", [uuid])[0]


def test_an_appeal_approved_by_its_own_filer_is_refused(wired, people):
    uuid = bad_rating(wired)
    appeal = appeals.file(wired, people["sup"], uuid, "malicious", "同一人连续差评",
                          "监控显示评价时未办理业务")
    with pytest.raises(Forbidden, match="you filed this appeal"):
        appeals.decide(wired, people["sup"], appeal["id"], True, "approve my own")
    with pytest.raises(Forbidden, match="higher role"):
        appeals.decide(wired, people["sup2"], appeal["id"], True, "same rank")
    assert excluded(wired, uuid) == 0
    assert appeals.listing(wired, people["admin"])[0]["state"] == "pending"


def test_an_approved_appeal_excludes_the_rating_and_withdraws_its_case(wired, people):
    uuid = bad_rating(wired)
    [case] = case_views.list_cases(wired, people["admin"])
    appeal = appeals.file(wired, people["staff"], uuid, "mistaken", "群众误触",
                          "群众当场说明点错")
    with pytest.raises(appeals.AppealError, match="already has an appeal"):
        appeals.file(wired, people["sup"], uuid, "mistaken", "again", "")
    with pytest.raises(Forbidden, match="higher role"):
        appeals.decide(wired, people["staff2"], appeal["id"], True, "colleague")
    decided = appeals.decide(wired, people["sup"], appeal["id"], True, "属实，予以剔除")
    assert decided["state"] == "approved" and decided["decided_by"] == "user:zhao"
    assert excluded(wired, uuid) == 1
    assert case_views.list_cases(wired, people["admin"]) == []
    [void] = case_views.list_cases(wired, people["admin"], open_only=False)
    assert void["id"] == case["id"] and void["state"] == "void"
    with pytest.raises(appeals.AppealError, match="already decided"):
        appeals.decide(wired, people["admin"], appeal["id"], False, "too late")
    with pytest.raises(appeals.AppealError, match="does not count"):
        appeals.file(wired, people["sup"], uuid, "mistaken", "again", "")
    with wired.transaction(write=False) as tx:
        actions = [r[0] for r in tx.all("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["case.open", "appeal.file", "case.void", "rating.exclude",
                       "appeal.approve"]
    assert audit.verify(wired) is None


def test_a_rejected_appeal_keeps_the_rating_counted(wired, people):
    uuid = bad_rating(wired)
    appeal = appeals.file(wired, people["sup"], uuid, "mistaken", "理由", "")
    assert appeals.decide(wired, people["admin"], appeal["id"], False, "证据不足")["state"] \
        == "rejected"
    assert excluded(wired, uuid) == 0
    assert len(case_views.list_cases(wired, people["admin"])) == 1


def test_who_may_file(wired, people):
    uuid = bad_rating(wired)
    for who in ("admin", "auditor", "other_sup"):
        with pytest.raises(Forbidden):
            appeals.file(wired, people[who], uuid, "mistaken", "reason", "")
    with pytest.raises(appeals.AppealError, match="kind"):
        appeals.file(wired, people["sup"], uuid, "annoying", "reason", "")
    with pytest.raises(appeals.AppealError, match="reason"):
        appeals.file(wired, people["sup"], uuid, "mistaken", " ", "")
    with pytest.raises(appeals.AppealError, match="no rating"):
        appeals.file(wired, people["sup"], "00000000-0000-4000-8000-000000000000", "mistaken",
                     "r", "")


def test_staff_at_a_shared_window_appeal_only_ratings_naming_them(wired, people):
    """S-017 and S-018 both work window 3: the rating names S-017, so only wang may appeal it
    (the CLI and any other caller meet the same rule as the console)."""
    uuid = bad_rating(wired)
    with pytest.raises(Forbidden, match="name them"):
        appeals.file(wired, people["staff2"], uuid, "mistaken", "不是我", "")
    assert appeals.file(wired, people["staff"], uuid, "mistaken", "群众误触", "")["state"] \
        == "pending"
