"""The kiosk's 请评价 long poll (sync/prompts.py) against a real server on loopback: a 办件 posted
while the poll is held arrives at once; with no server it falls back to short polls with
back-off and takes up the long poll again when the server is back; stop() cuts a held poll."""
from __future__ import annotations

import socket
import time

import pytest
import requests

from server.api.enrol import create_code
from server.db import business
from server.runner import ServerThread
from sync.enrol import enrol
from sync.prompts import PromptPoller
from tests.waiting import wait_for

CASE = {"case_no": "330100202611020007", "item_code": "330100-000-XK-001",
        "item_name": "不动产登记", "applicant_type": "legal", "hall": "hallP", "window": 2}


@pytest.fixture
def server(tmp_path):
    srv = ServerThread(tmp_path / "server.db", open_ingest=False).start()
    yield srv
    srv.stop()


def enrolled(server, tmp_path):
    token_file = tmp_path / "device-token.json"
    enrol(server.url, create_code(server.store, "hallP", 2).code, token_file=token_file)
    return token_file


def test_a_case_posted_during_a_held_poll_arrives_at_once(server, tmp_path):
    poller = PromptPoller(server.url, enrolled(server, tmp_path), 2, wait_s=20).start()
    _system, token = business.add_system(server.store, "平台", ["hallP"], "test")
    try:
        time.sleep(0.5)  # held
        posted = time.monotonic()
        requests.post(server.url + "/api/v1/business/cases", json=CASE, timeout=5,
                      headers={"Authorization": f"Bearer {token}"}).raise_for_status()
        prompt = poller.prompts.get(timeout=10)
        assert time.monotonic() - posted < 5  # not the end of the 20 s hold
        assert (prompt.case_no, prompt.item_name, prompt.applicant_type) == (
            CASE["case_no"], "不动产登记", "legal")
        assert poller.status()["mode"] == "long"
        stopping = time.monotonic()
    finally:
        poller.stop()
    assert time.monotonic() - stopping < 3, "stop() cut the held poll"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_server_falls_back_to_short_polls_then_long_again(tmp_path):
    port = free_port()
    srv = ServerThread(tmp_path / "server.db", open_ingest=False, port=port).start()
    token_file = enrolled(srv, tmp_path)
    srv.stop()
    poller = PromptPoller(f"http://127.0.0.1:{port}", token_file, 2, wait_s=5, poll_s=0.2)
    poller.start()
    try:
        wait_for(lambda: poller.status()["failures"] >= 2, timeout=10)
        assert poller.status()["mode"] == "poll"
        srv = ServerThread(tmp_path / "server.db", open_ingest=False, port=port).start()
        try:
            wait_for(lambda: poller.status()["mode"] == "long", timeout=15)
            _system, token = business.add_system(srv.store, "平台", ["hallP"], "test")
            requests.post(srv.url + "/api/v1/business/cases", json=CASE, timeout=5,
                          headers={"Authorization": f"Bearer {token}"}).raise_for_status()
            assert poller.prompts.get(timeout=10).case_no == CASE["case_no"]
        finally:
            poller.stop()
            srv.stop()
    finally:
        poller.stop()


def test_link_tells_the_server_which_rating_was_the_cases_visit(server, tmp_path):
    poller = PromptPoller(server.url, enrolled(server, tmp_path), 2)
    system, _token = business.add_system(server.store, "平台", ["hallP"], "test")
    business.put_case(server.store, system, dict(CASE), 60)
    poller.link(CASE["case_no"], "6f1c2a4e-9a55-4b8e-8f3d-0c2b1e5a7d90").join(10)
    case = business.get_case(server.store, CASE["case_no"], 60)
    assert (case["state"], case["rating_uuid"]) == ("rated",
                                                    "6f1c2a4e-9a55-4b8e-8f3d-0c2b1e5a7d90")
