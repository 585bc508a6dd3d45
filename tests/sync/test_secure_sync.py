"""The uploader against a server that checks like production: TLS, tokens, revocation."""
import pytest
import requests

from server.api.enrol import create_code
from server.runner import ServerThread
from sync.enrol import enrol
from sync.outbox import PENDING, SYNCED
from tests.helpers.tls import make_ca_and_server_cert
from tests.waiting import wait_for

ADMIN = "sync-test-admin-token"


@pytest.fixture
def secure_server(tmp_path):
    srv = ServerThread(tmp_path / "server.db", open_ingest=False, admin_token=ADMIN).start()
    yield srv
    srv.stop()


@pytest.fixture
def tls_server(tmp_path):
    certs = make_ca_and_server_cert(tmp_path / "tls")
    srv = ServerThread(tmp_path / "server.db", open_ingest=False, admin_token=ADMIN,
                       ssl_certfile=str(certs["cert"]), ssl_keyfile=str(certs["key"])).start()
    srv.ca = certs["ca"]
    yield srv
    srv.stop()


def on_server(srv, verify=True):
    resp = requests.get(srv.url + "/api/v1/ratings", params={"limit": 1000}, timeout=5,
                        headers={"Authorization": f"Bearer {ADMIN}"}, verify=verify)
    return sorted(r["uuid"] for r in resp.json()["ratings"])


def states(store):
    return {r["sync_state"] for r in store.all()}


def test_tls_upload_verifies_the_server_with_the_configured_ca_bundle(
        tls_server, tmp_path, kiosk_db, kiosk_store, record, uploaders):
    code = create_code(tls_server.store, "hallT", 3).code
    token_file = tmp_path / "kiosk" / "device-token.json"
    dev = enrol(tls_server.url, code, ca_bundle=str(tls_server.ca), token_file=token_file)
    rows = record(5, device_id=dev.device_id)
    uploaders(kiosk_db, tls_server.url, token_file=token_file, ca_bundle=tls_server.ca)
    wait_for(lambda: states(kiosk_store) == {SYNCED}, timeout=10)
    assert on_server(tls_server, verify=str(tls_server.ca)) == sorted(r["uuid"] for r in rows)


def test_tls_upload_without_the_ca_bundle_fails_verification_and_keeps_ratings(
        tls_server, tmp_path, kiosk_db, kiosk_store, record, uploaders):
    code = create_code(tls_server.store, "hallT", 3).code
    dev = enrol(tls_server.url, code, ca_bundle=str(tls_server.ca))
    record(3, device_id=dev.device_id)
    up = uploaders(kiosk_db, tls_server.url, token=dev.token)
    wait_for(lambda: up.status()["consecutive_failures"] >= 2)
    assert "SSLError" in up.status()["last_error"]
    assert states(kiosk_store) == {PENDING}
    assert on_server(tls_server, verify=str(tls_server.ca)) == []


def test_revoked_kiosk_gets_401_backs_off_and_keeps_every_pending_rating(
        secure_server, tmp_path, kiosk_db, kiosk_store, record, uploaders, caplog):
    token_file = tmp_path / "kiosk" / "device-token.json"
    dev = enrol(secure_server.url, create_code(secure_server.store, "hallR", 3).code,
                token_file=token_file)
    first = record(2, device_id=dev.device_id)
    up = uploaders(kiosk_db, secure_server.url, token_file=token_file)
    wait_for(lambda: states(kiosk_store) == {SYNCED})
    assert secure_server.store.revoke_device(dev.device_id, "2026-01-01T00:00:00.000Z")
    later = record(3, device_id=dev.device_id)
    up.wake()
    wait_for(lambda: up.status()["consecutive_failures"] >= 2)
    assert "401" in up.status()["last_error"]
    assert [r["sync_state"] for r in kiosk_store.all()] == [SYNCED] * 2 + [PENDING] * 3
    assert on_server(secure_server) == sorted(r["uuid"] for r in first)
    # Still there, untouched, after more retries; and the token never reached a log line.
    wait_for(lambda: up.status()["consecutive_failures"] >= 4)
    assert kiosk_store.backlog() == 3
    assert all(dev.token not in message for message in caplog.messages)


def test_kiosk_without_a_token_file_backs_off_and_keeps_ratings(
        secure_server, tmp_path, kiosk_db, kiosk_store, record, uploaders):
    record(2)
    up = uploaders(kiosk_db, secure_server.url, token_file=tmp_path / "missing.json")
    wait_for(lambda: up.status()["consecutive_failures"] >= 2)
    assert "401" in up.status()["last_error"] and kiosk_store.backlog() == 2
