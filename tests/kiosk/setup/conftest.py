"""Real peers for the technician CLI: a loopback server that checks device tokens, a pty queue
simulator, and a runner that invokes `kiosk-setup` in-process."""
from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from drivers.sim.line import LineSimulator
from kiosk.setup.cli import main


@pytest.fixture
def server(tmp_path):
    """The central server on loopback, requiring device tokens when this build has them."""
    from server.runner import ServerThread

    kw = {"open_ingest": False} if "open_ingest" in inspect.signature(ServerThread).parameters \
        else {}
    srv = ServerThread(tmp_path / "server.db", **kw).start()
    yield srv
    srv.stop()


@pytest.fixture
def enrol_code(server):
    """make() -> a fresh one-time enrolment code on `server` (skips without enrolment)."""
    enrol = pytest.importorskip("server.api.enrol", reason="this build has no enrolment yet")

    def make(hall: str = "hall01", window: int | None = 5) -> str:
        return enrol.create_code(server.store, hall, window).code

    return make


@pytest.fixture
def queue_sim():
    sim = LineSimulator(window=5).start()
    yield sim
    sim.stop()


@pytest.fixture
def kiosk_env(monkeypatch):
    """A display for the doctor's display check, whatever the test machine has."""
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)


def run(*args, input: str | None = None, code: int | None = 0):
    """Invoke kiosk-setup; assert the exit code unless code is None; return the result."""
    result = CliRunner().invoke(main, [str(a) for a in args], input=input,
                                catch_exceptions=False)
    if code is not None:
        assert result.exit_code == code, (result.exit_code, result.output)
    return result


def write_config(path: Path, **sections) -> Path:
    """A config file from {section: {key: value}} over the defaults."""
    from kiosk import config

    cfg = config.Config()
    cfg.device.language = "en"  # the CLI follows it; tests read English unless they ask
    for section, values in sections.items():
        for key, value in values.items():
            setattr(getattr(cfg, section), key, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config.dump(cfg), encoding="utf-8")
    return path


def doctor_json(config_path: Path, *extra, code: int | None = None) -> dict:
    result = run("doctor", "--config", config_path, "--json", "--listen", "0.3", *extra,
                 code=code)
    data = json.loads(result.output)
    data["by_name"] = {c["name"]: c for c in data["checks"]}
    data["exit_code"] = result.exit_code
    return data
