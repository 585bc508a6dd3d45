"""The server process makes due default ratings and escalates overdue cases by itself."""
import threading
import time

import uvicorn

from server.app import create_app
from server.workflow import case_views, jobs, policy
from server.workflow.actors import SYSTEM
from tests.server.workflow.conftest import at, rating


def test_one_round_does_both_jobs(wired, people):
    policy.set_policy(wired, "*", SYSTEM, default_mode="natural", default_days=7)
    wired.ingest([rating(wired.device_id, level=0), rating(wired.device_id, level=1)],
                 now=at(2025, 9, 26, 8))
    assert jobs.run_once(wired) == {"defaults": 1, "escalated": 1, "facts": 0}
    assert jobs.run_once(wired) == {"defaults": 0, "escalated": 0, "facts": 0}
    [case] = case_views.list_cases(wired, people["admin"])
    assert case["escalated_to"] == "region_admin"


def test_a_served_app_runs_the_jobs_in_the_background(wired, people, monkeypatch):
    monkeypatch.setenv(jobs.ENV, "0.1")
    wired.ingest([rating(wired.device_id, level=2)], now=at(2025, 9, 26, 8))
    config = uvicorn.Config(create_app(wired), host="127.0.0.1", port=0, lifespan="on",
                            log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            [case] = case_views.list_cases(wired, people["admin"])
            if case["escalated_to"]:
                break
            time.sleep(0.05)
        assert case["escalated_to"] == "region_admin"
    finally:
        server.should_exit = True
        thread.join(10)
    assert not thread.is_alive()
