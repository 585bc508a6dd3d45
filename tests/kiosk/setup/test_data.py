"""status, sync, export -> `kiosk-server import`, reset and monitor, against real peers."""
from __future__ import annotations

import csv
import json
import threading

from click.testing import CliRunner

from drivers.events import Call, Done
from kiosk import config
from server.db.importer import import_ratings
from sync.outbox import NewRating, Store
from tests.kiosk.setup.conftest import run, write_config


def _ratings(cfg, n: int, day: str = "2026-01-10") -> list[dict]:
    store = Store(cfg.db_path)
    try:
        return [store.record(NewRating(level=1 + i % 5, window=5, ticket=f"A{i:03d}",
                                       case_key=f"k{i}", device_id=cfg.device.id,
                                       reasons=["attitude"] if i % 5 in (0, 1) else [],
                                       rated_at=f"{day}T0{i % 10}:00:00.000Z"))
                for i in range(n)]
    finally:
        store.close()


def _kiosk(tmp_path, **sections):
    path = write_config(tmp_path / "kiosk.toml", device={"id": "hall01-w05",
                                                         "data_dir": str(tmp_path / "data")},
                        window={"number": 5}, **sections)
    return path, config.load(path)


def test_status_reports_link_backlog_and_last_rating(tmp_path, queue_sim):
    path, cfg = _kiosk(tmp_path, queue={"url": queue_sim.port_path})
    _ratings(cfg, 3)
    info = json.loads(run("status", "--config", path, "--json").output)
    assert info["device_id"] == "hall01-w05" and info["version"]
    assert info["link"] == {"url": queue_sim.port_path, "dialect": "line", "opens": True,
                            "error": None}
    assert info["backlog"] == 3 and info["last_sync"] is None and not info["enrolled"]
    assert info["last_rating"]["ticket"] == "A002"
    text = run("status", "--config", path).output
    assert "backlog:     3 pending" in text and "opens" in text
    assert "events:      0 pending, 0 refused" in text and info["events_backlog"] == 0


def test_status_doctor_and_sync_count_and_upload_pending_service_events(tmp_path, server,
                                                                        enrol_code):
    path = tmp_path / "kiosk.toml"
    run("init", "--config", path, "--yes", "--server-url", server.url, "--code", enrol_code(),
        "--pin", "2580", "--data-dir", tmp_path / "data", "--language", "en", "--no-doctor")
    cfg = config.load(path)
    _ratings(cfg, 2)
    store = Store(cfg.db_path)
    store.bind_device(cfg.device.id, cfg.window.number)
    for i in range(3):
        store.record_event("called", ticket=f"A{i:03d}")
    store.close()
    info = json.loads(run("status", "--config", path, "--json").output)
    assert (info["backlog"], info["events_backlog"]) == (2, 3)
    assert "events:      3 pending, 0 refused" in run("status", "--config", path).output
    doctor = run("doctor", "--config", path, "--listen", 0, code=None).output
    assert "3 service event(s) wait too" in doctor
    text = run("sync", "--config", path).output
    assert "uploaded 2, 0 left pending" in text
    assert "uploaded 3 service event(s), 0 left pending" in text
    from server.db.events import list_events

    assert sorted(e["ticket"] for e in list_events(server.store)) == ["A000", "A001", "A002"]
    info = json.loads(run("status", "--config", path, "--json").output)
    assert (info["backlog"], info["events_backlog"]) == (0, 0)
    assert "nothing to upload" in run("sync", "--config", path).output


def test_sync_uploads_the_backlog_with_the_device_token(tmp_path, server, enrol_code):
    path = tmp_path / "kiosk.toml"
    run("init", "--config", path, "--yes", "--server-url", server.url, "--code", enrol_code(),
        "--pin", "2580", "--data-dir", tmp_path / "data", "--language", "en", "--no-doctor")
    cfg = config.load(path)
    _ratings(cfg, 7)
    text = run("sync", "--config", path).output
    assert "uploaded 7, 0 left pending" in text
    assert server.store.count() == 7
    info = json.loads(run("status", "--config", path, "--json").output)
    assert info["backlog"] == 0 and info["last_sync"] and info["enrolled"]
    assert "nothing to upload" in run("sync", "--config", path).output


def test_sync_to_a_dead_server_fails_with_1_and_keeps_everything(tmp_path):
    path, cfg = _kiosk(tmp_path, server={"url": "http://127.0.0.1:9", "timeout_s": 1.0})
    _ratings(cfg, 2)
    result = run("sync", "--config", path, code=1)
    assert "failed" in result.output
    store = Store(cfg.db_path)
    assert store.backlog() == 2
    store.close()


