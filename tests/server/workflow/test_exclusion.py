"""An approved appeal takes the rating out of the figures (roll-ups, as a rebuild from the
ratings table agrees) and out of the provincial export, while the row stays stored."""
from server.db import rollups
from server.export import records
from server.workflow import appeals
from tests.server.workflow.conftest import at, rating


def counted_levels(store):
    """{level: n} of the hall-day roll-up, cells with n = 0 left out."""
    out = {}
    for _hall, _day, level, n in rollups.snapshot(store)["rollup_hall_levels"]:
        if n:
            out[level] = out.get(level, 0) + n
    return out


def nonzero(snapshot):
    return {t: [r for r in rows if r[-1]] for t, rows in snapshot.items()}


def test_an_excluded_rating_leaves_figures_and_export(wired, people):
    bad = rating(wired.device_id, level=1, case_id="BJ-BAD")
    good = rating(wired.device_id, level=5, case_id="BJ-GOOD")
    wired.ingest([bad, good], now=at(2025, 9, 26, 8))
    assert counted_levels(wired) == {1: 1, 5: 1}
    with wired.transaction(write=False) as tx:
        before = records.between(tx, "2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z")
    assert len(before) == 2

    appeal = appeals.file(wired, people["sup"], str(bad.uuid), "malicious", "恶意", "")
    appeals.decide(wired, people["admin"], appeal["id"], True, "属实")

    assert counted_levels(wired) == {5: 1}
    with wired.transaction(write=False) as tx:
        after = records.between(tx, "2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z")
        assert records.one(tx, wired.device_id, str(bad.uuid)) is None
        assert tx.one("SELECT level, excluded FROM ratings WHERE uuid = ?",
                      [str(bad.uuid)]) == (1, 1)
    assert len(after) == 1 and after != before
    incremental = nonzero(rollups.snapshot(wired))
    rollups.rebuild(wired)
    assert nonzero(rollups.snapshot(wired)) == incremental
