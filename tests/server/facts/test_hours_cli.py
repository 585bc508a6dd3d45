"""`kiosk-server hours set/show/list` on both stores, as an admin runs it: JSON for scripts,
Chinese for a Chinese shell, a clean refusal for a bad span; the hours then drive the facts."""
import json

from click.testing import CliRunner

from server.cli import main
from server.db.store import open_store
from server.facts import refresh
from tests.helpers import service_events
from tests.helpers.databases import cli_db


def run(db, *args, lang="C"):
    env = {"LANG": lang, "LC_ALL": lang, "LC_MESSAGES": lang}
    return CliRunner().invoke(main, [*args, "--db", cli_db(db)], env=env,
                              catch_exceptions=False)


def test_set_show_and_list_hours(db):
    got = run(db, "hours", "show", "H9", "--json")
    assert got.exit_code == 0, got.output
    shown = json.loads(got.output)
    assert shown["hours"]["mon"] == ["09:00-12:00", "13:30-17:30"]
    assert shown["empty_minutes"] == 15 and "郑州" in shown["source"]

    got = run(db, "hours", "set", "hall:H9", "--spans", "08:30-12:00,14:00-18:00",
              "--empty-minutes", "20", "--json")
    assert got.exit_code == 0, got.output
    got = run(db, "hours", "set", "hall:H9", "--days", "sat", "--spans", "09:00-12:00")
    assert got.exit_code == 0 and "Sat 09:00-12:00" in got.output, got.output
    shown = json.loads(run(db, "hours", "show", "H9", "--json").output)
    assert shown["scope"] == "hall:H9" and shown["empty_minutes"] == 20
    assert shown["hours"]["fri"] == ["08:30-12:00", "14:00-18:00"]
    assert shown["hours"]["sat"] == ["09:00-12:00"] and "sun" not in shown["hours"]
    listed = json.loads(run(db, "hours", "list", "--json").output)
    assert [r["scope"] for r in listed] == ["hall:H9"]
    assert json.loads(run(db, "hours", "show", "H8", "--json").output)["scope"] == "default"


def test_bad_hours_are_refused_cleanly(db):
    for args in (["--spans", "12:00-09:00"], ["--spans", "9-12"], ["--days", "xyz",
                                                                    "--spans", "09:00-10:00"],
                 ["--empty-minutes", "0"], ["--spans", "09:00-12:00,11:00-13:00"]):
        got = run(db, "hours", "set", "hall:H9", *args)
        assert got.exit_code != 0 and "Traceback" not in got.output, (args, got.output)
        assert got.output.startswith("Error:"), got.output
    assert run(db, "hours", "set", "bogus", "--empty-minutes", "5").exit_code != 0


def test_hours_in_chinese(db):
    got = run(db, "hours", "show", "H9", lang="zh_CN.UTF-8")
    assert got.exit_code == 0 and "分钟计空岗" in got.output, got.output


def test_changed_hours_recompute_facts_already_computed(db):
    store = open_store(db[0], schema=db[1])
    try:
        day = "2026-12-01"
        # Up at 08:30, signed in at 08:55: no 空岗 by the default hours (09:00 on).
        service_events.insert(store, "H9", 1, service_events.day_script(day))
        now = service_events.local("2026-12-02 12:00")
        from datetime import date
        refresh.refresh(store, "H9", date(2026, 12, 1), date(2026, 12, 1), now=now)
        rows, _ = refresh.read(store, {"H9"}, date(2026, 12, 1), date(2026, 12, 1))
        assert rows[0][3]["empty"] == []
        assert run(db, "hours", "set", "hall:H9", "--spans",
                   "08:00-12:00,13:30-17:30").exit_code == 0
        refresh.refresh(store, "H9", date(2026, 12, 1), date(2026, 12, 1), now=now)
        rows, _ = refresh.read(store, {"H9"}, date(2026, 12, 1), date(2026, 12, 1))
        assert [e["minutes"] for e in rows[0][3]["empty"]] == [25.0]  # 08:30 to 08:55
    finally:
        store.close()



def test_bad_hours_are_refused_in_chinese(db):
    """As an admin's shell runs it: the console script in a subprocess under a Chinese LANG."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8"}
    script = Path(sys.executable).with_name("kiosk-server")
    for args, says in ((["--spans", "12:00-09:00"], "时段的结束须晚于开始"),
                       (["--empty-minutes", "0"], "空岗阈值须为 1 到 240 分钟")):
        got = subprocess.run([str(script), "hours", "set", "hall:H9", *args, "--db",
                              cli_db(db)], env=env, capture_output=True, text=True, timeout=60)
        assert got.returncode != 0 and says in got.stderr, got.stderr
