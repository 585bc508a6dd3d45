"""Property (issue 13 item 3): whatever JSON reaches the wire models (batch envelope, single
ratings, heartbeat, enrolment, device config), the server answers with a 2xx or a 4xx with a
reason, never a 5xx; and a valid rating sent beside any junk item is still stored."""
import json
import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import edge
from server.runner import ServerThread
from sync.wire import BATCH_PATH
from tests.helpers.databases import PgSchema, pg_unreachable_reason
from tests.server.conftest import ADMIN_TOKEN

scalars = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
           | st.sampled_from(["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+08:00",
                              "2024-05-01T08:00:00Z", "\x00", "\ud800", "1e309", "A012"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                           max_leaves=12)
FIELDS = ["uuid", "level", "reasons", "window", "staff_id", "ticket", "case_id", "item_code",
          "device_id", "rated_at", "boot_id", "mono_s", "case_key"]


def valid(device_id: str) -> dict:
    return {"uuid": str(uuid.uuid4()), "level": 4, "window": 3, "ticket": "A012",
            "device_id": device_id, "rated_at": "2024-05-01T08:00:00Z", "boot_id": "b0",
            "mono_s": 1.0}


# A rating with some of its fields replaced by arbitrary JSON (closer to the model than a
# random dict, so the validators past the first field get exercised too).
mutated = st.builds(lambda changes: changes, st.dictionaries(st.sampled_from(FIELDS),
                                                             json_values, max_size=4))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory):
    """Both stores: PostgreSQL refuses NUL in text, SQLite's driver refuses surrogates."""
    schema = None
    if request.param == "postgresql":
        reason = pg_unreachable_reason()
        if reason:
            pytest.skip(reason)
        schema = PgSchema()
    db = schema.url if schema else tmp_path_factory.mktemp("prop") / "s.db"
    srv = ServerThread(db, schema=schema and schema.name, open_ingest=True,
                       admin_token=ADMIN_TOKEN).start()
    yield srv
    srv.stop()
    if schema:
        schema.drop()


def _post(url: str, body) -> requests.Response:
    """As an open-ingest kiosk (no token), so every item reaches the judge."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return requests.post(url, data=data, headers={"Content-Type": "application/json"},
                         timeout=10)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(change=mutated, envelope=st.dictionaries(
    st.sampled_from(["device_now", "boot_id", "mono_s"]), json_values, max_size=3))
def test_batch_with_a_junk_rating_never_5xx_and_keeps_the_good_one(live, change, envelope):
    good = valid("prop-dev")
    resp = _post(live.url + BATCH_PATH,
                 {"ratings": [good, {**valid("prop-dev"), **change}], **envelope})
    assert resp.status_code < 500, resp.text
    if resp.status_code == 200:
        assert resp.json()["results"][0]["status"] == "accepted"
        assert live.store.get_rating(good["uuid"], "prop-dev") is not None
    else:
        assert resp.status_code in (400, 422) and resp.json()["error"]


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=json_values, path=st.sampled_from([
    BATCH_PATH, "/api/v1/enrol", "/api/v1/device/heartbeat", "/api/v1/admin/enrol-codes",
    "/api/v1/admin/device-config"]))
def test_any_json_to_any_wire_model_is_never_5xx(live, body, path, monkeypatch_module):
    send = requests.put if path.endswith("device-config") else requests.post
    data = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    resp = send(live.url + path, data=data, timeout=10,
                headers={"Content-Type": "application/json",
                         "Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert resp.status_code < 500, resp.text


@pytest.fixture(scope="module")
def monkeypatch_module():
    """Enrolment junk from one address would hit the rate limit's slow-down (test_edge.py)."""
    mp = pytest.MonkeyPatch()
    for prefix in list(edge.RATE_LIMITS):
        mp.setitem(edge.RATE_LIMITS, prefix, edge.Rate(soft=10**6, hard=10**6))
    yield mp
    mp.undo()
