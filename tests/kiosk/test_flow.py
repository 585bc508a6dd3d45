"""The flow state machine driven without a screen, with injected time and a real SQLite store."""
from datetime import date

import pytest

from drivers.events import (
    Call,
    Done,
    LinkChanged,
    LinkState,
    Login,
    Logout,
    Pause,
    Recall,
    Resume,
    StaffAction,
    Waiting,
)
from kiosk.flow import Flow, Mode, Timing
from sync.outbox import Store


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t

    def advance(self, seconds):
        self.t += seconds


class QueueSide:
    """Records what the flow tells the queue system, in order."""

    def __init__(self):
        self.sent = []

    def request_next(self):
        self.sent.append(("NEXT",))

    def staff_action(self, action):
        self.sent.append(("KEY", action.value))

    def report_rated(self, ticket, level):
        self.sent.append(("RATED", ticket, level))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "kiosk.db")
    yield s
    s.close()


@pytest.fixture
def queue_side():
    return QueueSide()


@pytest.fixture
def flow(store, queue_side, clock):
    return Flow(store, queue_side, window=5, device_id="dev-1",
                timing=Timing(rating_s=30, reasons_s=20, thanks_s=3),
                reasons=("attitude", "efficiency", "other"), clock=clock,
                today=lambda: date(2026, 11, 22))


def test_done_pops_rating_then_tap_stores_and_thanks(flow, store, queue_side, clock):
    flow.handle(Login("S1001"))
    flow.handle(Done("A023", "C1", "11410000"))
    assert flow.state.mode is Mode.RATING
    assert flow.remaining() == 30
    assert flow.tap_level(4)
    assert flow.state.mode is Mode.THANKS
    [row] = store.all()
    assert (row["level"], row["ticket"], row["case_id"], row["item_code"], row["staff_id"],
            row["window"], row["device_id"]) == (4, "A023", "C1", "11410000", "S1001", 5, "dev-1")
    assert row["rated_at"].endswith("Z") and row["sync_state"] == "pending"
    assert queue_side.sent == [("RATED", "A023", 4)]
    clock.advance(3)
    flow.tick()
    assert flow.state.mode is Mode.IDLE


def test_rating_is_committed_before_thanks_is_shown(flow, store):
    seen = []
    flow.subscribe(lambda st: seen.append((st.mode, store.count())))
    flow.handle(Done("A1"))
    flow.tap_level(5)
    assert (Mode.THANKS, 1) in seen
    assert all(count == 1 for mode, count in seen if mode is Mode.THANKS)


def test_timeout_records_not_rated_and_returns_to_idle(flow, store, queue_side, clock):
    flow.handle(Done("A2"))
    clock.advance(29.9)
    flow.tick()
    assert flow.state.mode is Mode.RATING
    clock.advance(0.2)
    flow.tick()
    assert flow.state.mode is Mode.IDLE
    assert [r["level"] for r in store.all()] == [0]
    assert queue_side.sent == [("RATED", "A2", 0)]


def test_second_done_for_a_rated_case_is_ignored(flow, store, clock):
    flow.handle(Done("A3", "C3"))
    flow.tap_level(3)
    clock.advance(5)
    flow.tick()
    flow.handle(Done("A3", "C3"))
    assert flow.state.mode is Mode.IDLE
    assert store.count() == 1


def test_second_done_for_a_timed_out_case_is_ignored(flow, store, clock):
    flow.handle(Done("A4"))
    clock.advance(31)
    flow.tick()
    flow.handle(Done("A4"))
    assert flow.state.mode is Mode.IDLE and store.count() == 1


def test_repeated_done_while_rating_does_not_restart_countdown(flow, clock):
    flow.handle(Done("A5"))
    clock.advance(10)
    flow.handle(Done("A5"))
    assert flow.remaining() == 20


def test_one_case_one_rating_survives_a_restart(tmp_path, queue_side, clock):
    path = tmp_path / "k.db"
    first = Flow(Store(path), queue_side, 5, "d", clock=clock, today=lambda: date(2026, 11, 22))
    first.handle(Done("A6", "C6"))
    first.tap_level(5)
    second = Flow(Store(path), queue_side, 5, "d", clock=clock, today=lambda: date(2026, 11, 22))
    second.handle(Done("A6", "C6"))
    assert second.state.mode is Mode.IDLE


