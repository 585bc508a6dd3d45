"""差评 alerts through the durable outbox, to a real webhook receiver and a real SMTP server on
loopback: once, signed, retried after a 500, surviving a restart, nothing about the citizen."""
import json
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from server import wiring
from server.cli import main
from server.db import outbox
from server.db.store import open_store
from server.delivery import Deliverer
from server.export.testing import Receiver
from server.signing import sign
from server.workflow import alerts
from server.workflow.alerts import ingest_hook as alert_hook
from tests.server.workflow.conftest import HALL, rating

SECRET = "s3cret-signing-key"
FAST = outbox.Backoff(0.05, 0.2)


def only_alerts(store, **kw):
    from server.workflow.alerts import deliver
    return Deliverer(store, kinds={"alert": deliver}, backoff=FAST, poll_s=0.05, **kw)


@pytest.fixture
def rx():
    receiver = Receiver(secret=SECRET).start()
    yield receiver
    receiver.stop()


def webhook(store, url):
    with store.transaction() as tx:
        alerts.set_channel(tx, HALL, "webhook", {"url": url}, SECRET)


def test_a_bad_rating_alerts_once_signed_and_without_the_citizen(wired, rx):
    webhook(wired, rx.url)
    bad = rating(wired.device_id, level=1, ticket="A777", case_id="BJ-SECRET-1")
    wired.ingest([bad, rating(wired.device_id, level=5)])
    worker = only_alerts(wired)
    assert worker.run_once()["alert"]["sent"] == 1
    got = rx.wait_for(1)
    assert len(got) == 1 and rx.attempts[0]["signature_ok"] is True
    alert = got[0]
    assert alert["level"] == 1 and alert["level_label"] == "非常不满意"
    assert alert["hall"] == HALL and alert["window"] == 3 and alert["staff_id"] == "S-017"
    assert alert["reasons"] == ["attitude"]
    with wired.transaction(write=False) as tx:
        assert alert["case_id"] == tx.one("SELECT id FROM cases")[0]
    text = json.dumps(alert, ensure_ascii=False)
    for secret in ("A777", "BJ-SECRET-1", str(bad.uuid), wired.device_id):
        assert secret not in text  # ticket, 办件 number, rating uuid, device: none of them
    assert worker.run_once()["alert"]["sent"] == 0  # marked sent: never claimed again
    assert len(rx.attempts) == 1


def test_the_signature_verifies_and_a_forged_one_does_not(wired, rx):
    webhook(wired, rx.url)
    wired.ingest([rating(wired.device_id, level=2)])
    only_alerts(wired).run_once()
    assert rx.attempts[-1]["signature_ok"] is True
    body, stamp = b'{"level": 1}', "1700000000"
    assert sign(SECRET, stamp, body) != sign("other", stamp, body)


def test_the_alert_survives_a_restart_between_the_rating_and_the_send(db, rx):
    first = wiring.attach(open_store(db[0], schema=db[1]))
    from server.api.enrol import create_code, redeem
    device = redeem(first, create_code(first, HALL, 3).code).device_id
    webhook(first, rx.url)
    first.ingest([rating(device, level=1)])
    first.close()  # the server stops before any worker ran
    assert rx.received == []
    second = wiring.attach(open_store(db[0], schema=db[1]))
    try:
        only_alerts(second).run_once()
        assert len(rx.wait_for(1)) == 1
        only_alerts(second).run_once()  # another process, after the send: nothing again
        assert len(rx.attempts) == 1
    finally:
        second.close()


def test_a_500_is_retried_with_back_off_and_arrives_once(wired, rx):
    webhook(wired, rx.url)
    wired.ingest([rating(wired.device_id, level=1)])
    rx.fail_with = 500
    worker = only_alerts(wired)
    assert worker.run_once()["alert"]["retry"] == 1
    (problem,) = outbox.problems(wired, "alert")
    assert "HTTP 500" in problem["last_error"] and problem["state"] == "pending"
    assert worker.run_once()["alert"] == {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0}
    rx.fail_with = None
    time.sleep(0.25)  # past the back-off
    assert worker.run_once()["alert"]["sent"] == 1
    assert [a["status"] for a in rx.attempts] == [500, 200]
    assert len(rx.received) == 1
    assert rx.attempts[0]["key"] == rx.attempts[1]["key"]  # the retry carries the same key


def test_a_sender_that_died_mid_send_resends_with_the_same_key(wired, rx):
    webhook(wired, rx.url)
    wired.ingest([rating(wired.device_id, level=1)])
    (claimed,) = outbox.claim(wired, "alert", "dead-worker", lease_s=0.05)
    alerts.deliver(wired, claimed)  # it sent, then died before marking it sent
    time.sleep(0.1)
    only_alerts(wired).run_once()
    assert len(rx.attempts) == 2 and rx.attempts[0]["key"] == rx.attempts[1]["key"]
    assert len(rx.received) == 1  # the receiver drops the retry by its idempotency key


