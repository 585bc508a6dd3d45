"""Schemes versioned by month at a hall, its region, the region's parents or '*': a month is
scored by the newest version not after it at the nearest scope; every set is audited; a
wrong scheme, scope or month stores nothing."""
from __future__ import annotations

import pytest

from server.assess import scheme, store as assess_store
from server.assess.scheme import SchemeError
from server.db import audit, org


@pytest.fixture
def orgs(store):
    with store.transaction() as tx:
        org.put_region(tx, org.Region("410000", "河南省"))
        org.put_region(tx, org.Region("410100", "郑州市", "410000"))
        org.put_region(tx, org.Region("410106", "上街区", "410100"))
        org.put_hall(tx, org.Hall("sj01", "上街区行政服务中心", "410106"))
        org.put_hall(tx, org.Hall("zz01", "郑州市民中心", "410100"))
    return store


def _set(store, scope, month, name, by="admin"):
    with store.transaction() as tx:
        return assess_store.set_scheme(tx, scope, month, name if isinstance(name, dict)
                                       else scheme.preset(name), by)


def test_the_nearest_scope_and_the_newest_version_not_after_the_month(orgs):
    store = orgs
    assert assess_store.scheme_for(store, "sj01", "2026-11") is None
    _set(store, "*", "2026-01", "zhumadian")
    _set(store, "410100", "2026-06", "jining")
    _set(store, "sj01", "2026-10", "shangjie")
    found = {m: assess_store.scheme_for(store, "sj01", m) for m in
             ("2025-12", "2026-03", "2026-09", "2026-10", "2027-01")}
    assert found["2025-12"] is None
    assert (found["2026-03"].scope, found["2026-03"].scheme.name) == ("*", "驻马店式窗口服务能力评价")
    assert (found["2026-09"].scope, found["2026-09"].month_from) == ("410100", "2026-06")
    assert found["2026-10"].scope == "sj01" and found["2027-01"].scheme.name == "上街式优质服务窗口评选"
    # the other hall of the city follows the city; the region scope itself too
    assert assess_store.scheme_for(store, "zz01", "2026-10").scope == "410100"
    assert assess_store.scheme_for(store, "410106", "2026-10").scope == "410100"
    # a newer version at the city does not reach the hall that has its own
    _set(store, "410100", "2026-11", "zhumadian")
    assert assess_store.scheme_for(store, "sj01", "2026-11").scope == "sj01"
    with store.transaction(write=False) as tx:   # a transaction works as well as the store
        assert assess_store.scheme_for(tx, "zz01", "2026-11").month_from == "2026-11"
    assert [v.month_from for v in assess_store.versions(store, "410100")] == ["2026-11",
                                                                              "2026-06"]


def test_setting_is_audited_and_replacing_a_month_says_what_it_replaced(orgs):
    _set(orgs, "sj01", "2026-10", "zhumadian", by="cli:root")
    _set(orgs, "sj01", "2026-10", "shangjie", by="user:wang")
    rows, _more = audit.entries(orgs, target="assess_scheme:sj01:2026-10")
    assert [(r["actor"], r["detail"]["name"], r["detail"]["replaced"]) for r in rows] == [
        ("user:wang", "上街式优质服务窗口评选", "驻马店式窗口服务能力评价"),
        ("cli:root", "驻马店式窗口服务能力评价", None)]
    assert len(assess_store.versions(orgs, "sj01")) == 1
    # the hall's supervisor (scope hall:sj01) can read it
    scoped, _ = audit.entries(orgs, scopes=["hall:sj01"], action="assess.")
    assert len(scoped) == 2


@pytest.mark.parametrize("scope, month, body, path", [
    ("nowhere", "2026-10", None, "scope"),
    ("sj01", "2026-13", None, "month_from"),
    ("sj01", "2026-10", {"name": "x"}, "source"),
])
def test_a_wrong_scheme_scope_or_month_stores_nothing(orgs, scope, month, body, path):
    with pytest.raises(SchemeError) as caught:
        _set(orgs, scope, month, body or "shangjie")
    assert caught.value.path == path
    assert assess_store.versions(orgs, scope) == []
    assert audit.count(orgs, action="assess.scheme.set") == 0