def test_same_ticket_on_another_day_is_a_new_case(tmp_path, queue_side, clock):
    path = tmp_path / "k.db"
    day = [date(2026, 11, 22)]
    flow = Flow(Store(path), queue_side, 5, "d", clock=clock, today=lambda: day[0])
    flow.handle(Done("A7"))
    flow.tap_level(5)
    day[0] = date(2026, 11, 23)
    flow.handle(Done("A7"))
    assert flow.state.mode is Mode.RATING


def test_bad_review_asks_reasons_and_stores_them(flow, store, queue_side):
    flow.handle(Done("A8", "C8"))
    flow.tap_level(2)
    assert flow.state.mode is Mode.REASONS and store.count() == 0
    assert flow.submit_reasons(["attitude", "other", "not-offered"])
    [row] = store.all()
    assert row["level"] == 2 and row["reasons"] == ["attitude", "other"]
    assert queue_side.sent == [("RATED", "A8", 2)]
    assert flow.state.mode is Mode.THANKS


def test_skipping_reasons_still_stores_the_bad_review(flow, store):
    flow.handle(Done("A9"))
    flow.tap_level(1)
    flow.submit_reasons([])
    assert [(r["level"], r["reasons"]) for r in store.all()] == [(1, [])]


def test_reasons_timeout_keeps_the_chosen_level(flow, store, clock):
    flow.handle(Done("A10"))
    flow.tap_level(1)
    clock.advance(21)
    flow.tick()
    assert [(r["level"], r["reasons"]) for r in store.all()] == [(1, [])]
    assert flow.state.mode is Mode.IDLE


def test_new_done_while_rating_closes_the_old_case_as_not_rated(flow, store):
    flow.handle(Done("B1"))
    flow.handle(Done("B2"))
    assert [(r["ticket"], r["level"]) for r in store.all()] == [("B1", 0)]
    assert flow.state.mode is Mode.RATING and flow.state.case.ticket == "B2"


def test_tap_with_no_case_pending_does_nothing(flow, store, queue_side):
    assert not flow.tap_level(5)
    assert not flow.submit_reasons(["attitude"])
    assert store.count() == 0 and queue_side.sent == []


def test_queue_events_update_what_the_idle_screen_shows(flow):
    flow.handle(Login("S7"))
    flow.handle(Call("A11"))
    assert (flow.state.staff_id, flow.state.calling, flow.state.call_count) == ("S7", "A11", 1)
    flow.handle(Recall("A11"))
    assert flow.state.call_count == 2
    flow.handle(Pause())
    assert flow.state.paused
    flow.handle(Resume())
    assert not flow.state.paused
    flow.handle(Logout())
    assert flow.state.staff_id is None
    flow.handle(LinkChanged(LinkState.CONNECTED))
    assert flow.state.link is LinkState.CONNECTED


def test_next_button_tells_the_queue_system(flow, queue_side):
    flow.press_next()
    assert queue_side.sent == [("NEXT",)]


def test_rating_records_boot_clock_for_server_side_correction(flow, store):
    flow.handle(Done("A12"))
    flow.tap_level(5)
    [row] = store.all()
    assert row["mono_s"] > 0 and len(row["boot_id"]) == 36


def test_evaluate_key_pops_rating_for_the_ticket_being_served(flow, store, queue_side):
    flow.handle(Call("A13"))
    assert flow.staff_action(StaffAction.EVALUATE)
    assert flow.state.mode is Mode.RATING and flow.state.case.ticket == "A13"
    assert queue_side.sent == [("KEY", "evaluate")]
    flow.tap_level(5)
    assert store.all()[0]["ticket"] == "A13"