def test_two_workers_never_send_the_same_alert(wired, rx):
    webhook(wired, rx.url)
    wired.ingest([rating(wired.device_id, level=1) for _ in range(30)])
    workers = [only_alerts(wired) for _ in range(3)]
    threads = [threading.Thread(target=w.run_once) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(rx.wait_for(30)) == 30
    assert len(rx.attempts) == 30  # no item was sent twice


def test_the_background_worker_alerts_within_a_second(wired, rx):
    webhook(wired, rx.url)
    worker = only_alerts(wired).start()
    try:
        wired.ingest([rating(wired.device_id, level=1)])
        assert len(rx.wait_for(1, timeout=10)) == 1
    finally:
        worker.stop()


def test_good_ratings_raise_no_alert_and_an_excluded_one_is_cancelled(wired, rx, people):
    from server.workflow import appeals
    webhook(wired, rx.url)
    bad = rating(wired.device_id, level=1)
    wired.ingest([rating(wired.device_id, level=lv) for lv in (3, 4, 5)] + [bad])
    with wired.transaction() as tx:
        appeals.exclude(wired, tx, wired.device_id, str(bad.uuid), people["sup"], "test")
    assert only_alerts(wired).run_once()["alert"]["sent"] == 0
    assert rx.received == []
    assert outbox.summary(wired, "alert") == {f"{HALL}/webhook": {"cancelled": 1}}


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd's Controller needs a real port to probe
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


def test_email_reaches_the_duty_manager_over_smtp(wired, smtp):
    from email import message_from_string, policy
    with wired.transaction() as tx:
        alerts.set_channel(tx, HALL, "email", {"to": ["duty@hall.example"],
                                               "smtp_host": "127.0.0.1",
                                               "smtp_port": smtp.port})
    wired.ingest([rating(wired.device_id, level=2, ticket="B555")])
    assert only_alerts(wired).run_once()["alert"]["sent"] == 1
    (rcpt, raw), = smtp.messages
    assert rcpt == ["duty@hall.example"]
    mail = message_from_string(raw, policy=policy.default)
    assert "不满意" in mail["Subject"] and "3" in mail["Subject"]
    body = mail.get_content()
    assert "S-017" in body and "B555" not in body


def test_sms_gateway_gets_short_text(wired):
    rx = Receiver().start()  # a gateway checks its token, not a signature
    with wired.transaction() as tx:
        alerts.set_channel(tx, HALL, "sms", {"to": ["13800000000"], "gateway_url": rx.url},
                           "gw-token")
    wired.ingest([rating(wired.device_id, level=1)])
    only_alerts(wired).run_once()
    (sms,) = rx.wait_for(1)
    rx.stop()
    assert sms["to"] == ["13800000000"] and "非常不满意" in sms["text"]


def test_cli_set_list_and_test(wired, rx, tmp_path):
    from server.db.sqlite import SQLiteStore
    if not isinstance(wired, SQLiteStore):
        pytest.skip("the CLI takes --db; one store kind is enough")
    db = str(wired.path)
    key = tmp_path / "key"
    key.write_text(SECRET + "\n")
    run = CliRunner().invoke
    out = run(main, ["alerts", "set", "--hall", HALL, "webhook", "--url", rx.url,
                     "--secret-file", str(key), "--db", db])
    assert out.exit_code == 0, out.output
    listed = run(main, ["alerts", "list", "--db", db])
    assert "secret set" in listed.output and SECRET not in listed.output
    tested = run(main, ["alerts", "test", "--hall", HALL, "webhook", "--db", db])
    assert tested.exit_code == 0, tested.output
    (alert,) = rx.wait_for(1)
    assert alert["test"] is True and rx.attempts[0]["signature_ok"] is True
    bad = run(main, ["alerts", "set", "--hall", HALL, "webhook", "--url", "ftp://x", "--db", db])
    assert bad.exit_code == 2 and "http" in bad.output
    rx.fail_with = 503
    down = run(main, ["alerts", "test", "--hall", HALL, "webhook", "--db", db])
    assert down.exit_code == 1 and "HTTP 503" in down.output


def test_the_hook_is_wired():
    assert alert_hook in wiring.product_hooks()


def test_the_served_app_starts_delivery_and_the_demo_receivers_get_everything(wired):
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.delivery import DemoTargets

    demo = DemoTargets(wired, HALL, poll_s=0.05).start()
    demo.deliverer.stop()  # here the app's own worker (its lifespan) does the sending
    try:
        with TestClient(create_app(wired)):
            wired.ingest([rating(wired.device_id, level=1)])
            (alert,) = demo.webhook.wait_for(1, timeout=10)
            (national,) = demo.targets["gbt39046"].wait_for(1, timeout=10)
            (province,) = demo.targets["provincial"].wait_for(1, timeout=10)
        assert alert["level"] == 1 and national["满意度代码"] == "5" and province["myd"] == 1
        assert all(a["signature_ok"] for a in demo.webhook.attempts)
    finally:
        demo.stop()


def test_the_sqlite_file_holding_the_secrets_is_private(tmp_path):
    path = tmp_path / "server.db"
    path.write_bytes(b"")
    path.chmod(0o644)
    store = open_store(path)
    with store.transaction() as tx:
        alerts.set_channel(tx, HALL, "webhook", {"url": "http://127.0.0.1:9/"}, SECRET)
    store.close()
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in tmp_path.iterdir()
            if p.stat().st_mode & 0o077} == {}
