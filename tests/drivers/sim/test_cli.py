"""The queue-system simulator command: scripts, every dialect, a kiosk link on the other end."""

import pytest
from click.testing import CliRunner

from drivers.events import Call, Done
from drivers.factory import make_link
from drivers.sim.cli import simulate
from drivers.sim.script import ScriptError, parse_script
from drivers.sim.session import SimSession
from tests.waiting import link_events, wait_for

SCRIPT = "0.1 LOGIN S1001\n0.1 CALL A023\n0.2 DONE A023 C1 11410000\n"


def test_script_parses_commands_delays_and_addresses():
    steps = parse_script("# demo\n0.5 CALL A023 @3\n\n1 DONE A023 C1\n2 WAIT\n")
    assert [(s.delay_s, s.event, s.address) for s in steps] == [
        (0.5, Call("A023"), 3), (1.0, Done("A023", "C1"), None), (2.0, None, None)]


@pytest.mark.parametrize("line, word", [("x CALL A1", "delay"), ("1 FLY", "unknown command"),
                                        ("1 CALL a1", "ticket"), ("1 DONE", "arguments"),
                                        ("1 CALL A1 @x", "@ADDRESS")])
def test_bad_script_lines_name_the_line(line, word):
    with pytest.raises(ScriptError, match=word):
        parse_script("0 WAIT\n" + line)


@pytest.mark.parametrize("dialect", ["line", "frame"])
def test_scripted_session_drives_a_kiosk_link(dialect):
    session = SimSession(dialect, window=5, addresses=[5], poll_s=0.05).start()
    link = make_link(dialect, session.port_paths[0], window=5, address=5)
    link.start()
    try:
        wait_for(lambda: link.state.value == "connected")
        from drivers.sim.script import play
        play(parse_script(SCRIPT), session.send, sleep=lambda s: None)
        events = link_events(link, 3)
        assert [type(e).__name__ for e in events] == ["Login", "Call", "Done"]
        link.report_rated("A023", 4)
        heard = wait_for(lambda: None if session.heard.empty() else session.heard.get())
        assert "A023" in heard and "4" in heard
    finally:
        link.stop()
        session.stop()


def test_caller68_session_shows_tickets_and_hears_keys():
    session = SimSession("caller68", addresses=[1]).start()
    link = make_link("caller68", session.port_paths[0], window=1, address=1)
    link.start()
    try:
        wait_for(lambda: link.state.value == "connected")
        from drivers.events import StaffAction
        link.staff_action(StaffAction.NEXT)
        assert link_events(link, 1) == [Call("001")]
        session.poll_caller_keys()
        assert session.heard.get(timeout=10) == "key next"
    finally:
        link.stop()
        session.stop()


def test_simulate_command_plays_a_script_and_prints_the_port(tmp_path):
    script = tmp_path / "s.txt"
    script.write_text(SCRIPT)
    result = CliRunner().invoke(simulate, ["--script", str(script), "--window", "5",
                                           "--linger", "0"])
    assert result.exit_code == 0, result.output
    assert "queue system (line) on: /dev/pts/" in result.output
    assert "script done: 3 messages sent" in result.output


def test_simulate_rejects_a_bad_script_with_usage_error(tmp_path):
    script = tmp_path / "s.txt"
    script.write_text("soon CALL A1\n")
    result = CliRunner().invoke(simulate, ["--script", str(script)])
    assert result.exit_code == 2 and "line 1" in result.output


def test_simulate_help_documents_the_script_format():
    result = CliRunner().invoke(simulate, ["--help"])
    text = " ".join(result.output.split())
    assert "DONE A023 C1 11410000" in text and "socket://HOST:PORT" in text
