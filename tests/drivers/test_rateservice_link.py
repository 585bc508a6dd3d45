"""The RateService link against the emulated service on loopback (a real WebSocket server)."""
import time

import pytest

from drivers import rateservice_link
from drivers.events import Done, LinkChanged, LinkState, Pause, Resume
from drivers.rateservice_link import RateServiceLink
from drivers.sim.rateservice import RateServiceEmulator, Stored
from drivers import rateservice_codec as rc
from tests.waiting import link_events, next_event, wait_for


@pytest.fixture
def service():
    emu = RateServiceEmulator(users={"3": {"0101"}}).start()
    yield emu
    emu.stop()


@pytest.fixture
def evaluator(service):
    link = RateServiceLink(service.url, "3", "0101")
    link.start()
    wait_for(lambda: link.state is LinkState.CONNECTED)
    yield link
    link.stop()


def test_a_rate_quest_is_a_completed_case_and_its_rating_is_submitted(service, evaluator):
    assert service.quest("3", "20171229211602", transactor="张三", item="测试办理事项",
                         date="2018-01-02", reserve_seq="R7") == 1
    done = next_event(evaluator)
    assert done == Done("20171229211602", "20171229211602", None, item_name="测试办理事项")
    assert "张三" not in repr(done) and "R7" not in repr(done)  # nobody's name goes further
    evaluator.report_rated(done.ticket, 2)
    wait_for(lambda: service.stored)
    assert service.stored == [Stored("3", "0101", rc.RateSubmit("20171229211602", 2, 2, 2, 2))]


def test_a_rate_id_that_is_no_ticket_still_submits_under_its_own_id(service, evaluator):
    service.quest("3", "hd-2026/00042 号")
    done = next_event(evaluator)
    assert done.ticket == "HD-202600042" and done.case_id is None
    evaluator.report_rated(done.ticket, 5)
    wait_for(lambda: service.stored)
    assert service.stored[0].submit.rate_id == "hd-2026/00042 号"


def test_an_unrated_case_or_one_the_service_never_asked_for_submits_nothing(service, evaluator):
    service.quest("3", "A1")
    done = next_event(evaluator)
    evaluator.report_rated(done.ticket, 0)
    evaluator.report_rated("B2", 5)   # started on the kiosk, not by a RateQuest
    service.quest("3", "A3")
    evaluator.report_rated(next_event(evaluator).ticket, 4)
    wait_for(lambda: service.stored)
    time.sleep(0.3)
    assert [s.submit.rate_id for s in service.stored] == ["A3"]


def test_pause_resume_and_reset(service, evaluator):
    for operate in ("Pause", "Resume", "Pause", "Reset"):
        service.operate("3", operate)
    assert link_events(evaluator, 4) == [Pause(), Resume(), Pause(), Resume()]


def test_quests_for_other_windows_do_not_reach_this_one(service, evaluator):
    assert service.quest("4", "X1") == 0
    service.quest("3", "X2")
    assert next_event(evaluator).case_id == "X2"


def test_a_submit_the_service_failed_to_store_is_sent_again_a_bounded_number_of_times(
        service, evaluator, monkeypatch):
    monkeypatch.setattr(rateservice_link, "RETRY_AFTER_S", 0.05)
    service.fail_submits = 1
    service.quest("3", "F1")
    evaluator.report_rated(next_event(evaluator).ticket, 3)
    wait_for(lambda: service.stored)
    assert [s.submit.rate_id for s in service.stored] == ["F1"]
    service.fail_submits = 10
    service.quest("3", "F2")
    evaluator.report_rated(next_event(evaluator).ticket, 3)
    wait_for(lambda: evaluator.refused == 1)
    assert service.fail_submits == 10 - rateservice_link.SUBMIT_TRIES
    assert [s.submit.rate_id for s in service.stored] == ["F1"]


def test_reconnects_after_the_service_restarts_and_sends_what_waited(service, evaluator):
    service.quest("3", "R1")
    done = next_event(evaluator)
    service.stop()
    wait_for(lambda: evaluator.state is LinkState.DISCONNECTED)
    evaluator.report_rated(done.ticket, 5)   # rated while the service is down
    service.start()                          # same port
    wait_for(lambda: evaluator.state is LinkState.CONNECTED, timeout=20)
    wait_for(lambda: service.stored)
    assert [(s.submit.rate_id, s.submit.attitude) for s in service.stored] == [("R1", 5)]
    assert len(service.logins) == 2          # logged in again
    service.quest("3", "R2")
    assert next_event(evaluator).case_id == "R2"


def test_a_refused_login_is_a_disconnected_link(service):
    link = RateServiceLink(service.url, "3", "9999")
    link.start()
    try:
        wait_for(lambda: link.state is LinkState.DISCONNECTED)
        assert LinkChanged(LinkState.CONNECTED) not in link_events(link, 0, settle_s=0.3)
        assert service.windows() == []
    finally:
        link.stop()


def test_the_debug_login_can_push_a_quest_as_rate_debug_html_does(service, evaluator):
    from websockets.sync.client import connect

    from drivers.sim.rateservice import SERVICE_KEY

    with connect(service.url) as debug:
        debug.send(rc.encode(rc.Login(SERVICE_KEY, "QueueService")))
        assert rc.decode(debug.recv(timeout=5)).ok
        debug.send(rc.encode(rc.RateRequest("3", rc.RateQuest("D1", item="测试办理事项"))))
        assert rc.decode(debug.recv(timeout=5)) == rc.Response("RateRequest", "0", "已发送评价请求")
    assert next_event(evaluator).case_id == "D1"
