"""Issue 23.6: a step form submitted after someone else moved the case records nothing. Two hall
supervisors open the same case; the first records 核实, the second's note (written for 核实) is
refused with who moved the case and when, and is not saved as 已整改. Two submissions at the
same moment: exactly one is recorded. The CLI's --step refuses the same way. Both stores."""
import re
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from server.cli import main
from server.db import users
from tests.server.console.conftest import PASSWORD, console_both, csrf_in, login  # noqa: F401
from tests.server.figures.helpers import add_device, rating

HALL_TZ = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def case_id(console_both):  # noqa: F811
    """A 差评 case at H01 window 1, and a second supervisor of H01 (陈主任)."""
    store = console_both.store
    with store.transaction() as tx:
        users.add(tx, "sup1b", "陈主任", PASSWORD, "hall_supervisor", "H01")
    dev = add_device(store, "H01", 1)
    when = (datetime.now(timezone.utc) - timedelta(minutes=2)).isoformat()
    bad = rating(dev, 1, when, ticket="S001", case_key=f"stale/{uuid.uuid4().hex}")
    store.ingest([bad])
    with store.transaction(write=False) as tx:
        return tx.one("SELECT id FROM cases WHERE rating_uuid = ?", [str(bad.uuid)])[0]


def open_form(session, server, case_id):
    """The case page as a supervisor's browser has it: (csrf token, the form's step)."""
    html = session.get(f"{server.url}/console/cases/{case_id}").text
    step = re.search(r'<form[^>]*id="step-form".*?name="step" value="([^"]*)"', html, re.S)
    return csrf_in(html), step.group(1) if step else ""


def submit(session, server, case_id, form, note):
    token, step = form
    return session.post(f"{server.url}/console/cases/{case_id}/advance", allow_redirects=False,
                        data={"csrf_token": token, "step": step, "note": note})


def steps_of(store, case_id):
    with store.transaction(write=False) as tx:
        state = tx.one("SELECT state FROM cases WHERE id = ?", [case_id])[0]
        rows = tx.all("SELECT step, done_by, note, done_at FROM case_steps WHERE case_id = ? "
                      "ORDER BY seq", [case_id])
    return state, [tuple(r) for r in rows]


def test_a_stale_form_saves_nothing_and_says_who_moved_the_case(console_both, case_id):  # noqa: F811,E501
    server = console_both
    zhang, chen = login(server, "sup1"), login(server, "sup1b")
    form_zhang, form_chen = open_form(zhang, server, case_id), open_form(chen, server, case_id)
    assert submit(zhang, server, case_id, form_zhang, "核实：属实，态度生硬").status_code == 303
    r = submit(chen, server, case_id, form_chen, "核实：已调监控")
    state, steps = steps_of(server.store, case_id)
    assert [(s[0], s[1], s[2]) for s in steps] == [("verify", "user:sup1", "核实：属实，态度生硬")]
    assert state == "rectify" and r.status_code == 409, r.text[:300]
    assert form_zhang[1] == form_chen[1] == "verify"
    moved_at = datetime.fromisoformat(steps[0][3].replace("Z", "+00:00"))
    error = re.search(r'<span class="error" role="alert">([^<]*)</span>', r.text).group(1)
    assert "未保存" in error and "张主任" in error and "整改中" in error
    assert moved_at.astimezone(HALL_TZ).strftime("%Y-%m-%d %H:%M") in error
    assert "核实：已调监控" in r.text            # the note is kept in the form, not saved
    assert f'name="step" value="rectify"' in r.text   # the form now says the current step

    # A form without its step (a page from before the field) is refused too.
    r = chen.post(f"{server.url}/console/cases/{case_id}/advance", allow_redirects=False,
                  data={"csrf_token": form_chen[0], "note": "整改：无步骤"})
    assert r.status_code == 400 and steps_of(server.store, case_id)[0] == "rectify"

    # Both open the 整改 form and submit at the same moment: one wins, one is refused.
    forms = [open_form(s, server, case_id) for s in (zhang, chen)]
    assert [f[1] for f in forms] == ["rectify", "rectify"]
    start, answers = threading.Barrier(2), {}

    def go(name, session, form):
        start.wait()
        answers[name] = submit(session, server, case_id, form, f"整改：{name}").status_code

    threads = [threading.Thread(target=go, args=(n, s, f))
               for n, s, f in (("zhang", zhang, forms[0]), ("chen", chen, forms[1]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers.values()) == [303, 409], answers
    state, steps = steps_of(server.store, case_id)
    winner = next(n for n, code in answers.items() if code == 303)
    assert state == "answer"
    assert [(s[0], s[2]) for s in steps[1:]] == [("rectify", f"整改：{winner}")]


def test_the_cli_refuses_a_step_the_case_has_left(console_both, case_id):  # noqa: F811
    server = console_both
    db = f"{server.db}?options=-csearch_path%3D{server.schema}" if server.schema \
        else str(server.db_path)
    state, before = steps_of(server.store, case_id)
    assert state == "answer"
    result = CliRunner().invoke(main, ["cases", "advance", case_id, "--by", "sup1b", "--note",
                                       "整改：命令行", "--step", "rectify", "--db", db])
    assert result.exit_code == 1
    assert "no longer at step rectify but answer: user:" in result.output
    assert "nothing was saved" in result.output
    assert steps_of(server.store, case_id) == (state, before)
    result = CliRunner().invoke(main, ["cases", "advance", case_id, "--by", "sup1b", "--note",
                                       "已电话回访", "--step", "answer", "--db", db])
    assert result.exit_code == 0, result.output
    assert steps_of(server.store, case_id)[0] == "closed"


def blocked_on_a_lock(url: str, timeout: float = 30.0) -> bool:
    """True once some PostgreSQL backend waits on a lock for an UPDATE of cases."""
    import time

    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                            "'Lock' AND query LIKE 'UPDATE cases SET state%'").fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def test_the_move_is_a_compare_and_set_in_the_store(wired, people, db):
    """The second submission read 待核实 before the first committed: on PostgreSQL its UPDATE
    waits on the row and then finds the state changed; on SQLite it waits for the writer.
    Either way it is refused with who moved the case, and only the first step is stored."""
    from server.db.base import utc_iso
    from server.workflow import cases
    from tests.server.workflow.conftest import at
    from tests.server.workflow.conftest import rating as wire_rating

    wired.ingest([wire_rating(wired.device_id, level=1)], now=at(2025, 9, 26, 8))
    with wired.transaction(write=False) as tx:
        cid = tx.one("SELECT id FROM cases")[0]
    outcome = {}

    def second():
        try:
            cases.advance(wired, cid, people["sup2"], "核实：第二份", expected="verify")
            outcome["saved"] = True
        except cases.StaleStep as exc:
            outcome["refused"] = exc

    thread = threading.Thread(target=second)
    with wired.transaction() as tx:   # the first submission, holding the row until commit
        assert tx.q("UPDATE cases SET state = 'rectify' WHERE id = ? AND state = 'verify'",
                    [cid]).rowcount == 1
        cases._add_step(tx, cid, "verify", people["sup"], "核实：第一份", utc_iso())
        thread.start()
        if db[1]:
            assert blocked_on_a_lock(db[0]), "the second UPDATE never waited on the row"
    thread.join(timeout=60)
    refused = outcome.get("refused")
    assert refused is not None and "saved" not in outcome
    assert (refused.by, refused.state) == ("user:zhao", "rectify")
    state, steps = steps_of(wired, cid)
    assert state == "rectify" and [(s[0], s[2]) for s in steps] == [("verify", "核实：第一份")]
