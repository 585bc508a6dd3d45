"""Every way a rating enters the server goes through one ingest with the same hooks (issue 23
item 1): an HTTP upload, a phone rating, `kiosk-server import` and `kiosk-server defaults
run` each open the 差评's case, count in the figures at once, queue the alert and the export
record (under the channel the rating was given on), and `export file` writes the month."""
import csv
import io
import json
import uuid
from datetime import datetime, timedelta, timezone

import requests

from server.db import rollups, stats
from sync.wire import BATCH_PATH
from sync.wire.qr_token import make_qr_url
from tests.helpers.databases import run_cli

HALL_TZ = timezone(timedelta(hours=8))
PJQD = {"kiosk": "4", "phone": "3", "default": "7"}  # provincial.json channel codes


def _rows(store, sql, params=()):
    with store.transaction(write=False) as tx:
        return tx.all(sql, list(params))


def _export(db, months) -> dict[str, dict]:
    """`export file` of the months, as JSON records by 办件编号 (bjbh)."""
    out = {}
    for month in sorted(months):
        text = run_cli(db, "export", "file", "--target", "provincial", "--month", month,
                       "--format", "json")
        out.update({r["bjbh"]: r for r in json.loads(text)})
    return out


def test_every_entry_path_runs_the_same_hooks(server, device, http, make_rating, db,
                                             tmp_path):
    run_cli(db, "alerts", "set", "--hall", "hall01", "webhook", "--url",
            "http://127.0.0.1:9/alerts")
    run_cli(db, "export", "set-target", "prov", "--mapping", "provincial", "--url",
            "http://127.0.0.1:9/export", "--region", "440305")
    now = datetime.now(timezone.utc)
    # 1. the kiosk's upload: a 差评, and a not-rated case of three days ago
    upload = make_rating(level=1, reasons=["attitude"], ticket="U001", case_id="CU1",
                         rated_at=now.isoformat())
    unrated = make_rating(level=0, ticket="U002", case_id="CU2",
                          rated_at=(now - timedelta(days=3)).isoformat())
    resp = http.post(server.url + BATCH_PATH, json={"ratings": [upload, unrated]})
    assert [r["status"] for r in resp.json()["results"]] == ["accepted", "accepted"]
    # 2. a phone rating through the QR code
    today = now.astimezone(HALL_TZ).date()
    url = make_qr_url(server.url, device.device_id, device.qr_key, "P001", "CP1", 600,
                      window=3, day=today)
    assert requests.post(url, data={"level": "2", "reasons": ["efficiency"]},
                         timeout=10).status_code == 200
    # 3. a kiosk export file carried on a USB stick, one row marked as given by phone
    imported = make_rating(level=2, reasons=["competence"], ticket="I001", case_id="CI1",
                           rated_at=now.isoformat())
    by_phone = make_rating(level=5, ticket="I002", case_id="CI2", rated_at=now.isoformat())
    buf = io.StringIO()
    fields = [*imported, "channel"]
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writeheader()
    writer.writerow({**imported, "reasons": "competence", "channel": ""})
    writer.writerow({**by_phone, "reasons": "", "channel": "phone"})
    (tmp_path / "w03.csv").write_text(buf.getvalue(), encoding="utf-8")
    out = run_cli(db, "import", str(tmp_path / "w03.csv"), "--json")
    assert json.loads(out)["accepted"] == 2
    # 4. the unrated case becomes a 系统默认评价 after one natural day
    run_cli(db, "policy", "set", "*", "--default-mode", "natural", "--default-days", "1")
    assert run_cli(db, "defaults", "run").strip() == "1 default ratings made"

    store = server.store
    stored = {r[0]: (r[1], r[2]) for r in _rows(
        store, "SELECT uuid, source, case_key FROM ratings WHERE superseded = 0")}
    phone_uuid = next(u for u, (source, _k) in stored.items() if source == "phone"
                      and u != by_phone["uuid"])
    default_uuid = next(u for u, (source, _k) in stored.items() if source == "default")
    channel = {upload["uuid"]: "kiosk", phone_uuid: "phone", imported["uuid"]: "kiosk",
               by_phone["uuid"]: "phone", default_uuid: "default"}
    bad = [upload["uuid"], phone_uuid, imported["uuid"]]

    # cases: one per 差评, whichever way it came
    cases = json.loads(run_cli(db, "cases", "list", "--json"))
    assert sorted(c["rating_uuid"] for c in cases) == sorted(bad)
    # alerts: queued for each 差评
    alerts = {r[0] for r in _rows(store, "SELECT rating_uuid FROM outbox WHERE kind = "
                                         "'alert'")}
    assert alerts == set(bad)
    # export queue: every counted rating, once, for the target
    queued = [r[0] for r in _rows(store, "SELECT rating_uuid FROM outbox WHERE kind = "
                                         "'export' AND state <> 'cancelled'")]
    assert sorted(queued) == sorted(channel)
    # figures: the roll-ups count every path at once, exactly as a rebuild from the ratings
    live = rollups.snapshot(store)
    rollups.rebuild(store)
    assert rollups.snapshot(store) == live
    first = (now - timedelta(days=4)).astimezone(HALL_TZ).date()
    figures = stats.totals(store, {"hall01"}, first, today + timedelta(days=1))
    assert (figures.rated, figures.bad, figures.unrated) == (5, 3, 0)
    # export file: each record under the channel it was given on
    months = {first.strftime("%Y-%m"), today.strftime("%Y-%m")}
    records = _export(db, months)
    got = {}
    for rating_uuid, (_source, key) in stored.items():
        case_no = {upload["uuid"]: "CU1", imported["uuid"]: "CI1", by_phone["uuid"]: "CI2",
                   phone_uuid: "CP1", default_uuid: "CU2"}.get(rating_uuid)
        if case_no:
            got[rating_uuid] = records[case_no]["pjqd"]
    assert got == {u: PJQD[c] for u, c in channel.items()}
    # audit: the import and the default run are on record, as the other admin actions
    actions = [r[0] for r in _rows(store, "SELECT action FROM audit_log")]
    assert "ratings.import" in actions and "rating.default" in actions


def test_a_store_nobody_wired_refuses_to_store_ratings(tmp_path):
    """A new entry path that forgets the hooks fails loudly instead of storing 差评 with no
    case, no figures and no export."""
    import pytest

    from server.db.ratings import NotWired
    from server.db.store import open_store
    from sync.wire import RatingWire

    store = open_store(tmp_path / "bare.db")
    rating = RatingWire(uuid=uuid.uuid4(), level=1, reasons=["attitude"], window=1,
                        ticket="A001", device_id="d1", rated_at=datetime.now(timezone.utc))
    with pytest.raises(NotWired):
        store.ingest([rating])
    assert store.count() == 0
    store.close()


def test_ratings_an_older_server_imported_export_as_kiosk_ratings(server, device, db):
    """An older `kiosk-server import` stored its ratings under source 'import', which no
    mapping has a code for: `export file` failed for the whole month. They were all given at
    a kiosk, and export so."""
    from sync.wire import RatingWire

    now = datetime.now(timezone.utc)
    rating = RatingWire(uuid=uuid.uuid4(), level=4, window=3, ticket="L001", case_id="CL1",
                        device_id=device.device_id, rated_at=now)
    [result] = server.store.ingest([rating], source="import")  # as the old importer did
    assert result.status == "accepted"
    records = _export(db, {now.astimezone(HALL_TZ).strftime("%Y-%m")})
    assert records["CL1"]["pjqd"] == PJQD["kiosk"]
