"""Roll-ups kept by the ingest hook equal a rebuild from the ratings table, on both stores."""
import random
import uuid

from server import wiring
from server.db import rollups
from tests.server.figures.helpers import add_device, rating


def test_incremental_rollups_equal_a_rebuild_after_random_ingest(store):
    wiring.attach(store)
    rnd = random.Random(7)
    devices = [(add_device(store, hall, w), w) for hall in ("HA", "HB") for w in (1, 2)]
    sent = []
    for batch in range(25):
        ratings = []
        for _ in range(rnd.randint(1, 12)):
            device, window = rnd.choice(devices)
            # Few tickets per day, so cases repeat: second ratings of a case are superseded,
            # and a real rating after a level 0 takes the case over.
            ticket = f"A{rnd.randint(1, 6):03d}"
            day = rnd.choice(["2026-10-31T15:59:59Z", "2026-10-31T16:00:00Z",
                              "2026-11-02T03:00:00Z"])
            ratings.append(rating(device, rnd.choice([0, 0, 1, 2, 3, 4, 5]), day,
                                  window=window, staff=rnd.choice(["S1", "S2", None]),
                                  ticket=ticket, reasons=None,
                                  case_key=f"{day[:10]}/{window}/{ticket}/"))
        if sent and rnd.random() < 0.4:  # duplicates: the same uuids again
            ratings += rnd.sample(sent, min(3, len(sent)))
        store.ingest(ratings, source=rnd.choice(["kiosk", "phone"]))
        sent += ratings
    incremental = rollups.snapshot(store)
    with store.transaction(write=False) as tx:
        counted = tx.one("SELECT count(*) FROM ratings WHERE superseded = 0")[0]
        superseded = tx.one("SELECT count(*) FROM ratings WHERE superseded = 1")[0]
    assert superseded > 0 and counted > 20  # the run did exercise supersede
    assert sum(r[-1] for r in incremental["rollup_levels"]) == counted
    assert sum(r[-1] for r in incremental["rollup_hall_levels"]) == counted
    rollups.rebuild(store)
    assert rollups.snapshot(store) == incremental


def test_local_day_is_utc_plus_8_and_apply_subtracts(store):
    wiring.attach(store)
    device = add_device(store, "HA", 1)
    late_evening = rating(device, 1, "2026-10-31T16:30:00Z", reasons=["attitude", "other"],
                          uid=uuid.uuid4())
    store.ingest([late_evening])
    snap = rollups.snapshot(store)
    assert snap["rollup_levels"] == [("HA", "2026-11-01", 1, "S001", 1, 1)]
    assert snap["rollup_hall_reasons"] == [("HA", "2026-11-01", "attitude", 1),
                                           ("HA", "2026-11-01", "other", 1)]
    row = store.get_rating(str(late_evening.uuid))
    row["reasons"] = '["attitude","other"]'
    with store.transaction() as tx:  # what an approved appeal does through the hooks
        rollups.apply(tx, [], [row])
    assert all(not rows for rows in rollups.snapshot(store).values())


def test_bulk_load_then_rebuild_gives_the_figures_of_the_rows(store):
    from datetime import date

    from server.db import bulk, stats

    device = add_device(store, "HA", 1)
    rows = [(f"{i:032x}", i % 6, '["other"]' if i % 6 in (1, 2) else "[]", 1, "S1", f"A{i}",
             None, None, device, "2026-11-02T01:00:00.000Z", "b", 0.0,
             "2026-11-02T01:00:00.000Z", "2026-11-02T01:00:00.000Z", 1, f"k{i}", "kiosk",
             int(i == 0)) for i in range(60)]
    assert bulk.load(store, rows, chunk=25) == 60
    rollups.rebuild(store)
    f = stats.totals(store, {"HA"}, date(2026, 11, 2), date(2026, 11, 2))
    # 60 rows, i = 0 superseded: levels 0..5 ten times each, one level 0 fewer.
    assert (f.unrated, f.rated, f.bad) == (9, 50, 20)
    assert dict(stats.reasons(store, {"HA"}, date(2026, 11, 2), date(2026, 11, 2))) == \
        {"other": 20}


def test_an_approved_appeal_takes_the_rating_out_of_the_figures(store):
    from datetime import date

    from server.db import stats
    from server.workflow import appeals
    from server.workflow.actors import Actor

    wiring.attach(store)
    device = add_device(store, "HA", 1)
    bad = rating(device, 1, "2026-11-03T02:00:00Z", reasons=["attitude"])
    store.ingest([bad, rating(device, 5, "2026-11-03T03:00:00Z", ticket="A002")])
    day = date(2026, 11, 3)
    assert stats.totals(store, {"HA"}, day, day).bad == 1
    sup = Actor("sup", "hall_supervisor", frozenset({"HA"}))
    filed = appeals.file(store, sup, str(bad.uuid), "mistaken", "误触", "录像")
    appeals.decide(store, Actor("boss", "region_admin", None), filed["id"], True, "属实")
    after = stats.totals(store, {"HA"}, day, day)
    assert (after.bad, after.rated) == (0, 1)
    assert stats.reasons(store, {"HA"}, day, day) == []
    incremental = rollups.snapshot(store)
    rollups.rebuild(store)
    assert rollups.snapshot(store) == incremental


def test_a_real_rating_taking_over_an_excluded_not_rated_record_counts_once(store):
    """An appeal excluded a kiosk "not rated" record; the citizen's later phone rating of the
    same case takes the case over without taking the excluded record out a second time."""
    from server.workflow import appeals
    from server.workflow.actors import Actor

    wiring.attach(store)
    device = add_device(store, "HA", 1)
    key = "2026-11-03/1/A001/"
    unrated = rating(device, 0, "2026-11-03T02:00:00Z", case_key=key)
    other = rating(device, 0, "2026-11-03T02:01:00Z", ticket="A002")  # same day, staff, level
    store.ingest([unrated, other])
    sup = Actor("sup", "hall_supervisor", frozenset({"HA"}))
    filed = appeals.file(store, sup, str(unrated.uuid), "mistaken", "叫号器误报办结", "日志")
    appeals.decide(store, Actor("boss", "region_admin", None), filed["id"], True, "属实")
    assert sum(r[-1] for r in rollups.snapshot(store)["rollup_levels"]) == 1  # the other one
    store.ingest([rating(device, 4, "2026-11-03T02:05:00Z", case_key=key)], source="phone")
    incremental = rollups.snapshot(store)
    assert sorted(r[-2:] for r in incremental["rollup_levels"]) == [(0, 1), (4, 1)]
    rollups.rebuild(store)
    assert rollups.snapshot(store) == incremental
