"""Evidence of 督察 records on both stores: a 空岗 interval of the service facts made a
deduction once (a second click finds the first record; an excused interval is none), and
photos judged by their bytes, at most 2 MB, stored 0600 without their EXIF GPS or text."""
from __future__ import annotations

import io
import json
import os
import stat
from datetime import date

import pytest
from PIL import Image

from server.assess import inspections_empty, inspections_photos as photos
from server.assess.inspections import InspectionError, NotFound, Who
from server.facts import notes, refresh
from tests.helpers import service_events as se
from tests.server.assess.conftest import with_sheet

DAY = "2026-12-01"
NOW = se.local("2026-12-03 10:00")
INSPECTOR = Who("user:insp1", "inspector", frozenset({"H01"}))


@pytest.fixture
def hall(store):
    with_sheet(store)
    se.insert(store, "H01", 1, se.day_script(DAY, "S001", cases=4, pause=("10:30", "10:50")))
    se.insert(store, "H01", 2, se.day_script(DAY, "S003", cases=2, pause=("14:00", "14:40")))
    refresh.refresh(store, "H01", date(2026, 12, 1), date(2026, 12, 2), now=NOW)
    return store


def interval(store, window):
    with store.transaction(write=False) as tx:
        facts = json.loads(tx.one('SELECT facts FROM window_facts WHERE hall = ? AND '
                                  '"window" = ? AND day = ?', ["H01", window, DAY])[0])
    return facts["empty"][0]


def test_an_empty_interval_becomes_one_deduction(hall):
    start = interval(hall, 1)["start"]
    with hall.transaction() as tx:
        row, made = inspections_empty.from_interval(tx, INSPECTOR, "H01", 1, start, now=NOW)
    assert made and (row["item"], row["kind"], row["department"], row["window"],
                     row["staff_id"], row["occurred_at"], row["source"]) == (
        "sj_empty", "deduction", "社保", 1, "S001", start, "empty")
    assert row["note"] == "空岗 2026-12-01 10:30–10:50（20 分钟）"
    with hall.transaction() as tx:  # the second click
        again, made = inspections_empty.from_interval(tx, INSPECTOR, "H01", 1, start, now=NOW)
    assert not made and again["id"] == row["id"]
    with hall.transaction(write=False) as tx:
        assert tx.one("SELECT COUNT(*) FROM inspections")[0] == 1
        assert tx.one("SELECT COUNT(*) FROM audit_log WHERE action = 'inspection.record'")[0] \
            == 1


def test_an_excused_interval_is_no_deduction(hall):
    start = interval(hall, 2)["start"]
    notes.annotate(hall, "user:sup1", "H01", 2, start, True, "外出办事，主任批准")
    with hall.transaction() as tx:
        with pytest.raises(InspectionError) as caught:
            inspections_empty.from_interval(tx, INSPECTOR, "H01", 2, start, now=NOW)
    assert caught.value.field == "start" and "excused" in caught.value.message
    other = interval(hall, 1)["start"]
    with hall.transaction() as tx:
        with pytest.raises(NotFound):
            inspections_empty.from_interval(tx, INSPECTOR, "H01", 1, "2026-12-01T01:00:00.000Z",
                                            now=NOW)
        with pytest.raises(InspectionError):
            inspections_empty.from_interval(tx, Who("user:x", "inspector", frozenset({"H02"})),
                                            "H01", 1, other, now=NOW)


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"                       # Make
    exif[0x8825] = {1: "N", 2: (22.0, 32.0, 10.0)}    # GPS IFD: latitude 22°32'10" N
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, comment=b"secret place")
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "22.536N 113.93E")
    out = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 90, 200)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_a_photo_is_stored_0600_without_its_metadata(tmp_path):
    raw = jpeg_with_gps()
    assert b"PhoneMaker" in raw and b"secret place" in raw
    name = photos.save(tmp_path / "ev", raw)
    assert name.endswith(".jpg") and len(name) == 36
    path = tmp_path / "ev" / name
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data, kind = photos.load(tmp_path / "ev", name)
    assert kind == "image/jpeg" and b"PhoneMaker" not in data and b"secret place" not in data
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (64, 48) and not img.getexif()
    name = photos.save(tmp_path / "ev", png_with_text())
    data, kind = photos.load(tmp_path / "ev", name)
    assert kind == "image/png" and b"Location" not in data and name.endswith(".png")
    assert photos.load(tmp_path / "ev", "../" + name) is None


@pytest.mark.parametrize("data, why", [
    (b"GIF89a" + b"\0" * 100, "must be a JPEG or PNG image"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "must be a JPEG or PNG image"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 50, "is damaged or not a JPEG or PNG image"),
    (png_with_text()[:40], "is damaged or not a JPEG or PNG image"),
    (b"\xff\xd8\xff" + b"\0" * photos.MAX_BYTES, "is larger than {max} MB"),
])
def test_anything_else_is_refused_by_its_bytes(tmp_path, data, why):
    with pytest.raises(InspectionError) as caught:
        photos.save(tmp_path, data)
    assert (caught.value.field, caught.value.message) == ("photo", why)
    assert list(tmp_path.iterdir()) == []


def test_where_photos_live(store, tmp_path, monkeypatch):
    monkeypatch.delenv(photos.ENV, raising=False)
    place = photos.evidence_dir(store)
    if getattr(store, "path", None) is not None:   # next to the SQLite file
        assert place == store.path.with_name(store.path.name + ".evidence")
    else:                                           # PostgreSQL: the working directory
        assert place == (os.getcwd() / photos.Path("kiosk-server-evidence"))
    monkeypatch.setenv(photos.ENV, str(tmp_path / "shared"))
    assert photos.evidence_dir(store) == tmp_path / "shared"
