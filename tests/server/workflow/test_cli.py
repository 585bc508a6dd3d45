"""The workflow from the terminal: holidays load, policy set, cases list/show/advance/digest,
appeals file/decide, defaults run; refusals are one-line errors with exit 1, never a trace."""
import json

from click.testing import CliRunner

from server.cli import main
from tests.server.workflow.conftest import db_with_one_case


def run(db, *args):
    result = CliRunner().invoke(main, [*args, "--db", db], catch_exceptions=False)
    return result.exit_code, result.output


def test_the_workflow_from_the_terminal(tmp_path):
    db = str(tmp_path / "server.db")
    device, bad = db_with_one_case(db)

    code, out = run(db, "policy", "set", "region:131000", "--rectify-days", "5")
    assert code == 0 and "rectify 5" in out
    code, out = run(db, "policy", "set", "hall:hall01", "--verify-days", "9")
    assert code == 1 and "verify_days <= rectify_days" in out and "Traceback" not in out
    csv = tmp_path / "2027.csv"
    csv.write_text("date,kind,note\n2027-01-01,holiday,元旦\n2027-02-07,workday,春节调休\n",
                   encoding="utf-8")
    code, out = run(db, "holidays", "load", str(csv))
    assert code == 0 and "loaded 2027: 1 holidays, 1 make-up" in out
    csv.write_text("2027-01-01,holiday\n2027-02-30,holiday\n", encoding="utf-8")
    code, out = run(db, "holidays", "load", str(csv))
    assert code == 1 and "line 2" in out and "nothing loaded" in out

    code, out = run(db, "cases", "list", "--json")
    [case] = json.loads(out)
    assert case["state"] == "verify" and case["due_day"] == "2025-09-29"
    code, out = run(db, "cases", "list", "--by", "wang")
    assert code == 1 and "window staff" in out
    code, out = run(db, "cases", "advance", case["id"], "--by", "wang", "--note", "x")
    assert code == 1 and "supervisor" in out
    code, out = run(db, "cases", "advance", case["id"], "--by", "zhao", "--note", "核实属实")
    assert (code, out.strip()) == (0, f"{case['id']}: now rectify")
    code, out = run(db, "cases", "show", case["id"])
    assert "verify by user:zhao" in out and "核实属实" in out and "ticket A012" in out
    code, out = run(db, "cases", "digest", "--json")
    digest = json.loads(out)
    assert digest["open"] == 1 and len(digest["overdue"]) == 1   # 2025 is long past
    # Verified in 2026, the rectify step (due 2025) was overdue at once: escalated then.
    assert digest["escalated_now"] == []
    assert digest["overdue"][0]["escalated_to"] == "region_admin"

    code, out = run(db, "appeals", "file", str(bad.uuid), "--by", "zhao", "--kind",
                    "malicious", "--reason", "恶意", "--json")
    appeal = json.loads(out)
    code, out = run(db, "appeals", "decide", appeal["id"], "--by", "zhao", "--approve",
                    "--note", "mine")
    assert code == 1 and "you filed this appeal" in out
    code, out = run(db, "appeals", "decide", appeal["id"], "--by", "zhou", "--approve",
                    "--note", "属实")
    assert (code, out.strip()) == (0, f"appeal {appeal['id']} approved")
    assert run(db, "cases", "list")[1].strip() == "no cases"
    code, out = run(db, "defaults", "run")
    assert (code, out.strip()) == (0, "0 default ratings made")
    code, out = run(db, "audit", "verify")
    assert code == 0


def test_holidays_status_says_when_deadlines_stop_and_what_to_load(tmp_path):
    db = str(tmp_path / "server.db")
    code, out = run(db, "holidays", "status", "--today", "2026-11-25")
    assert code == 0
    assert "from 2026-12-11 (in 16 days) they get none" in out
    assert "WARNING: load the State Council's 2027 schedule" in out
    assert "kiosk-server holidays load FILE" in out
    code, out = run(db, "holidays", "status", "--today", "2026-11-10", "--json")
    s = json.loads(out)
    assert code == 0 and (s["year"], s["last_safe"], s["warn"]) == (2027, "2026-12-10", False)
    csv = tmp_path / "part.csv"
    csv.write_text("2027-01-01,holiday,元旦\n", encoding="utf-8")
    assert run(db, "holidays", "load", str(csv))[0] == 0
    code, out = run(db, "holidays", "status", "--today", "2026-11-25")
    assert code == 0 and "WARNING" not in out and "first year nobody knows: 2028" in out
    assert "note: the table lists only 1 holidays for 2027" in out
