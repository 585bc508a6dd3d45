"""`kiosk-setup export` lands where it says or refuses: no folders made, no stick no file,
real XLSX; `kiosk-server import` of an unreadable file exits 2."""
from __future__ import annotations

from click.testing import CliRunner

from kiosk.setup import export as export_mod
from server.db.importer import import_ratings
from tests.kiosk.setup.conftest import run
from tests.kiosk.setup.test_data import _kiosk, _ratings


def test_a_missing_folder_is_not_created(tmp_path):
    path, cfg = _kiosk(tmp_path)
    _ratings(cfg, 3)
    target = tmp_path / "nonexistent" / "dir" / "x.csv"
    result = run("export", "--config", path, "-o", target, code=1)
    assert "does not exist" in result.output and "nothing was written" in result.output
    assert "wrote" not in result.output
    assert not (tmp_path / "nonexistent").exists()


def test_under_a_media_root_the_stick_must_be_mounted(tmp_path, monkeypatch):
    path, cfg = _kiosk(tmp_path)
    _ratings(cfg, 2)
    media = tmp_path / "media"
    (media / "usb").mkdir(parents=True)  # the mount point's folder, with no stick in it
    monkeypatch.setattr(export_mod, "REMOVABLE_ROOTS", (str(media), "/dev"))
    result = run("export", "--config", path, "-o", media / "usb" / "w05.csv", code=1)
    assert "nothing is mounted" in result.output and not (media / "usb" / "w05.csv").exists()
    # /dev/shm is a mounted file system: a stick that is in.
    target = "/dev/shm/kiosk-export-test.csv"
    try:
        result = run("export", "--config", path, "-o", target)
        assert "wrote 2 rating(s)" in result.output
    finally:
        import os

        if os.path.exists(target):
            os.unlink(target)


def test_xlsx_is_a_real_workbook(tmp_path):
    from openpyxl import load_workbook

    path, cfg = _kiosk(tmp_path)
    _ratings(cfg, 4)
    target = tmp_path / "w05.xlsx"
    run("export", "--config", path, "-o", target)
    assert target.read_bytes()[:2] == b"PK", "a zip container, not CSV under that name"
    sheet = load_workbook(target).active
    rows = list(sheet.values)
    assert rows[0][0] == "Rated at (local time)" and "uuid" in rows[0] and len(rows) == 5
    assert run("export", "--config", path, "-o", tmp_path / "w05.xls", code=2)


def test_import_of_an_unreadable_file_exits_2(tmp_path):
    garbage = tmp_path / "ratings.json"
    garbage.write_bytes(b"\xff\xfe not json")
    result = CliRunner().invoke(import_ratings, [str(garbage), "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 2 and "cannot read" in result.output


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value) -> bool:
    """Text a spreadsheet would run as a formula (a plain number such as -3 is a number)."""
    import re

    return isinstance(value, str) and value.startswith(FORMULA_START) \
        and not re.fullmatch(r"[+-]?\d+(\.\d+)?", value)


def test_export_cells_are_formula_safe_and_import_reads_them_back(tmp_path):
    """Wire fields may start with '-' (a ticket -2-3 opens as =-2-3 = -5 in Excel): the CSV
    and XLSX write such text with a leading quote, XLSX as string cells, numbers as numbers;
    `kiosk-server import` of the CSV stores the values as the kiosk had them."""
    import csv

    from openpyxl import load_workbook

    from server.db.store import open_store
    from sync.outbox import NewRating, Store

    path, cfg = _kiosk(tmp_path)
    store = Store(cfg.db_path)
    try:
        store.record(NewRating(level=1, window=5, ticket="-2-3", case_key="k1",
                               device_id=cfg.device.id, staff_id="-S017",
                               case_id="-A.1", item_code="-RES", reasons=["attitude"],
                               rated_at="2026-01-10T08:00:00.000Z", mono_s=12.5))
    finally:
        store.close()
    run("export", "--config", path, "-o", tmp_path / "w05.csv")
    run("export", "--config", path, "-o", tmp_path / "w05.xlsx")
    with (tmp_path / "w05.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [k for k, v in rows[0].items() if formula_like(v)] == []
    assert rows[0]["ticket"] == "'-2-3" and rows[0]["mono_s"] == "12.5"
    sheet = load_workbook(tmp_path / "w05.xlsx").active
    header, values = [c for c in sheet.iter_rows(min_row=1, max_row=1, values_only=True)][0], \
        list(sheet.iter_rows(min_row=2, max_row=2))[0]
    by_name = dict(zip(header, values))
    assert all(c.data_type != "f" and not formula_like(c.value) for c in values)
    assert by_name["ticket"].data_type == "s" and by_name["ticket"].value == "'-2-3"
    assert by_name["level"].data_type == "n" and by_name["mono_s"].value == 12.5

    db = tmp_path / "server.db"
    result = CliRunner().invoke(import_ratings, [str(tmp_path / "w05.csv"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    server = open_store(str(db))
    try:
        with server.transaction(write=False) as tx:
            stored = tx.one("SELECT ticket, staff_id, case_id, item_code FROM ratings")
    finally:
        server.close()
    assert tuple(stored) == ("-2-3", "-S017", "-A.1", "-RES")