def test_sync_before_enrolment_says_so_in_the_kiosks_language(tmp_path, server, caplog):
    path = write_config(tmp_path / "kiosk.toml",
                        device={"id": "hall01-w05", "data_dir": str(tmp_path / "data"),
                                "language": "zh_CN"},
                        window={"number": 5}, server={"url": server.url})
    _ratings(config.load(path), 2)
    result = run("sync", "--config", path, code=1)  # the server wants a device token
    assert "警告：本机未注册" in result.output and "kiosk-setup init --code" in result.output
    assert "uploading without a device token" not in result.output + caplog.text
    store = Store(config.load(path).db_path)
    assert store.backlog() == 2
    store.close()


def test_export_csv_and_json_then_import_is_idempotent(tmp_path):
    path, cfg = _kiosk(tmp_path)
    _ratings(cfg, 4, day="2026-01-10")
    _ratings(cfg, 2, day="2026-02-20")
    out_csv = tmp_path / "usb" / "w05.csv"
    out_csv.parent.mkdir()
    run("export", "--config", path, "-o", out_csv)
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert len(rows) == 6 and rows[0]["device_id"] == "hall01-w05"
    assert rows[0]["reasons"] == "attitude" and rows[0]["sync_state"] == "pending"
    out_json = tmp_path / "usb" / "feb.json"
    run("export", "--config", path, "-o", out_json, "--since", "2026-02-01",
        "--until", "2026-02-28")
    doc = json.loads(out_json.read_text())
    assert doc["format"] == "kiosk-ratings/1" and len(doc["ratings"]) == 2

    db = tmp_path / "server.db"
    runner = CliRunner()
    first = runner.invoke(import_ratings, [str(out_csv), "--db", str(db), "--json"])
    assert first.exit_code == 0, first.output
    counts = json.loads(first.output[first.output.index("{"):])
    assert (counts["accepted"], counts["duplicate"], counts["invalid"]) == (6, 0, [])
    again = runner.invoke(import_ratings, [str(out_json), "--db", str(db), "--json"])
    counts = json.loads(again.output[again.output.index("{"):])
    assert (counts["accepted"], counts["duplicate"]) == (0, 2), "imported once, by uuid"


def test_import_lists_invalid_rows_and_exits_1(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("uuid,level,reasons,window,ticket,device_id,rated_at\n"
                   "not-a-uuid,9,,5,A1,d1,2026-01-01T00:00:00Z\n")
    result = CliRunner().invoke(import_ratings, [str(bad), "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 1 and "line 2:" in result.output and "0 stored" in result.output


def test_reset_refuses_unsynced_ratings_without_force(tmp_path):
    path, cfg = _kiosk(tmp_path)
    _ratings(cfg, 2)
    result = run("reset", "--config", path, "--yes", code=1)
    assert "2 rating(s) are not uploaded" in result.output and cfg.db_path.exists()
    run("reset", "--config", path, input="n\n", code=1)  # said no: aborted, nothing wiped
    assert cfg.db_path.exists()
    run("reset", "--config", path, "--force", input="y\n")
    assert not any((tmp_path / "data").iterdir())
    assert path.exists(), "the config stays"


def test_monitor_prints_decoded_traffic_with_timestamps(tmp_path, queue_sim):
    path, _ = _kiosk(tmp_path, queue={"url": queue_sim.port_path})

    def talk():
        queue_sim.send(Call("A023"))
        queue_sim.send_bytes(b"CALL,6,B001\r\n")
        queue_sim.send(Done("A023", "C1"))

    timer = threading.Timer(0.3, talk)
    timer.start()
    result = run("monitor", "--config", path, "--count", 3, "--seconds", 10, "--json")
    timer.join()
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [m["kind"] for m in lines] == ["CALL", "CALL", "DONE"]
    assert lines[0]["detail"] == {"ticket": "A023"} and lines[0]["ours"]
    assert not lines[1]["ours"] and lines[2]["detail"]["case_id"] == "C1"
    assert all("T" in m["time"] for m in lines)


def test_monitor_on_a_missing_port_exits_1(tmp_path):
    path, _ = _kiosk(tmp_path, queue={"url": str(tmp_path / "gone")})
    result = run("monitor", "--config", path, "--seconds", 1, code=1)
    assert "does not exist" in result.output
