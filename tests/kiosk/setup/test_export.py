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
    assert rows[0][0] == "uuid" and len(rows) == 5
    assert run("export", "--config", path, "-o", tmp_path / "w05.xls", code=2)


def test_import_of_an_unreadable_file_exits_2(tmp_path):
    garbage = tmp_path / "ratings.json"
    garbage.write_bytes(b"\xff\xfe not json")
    result = CliRunner().invoke(import_ratings, [str(garbage), "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 2 and "cannot read" in result.output
