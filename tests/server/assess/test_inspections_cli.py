"""`kiosk-server user add --role inspector` and `kiosk-server inspections list|decide` on both
stores, as an admin runs them: JSON lines for scripts, text for people, a clean refusal (no
traceback) for a record that is not there or not theirs, and the decision audited."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from server.assess import inspections as insp
from server.assess import scheme, store as assess_store
from server.cli import main
from server.console.sample import SHEET
from server.db import org_io, users
from tests.helpers.databases import cli_db


def run(db, *args, lang="C", stdin=None):
    env = {"LANG": lang, "LC_ALL": lang, "LC_MESSAGES": lang}
    return CliRunner().invoke(main, [*args, "--db", cli_db(db)], env=env, input=stdin,
                              catch_exceptions=False)


def test_add_an_inspector_then_list_and_decide(db, store):
    doc = org_io.parse_csv(SHEET, org_io.load(store))
    with store.transaction() as tx:
        org_io.apply(tx, doc)
        assess_store.set_scheme(tx, "440305", "2026-01", scheme.preset("shangjie"), "test")
    got = run(db, "user", "add", "insp1", "--role", "inspector", "--scope", "440305",
              "--name", "督察员甲", "--password-stdin", stdin="correct-horse-battery\n")
    assert got.exit_code == 0, got.output
    account = users.get(store, "insp1")
    assert (account.role, account.scope) == ("inspector", "440305")
    assert run(db, "user", "add", "insp2", "--role", "inspector", "--scope", "H01",
               "--password-stdin", stdin="correct-horse-battery\n").exit_code != 0
    now = datetime.now(timezone.utc)
    who = insp.who_of(store, account)
    with store.transaction() as tx:
        row, _ = insp.record(tx, who, "H01", "社保", 1, "S001",
                             "sj_badge", None, 2, now - timedelta(hours=1), "未佩戴工作证")
    month = insp.month_of(now - timedelta(hours=1))
    lines = run(db, "inspections", "list", "--month", month, "--json").output.splitlines()
    assert [json.loads(x)["id"] for x in lines] == [row["id"]]
    text = run(db, "inspections", "list", "--hall", "H01").output
    assert row["id"] in text and "sj_badge ×2" in text and "recorded" in text
    assert run(db, "inspections", "list", "--hall", "H02").output.strip() == "no 督察 records"

    refused = run(db, "inspections", "decide", row["id"], "upheld", "--note", "x")
    assert refused.exit_code != 0 and "cannot be upheld now" in refused.output
    missing = run(db, "inspections", "decide", "nope", "withdrawn", "--note", "x")
    assert missing.exit_code != 0 and "No such record" in missing.output
    mine = run(db, "inspections", "decide", row["id"], "withdrawn", "--note", "x", "--by",
               "insp1")
    assert mine.exit_code != 0 and "Traceback" not in mine.output
    got = run(db, "inspections", "decide", row["id"], "withdrawn", "--note", "记错了窗口")
    assert got.exit_code == 0 and got.output.strip() == f"record {row['id']}: withdrawn"
    zh = run(db, "inspections", "list", "--state", "withdrawn", lang="zh_CN.UTF-8")
    assert row["id"] in zh.output
    with store.transaction(write=False) as tx:
        entry = tx.one("SELECT actor, detail FROM audit_log WHERE action = 'inspection.decide'")
    assert entry[0].startswith("cli:") and json.loads(entry[1])["note"] == "记错了窗口"
