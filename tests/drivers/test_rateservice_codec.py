"""RateService JSON as JackQChen/QueueSystem writes and reads it (RateService/RateService/
Service.cs, RateService/Doc/RateDebug.html): exact method and parameter names."""
import json

import pytest

from drivers import rateservice_codec as rc


def test_login_and_submit_carry_the_services_parameter_names():
    assert json.loads(rc.encode(rc.Login("3", "0101"))) == {
        "method": "Login", "param": {"winNum": "3", "userCode": "0101"}}
    assert json.loads(rc.encode(rc.submit("20171229211602", 4))) == {
        "method": "RateSubmit", "param": {"rateId": "20171229211602", "attitude": "4",
                                          "quality": "4", "efficiency": "4", "honest": "4"}}


def test_the_services_pushes_and_answers_decode():
    # Service.cs: RequestData{method, param} with the RateMessage's fields, as
    # JavaScriptSerializer writes them (it escapes < > & and may escape CJK as \\uXXXX).
    pushed = ('{"method":"RateQuest","param":{"rateId":"20171229211602","transactor":"\\u5f20",'
              '"item":"测试办理事项","date":"2018/1/2","reserveSeq":null}}')
    assert rc.decode(pushed) == rc.RateQuest("20171229211602", "张", "测试办理事项", "2018/1/2", "")
    assert rc.decode('{"method":"RateOperate","param":{"operate":"Reset"}}') == rc.RateOperate(
        "Reset")
    answer = rc.decode('{"request":"RateSubmit","code":"1003","result":"评价失败!"}')
    assert answer == rc.Response("RateSubmit", rc.SUBMIT_FAILED, "评价失败!") and not answer.ok
    # The service matches methods without case; so does the kiosk.
    assert rc.decode('{"method":"ratequest","param":{"rateId":"7"}}') == rc.RateQuest("7")


def test_a_submit_as_the_debug_page_sends_it_round_trips():
    text = json.dumps({"method": "RateSubmit", "param": {"rateId": "x1", "attitude": "5",
                                                         "quality": 4, "efficiency": "3",
                                                         "honest": "2"}})
    assert rc.decode(text) == rc.RateSubmit("x1", 5, 4, 3, 2)
    assert rc.decode(rc.encode(rc.RateSubmit("x1", 5, 4, 3, 2))) == rc.RateSubmit("x1", 5, 4, 3, 2)


@pytest.mark.parametrize("text", [
    "not json", "[1, 2]", '{"method": "Login"}', '{"method": "RateQuest", "param": {}}',
    '{"method": "RateOperate", "param": {"operate": "Stop"}}',
    '{"method": "RateSubmit", "param": {"rateId": "1", "attitude": "6", "quality": "1", '
    '"efficiency": "1", "honest": "1"}}',
    '{"method": "GetWindowList"}', '{"method": "RateQuest", "param": "x"}', b"\xff\xfe"])
def test_anything_else_is_dropped_with_a_reason(text):
    dropped = rc.decode(text)
    assert isinstance(dropped, rc.Dropped) and dropped.reason


def test_every_level_scores_all_four_dimensions_alike():
    assert [rc.scores(level) for level in (1, 3, 5)] == [(1, 1, 1, 1), (3, 3, 3, 3), (5, 5, 5, 5)]
    with pytest.raises(ValueError):
        rc.scores(0)
