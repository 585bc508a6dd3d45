"""[rating] trigger (issue 29): which of the queue's DONE and the business system's 请评价 opens
the rating screen, and under `both` one visit gets one rating carrying the 办件编号."""
from datetime import date

from drivers.events import Call, Done
from kiosk.flow import MATCH_S, Flow, Mode, Timing
from sync.prompts import Prompt
from tests.kiosk.test_flow import QueueSide, clock, store  # noqa: F401 - fixtures

PROMPT = Prompt("330100202611020001", "330100-000-XK-001", "城乡居民基本养老保险参保登记",
                staff_id="1024")


def make(store, clock, trigger):
    flow = Flow(store, QueueSide(), window=5, device_id="dev-1",
                timing=Timing(rating_s=30, reasons_s=20, thanks_s=3), clock=clock,
                today=lambda: date(2026, 11, 22))
    flow.apply_settings((), 30, trigger)
    return flow


def rated(store):
    return [(r["ticket"], r["case_id"], r["item_code"], r["level"], r["staff_id"])
            for r in store.pending(50)]


def test_queue_trigger_ignores_the_business_system(store, clock):
    flow = make(store, clock, "queue")
    flow.handle(PROMPT)
    assert flow.state.mode is Mode.IDLE
    flow.handle(Done("A023"))
    assert flow.state.mode is Mode.RATING


def test_business_trigger_opens_on_the_prompt_only(store, clock):
    flow = make(store, clock, "business")
    flow.handle(Call("A023"))
    flow.handle(Done("A023"))
    assert flow.state.mode is Mode.IDLE  # the queue's DONE is recorded, no screen
    flow.handle(PROMPT)
    assert flow.state.mode is Mode.RATING and flow.state.case.item_name == PROMPT.item_name
    flow.tap_level(5)
    assert rated(store) == [("A023", PROMPT.case_no, PROMPT.item_code, 5, "1024")]
    flow.handle(PROMPT)  # the same 办件 again: rated once (一次一评)
    assert flow.state.mode is Mode.THANKS


def test_both_done_first_then_prompt_is_one_rating_with_the_case_no(store, clock):
    flow = make(store, clock, "both")
    flow.handle(Call("A023"))
    flow.handle(Done("A023"))
    assert flow.state.mode is Mode.RATING and flow.state.case.case_id is None
    clock.advance(2)
    flow.handle(PROMPT)  # the screen is up: it now rates this 办件
    assert flow.state.case.case_id == PROMPT.case_no
    assert flow.state.case.item_name == PROMPT.item_name
    flow.tap_level(4)
    assert rated(store) == [("A023", PROMPT.case_no, PROMPT.item_code, 4, "1024")]


def test_both_prompt_first_then_done_is_one_rating(store, clock):
    flow = make(store, clock, "both")
    flow.handle(Call("A023"))
    flow.handle(PROMPT)
    assert flow.state.mode is Mode.RATING
    clock.advance(1)
    flow.handle(Done("A023"))  # the same visit: no second screen
    flow.tap_level(5)
    clock.advance(3)
    flow.tick()
    flow.handle(Done("A023"))  # a repeated DONE changes nothing
    assert flow.state.mode is Mode.IDLE
    assert rated(store) == [("A023", PROMPT.case_no, PROMPT.item_code, 5, "1024")]


def test_both_prompt_after_the_quick_rating_is_not_shown_again_but_linked(store, clock):
    flow = make(store, clock, "both")
    linked = []
    flow.on_linked = lambda case_no, uuid: linked.append((case_no, uuid))
    flow.handle(Done("A023"))
    flow.tap_level(5)
    clock.advance(MATCH_S / 2)
    flow.handle(PROMPT)
    assert flow.state.mode is Mode.THANKS and len(rated(store)) == 1
    # the server is told which rating was that 办件's visit: its export gets the 办件编号
    assert linked == [(PROMPT.case_no, store.pending(5)[0]["uuid"])]


def test_both_far_apart_are_two_visits(store, clock):
    flow = make(store, clock, "both")
    flow.handle(Done("A023"))
    flow.tap_level(5)
    clock.advance(MATCH_S + 5)
    flow.tick()
    flow.handle(PROMPT)
    assert flow.state.mode is Mode.RATING and flow.state.case.case_id == PROMPT.case_no