def test_evaluate_key_with_no_ticket_tells_the_clerk_and_passes_the_key_on(flow, queue_side,
                                                                            clock):
    """No rating screen, a short notice for a few seconds; the key still goes to the driver
    (caller68's host expects every key; line and frame drop it)."""
    from kiosk.flow import NO_TICKET, NOTICE_S

    assert not flow.staff_action(StaffAction.EVALUATE)
    assert flow.state.mode is Mode.IDLE and queue_side.sent == [("KEY", "evaluate")]
    assert flow.state.notice == NO_TICKET
    clock.advance(NOTICE_S - 0.1)
    flow.tick()
    assert flow.state.notice == NO_TICKET
    clock.advance(0.2)
    flow.tick()
    assert flow.state.notice is None


def test_call_strip_clears_when_the_case_ends(flow, clock):
    flow.handle(Call("A15"))
    flow.handle(Done("A15"))
    assert flow.state.calling == "A15"
    flow.tap_level(5)
    assert flow.state.calling is None, "the case is done: its call leaves the strip"
    flow.handle(Call("A16"))
    flow.handle(Done("A15-late"))
    clock.advance(60)
    flow.tick()  # timed out: not rated, still ends the case; A16's call stays
    assert flow.state.calling == "A16"


def test_evaluate_key_twice_for_the_same_case_asks_once(flow, store, clock):
    flow.handle(Call("A14"))
    flow.staff_action(StaffAction.EVALUATE)
    assert not flow.staff_action(StaffAction.EVALUATE)  # already rating
    flow.tap_level(4)
    clock.advance(5)
    flow.tick()
    flow.staff_action(StaffAction.EVALUATE)  # same ticket, already rated today
    assert flow.state.mode is Mode.IDLE and store.count() == 1


def test_pause_and_resume_keys_show_and_tell(flow, queue_side):
    flow.staff_action(StaffAction.PAUSE)
    assert flow.state.paused
    flow.staff_action(StaffAction.RESUME)
    assert not flow.state.paused
    flow.staff_action(StaffAction.NEXT)
    assert queue_side.sent == [("KEY", "pause"), ("KEY", "resume"), ("NEXT",)]


def test_waiting_count_is_shown(flow):
    flow.handle(Waiting(12))
    assert flow.state.waiting == 12


# -- issue 23.3: an unrated case's phone QR code does not outlive its citizen ---------------
def _walked_away(flow, clock, ticket="A7"):
    from kiosk.ui.qr import case_of

    flow.handle(Call(ticket))
    flow.handle(Done(ticket, "C7"))
    clock.advance(30.1)
    flow.tick()  # the citizen walked away: not rated
    assert flow.state.mode is Mode.IDLE and case_of(flow.state) == (ticket, "C7")


def test_the_next_call_takes_the_last_cases_qr_code_off_the_screen(flow, clock):
    from kiosk.ui.qr import case_of

    _walked_away(flow, clock)
    flow.handle(Recall("A7"))  # calling the same citizen back keeps it
    assert case_of(flow.state) == ("A7", "C7")
    flow.handle(Call("A8"))    # the next citizen is at the window: it goes
    assert case_of(flow.state) is None
    clock.advance(1)
    flow.tick()
    assert case_of(flow.state) is None


def test_a_recall_of_another_ticket_also_takes_it_off(flow, clock):
    from kiosk.ui.qr import case_of

    _walked_away(flow, clock)
    flow.handle(Recall("A6"))
    assert case_of(flow.state) is None


def test_with_no_next_call_the_qr_code_goes_after_qr_show_s(flow, clock):
    from kiosk.ui.qr import case_of

    _walked_away(flow, clock)
    clock.advance(179)
    flow.tick()
    assert case_of(flow.state) == ("A7", "C7")
    clock.advance(1.1)
    flow.tick()
    assert case_of(flow.state) is None


def test_the_qr_code_never_stays_past_its_codes_validity(store, queue_side, clock):
    from kiosk.ui.qr import case_of

    flow = Flow(store, queue_side, window=5, device_id="dev-1", clock=clock,
                timing=Timing(rating_s=100, qr_show_s=600, qr_valid_s=160))
    flow.handle(Done("A9", "C9"))
    clock.advance(100.1)
    flow.tick()
    assert case_of(flow.state) == ("A9", "C9")
    clock.advance(59)  # 159.1 s after the case began: the code is still valid
    flow.tick()
    assert case_of(flow.state) == ("A9", "C9")
    clock.advance(1)
    flow.tick()
    assert case_of(flow.state) is None
