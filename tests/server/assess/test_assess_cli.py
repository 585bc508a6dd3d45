"""`kiosk-server assess ...` on both stores as an admin runs it: presets, a scheme set from a
preset and from a file (a wrong field named, in Chinese under a Chinese LANG), the month's
scores as text and JSON, the close (refused while a record is contested, then --force)."""
from __future__ import annotations

import json
import uuid

import pytest
from click.testing import CliRunner

from server.assess import scheme

from server.cli import main
from server.db import org
from server.db.store import open_store
from tests.helpers.databases import cli_db
from tests.server.test_cli_chinese import english_left


def run(db, *args, lang="C"):
    env = {"LANG": lang, "LC_ALL": lang, "LC_MESSAGES": lang}
    db_args = [] if "--help" in args else ["--db", cli_db(db)]
    return CliRunner().invoke(main, [*map(str, args), *db_args], env=env,
                              catch_exceptions=False, prog_name="kiosk-server")


@pytest.fixture
def hall(db):
    store = open_store(db[0], schema=db[1])
    try:
        with store.transaction() as tx:
            org.put_region(tx, org.Region("410106", "上街区"))
            org.put_hall(tx, org.Hall("HA", "上街区行政服务中心", "410106"))
            for n, d in enumerate(["市公安局", "市税务局"], start=1):
                org.put_window(tx, org.Window("HA", n, f"窗口{n}", d))
            tx.q('INSERT INTO inspections (id, hall, department, item, kind, count, '
                 "occurred_at, note, recorded_by, recorded_at, state) VALUES "
                 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 [uuid.uuid4().hex, "HA", "市税务局", "sj_empty", "deduction", 3,
                  "2026-10-12T02:00:00.000Z", "空岗", "user:du", "2026-10-12T02:00:00.000Z",
                  "contested"])
    finally:
        store.close()
    return db


def test_presets_scheme_score_and_close(hall, tmp_path):
    got = run(hall, "assess", "presets", "--json")
    assert got.exit_code == 0 and [p["preset"] for p in json.loads(got.output)] == [
        "jining", "shangjie", "zhumadian"]
    got = run(hall, "assess", "scheme", "set", "410106", "--preset", "shangjie", "--from",
              "2026-10")
    assert got.exit_code == 0 and "410106 is scored by 上街式优质服务窗口评选 from 2026-10" in \
        got.output, got.output
    shown = json.loads(run(hall, "assess", "scheme", "show", "HA", "--month", "2026-10",
                           "--json").output)
    assert shown["scope"] == "410106" and shown["scheme"]["awards"]["quality"]["max"] == 5
    got = run(hall, "assess", "score", "HA", "2026-10", "--json")
    scored = {u["department"]: u for u in json.loads(got.output)["units"]}
    assert scored["市税务局"]["score"] == 94 and scored["市公安局"]["score"] == 100
    text = run(hall, "assess", "score", "HA", "2026-10").output
    assert "  1     100  HA/市公安局  Quality window" in text and "94  HA/市税务局" in text
    got = run(hall, "assess", "close", "HA", "2026-10")
    assert got.exit_code != 0 and "1 督察 records of the period are still contested" in \
        got.output
    got = run(hall, "assess", "close", "HA", "2026-10", "--force", "--name", "王主任")
    assert got.exit_code == 0 and "by 王主任" in got.output, got.output
    assert json.loads(run(hall, "assess", "score", "HA", "2026-10", "--json").output)[
        "closed_by"] == "王主任"


def test_a_wrong_scheme_file_is_named_by_field_and_nothing_is_stored(hall, tmp_path):
    got = run(hall, "assess", "scheme", "show", "*", "--json")
    assert got.exit_code == 1 and "no assessment scheme is in force for *" in got.output
    data = scheme.preset("zhumadian").to_dict()
    data["items"][2]["points"] = "two"
    path = tmp_path / "scheme.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    got = run(hall, "assess", "scheme", "set", "HA", path, "--from", "2026-10")
    assert got.exit_code != 0 and "items[2].points: a number is expected" in got.output
    got = run(hall, "assess", "scheme", "set", "HA", path, "--from", "2026-10",
              lang="zh_CN.UTF-8")
    assert "错误：items[2].points: 应为数字" in got.output, got.output
    got = run(hall, "assess", "scheme", "show", "HA", "--month", "2026-10")
    assert got.exit_code != 0 and "no assessment scheme is in force for HA in 2026-10" in \
        got.output
    got = run(hall, "assess", "scheme", "set", "HA", "--from", "2026-10")
    assert got.exit_code != 0 and "give a FILE or --preset NAME" in got.output


def test_every_line_is_chinese_under_a_chinese_lang(hall, tmp_path):
    zh = "zh_CN.UTF-8"
    outputs = [run(hall, "assess", "presets", lang=zh).output,
               run(hall, "assess", "scheme", "set", "HA", "--preset", "zhumadian", "--from",
                   "2026-09", lang=zh).output,
               run(hall, "assess", "scheme", "show", "HA", "--month", "2026-10", lang=zh).output,
               run(hall, "assess", "score", "HA", "2026-10", lang=zh).output,
               run(hall, "assess", "score", "HA", "2026-Q5", lang=zh).output,
               run(hall, "assess", "close", "HA", "2026-10", lang=zh).output,
               run(hall, "assess", "close", "HA", "2999-01", lang=zh).output,
               run(hall, "assess", "close", "HA", "2026-10", "--force", lang=zh).output,
               run(hall, "assess", "scheme", "set", "nowhere", "--preset", "jining", "--from",
                   "2026-09", lang=zh).output,
               run(hall, "assess", "--help", lang=zh).output]
    text = "\n".join(outputs)
    assert "红旗" in text and "关账" in text and "没有大厅或地区 nowhere" in text
    # keys of items (zmd_*) and values are verbatim; no English sentence is left
    assert english_left(text) == [], text
