"""Hypothesis: whatever text or JSON RateService (or anything on that port) sends, the decoder
returns a message or Dropped, never raises; a well-formed RateQuest always decodes."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import rateservice_codec as rc

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=20))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
methods = st.sampled_from(["Login", "RateQuest", "RateSubmit", "RateOperate", "RateRequest",
                           "ratequest", "x", ""])
keys = st.sampled_from(["winNum", "userCode", "rateId", "transactor", "item", "date",
                        "reserveSeq", "attitude", "quality", "efficiency", "honest", "operate"])


@FUZZ
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_noise_never_raises(text):
    assert rc.decode(text) is not None


@FUZZ
@given(methods, st.dictionaries(keys, values, max_size=12), values)
def test_any_json_request_decodes_or_is_dropped(method, param, extra):
    for body in ({"method": method, "param": param}, {"method": method, "param": extra},
                 {"request": method, "code": extra, "result": param}, extra):
        msg = rc.decode(json.dumps(body))
        assert msg is not None and type(msg).__module__ in (rc.__name__, "drivers.framing")


@FUZZ
@given(st.text(min_size=1, max_size=40), st.text(max_size=40), st.text(max_size=40))
def test_a_rate_quest_always_decodes(rate_id, transactor, item):
    text = json.dumps({"method": "RateQuest", "param": {
        "rateId": rate_id, "transactor": transactor, "item": item, "date": "2026-12-07",
        "reserveSeq": None}}, ensure_ascii=False)
    assert rc.decode(text) == rc.RateQuest(rate_id, transactor, item, "2026-12-07", "")
