"""`kiosk-setup install --root`: the config the service must read, and a mistyped root."""
from __future__ import annotations

import json
import os
import stat

from tests.kiosk.setup.conftest import run, write_config


def _install(root, *extra, code=0):
    result = run("install", "--root", root, "--json", "--bin-dir", "/opt/kiosk/venv/bin", *extra,
                 code=code)
    return json.loads(result.output) if code == 0 else result.output


def test_a_mistyped_root_is_refused_and_nothing_is_built(tmp_path):
    for command in ("install", "uninstall"):
        out = run(command, "--root", tmp_path / "mnt" / "imgae", code=2).output
        assert "is not an existing folder" in out and "imgae" in out
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "a-file").write_text("")
    assert "is not an existing folder" in run("install", "--root", tmp_path / "a-file",
                                              code=2).output


def test_the_config_is_left_readable_for_the_service_and_it_says_so(tmp_path):
    root = tmp_path / "root"
    config = write_config(root / "etc/kiosk/kiosk.toml")
    os.chmod(config, 0o600)  # as `kiosk-setup init` writes it
    report = _install(root)
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    said = " ".join(report["changed"])
    assert "/etc/kiosk/kiosk.toml mode 0640; group kiosk at first boot" in said
    tmpfiles = (root / "etc/tmpfiles.d/kiosk.conf").read_text()
    assert "z /etc/kiosk/kiosk.toml 0640 root kiosk -" in tmpfiles.splitlines()
    assert "device-token.json" not in tmpfiles  # StateDirectory= hands it to the user
    sysusers = (root / "etc/sysusers.d/kiosk.conf").read_text().splitlines()
    assert 'u kiosk - "evaluator kiosk" /var/lib/kiosk /usr/sbin/nologin' in sysusers
    assert {f"m kiosk {g}" for g in ("dialout", "input", "video", "render", "audio")} \
        <= set(sysusers)
    assert _install(root)["changed"] == []


def test_a_token_outside_the_state_directory_is_read_like_the_config(tmp_path):
    root = tmp_path / "root"
    write_config(root / "etc/kiosk/kiosk.toml", server={"token_file": "/etc/kiosk/token.json"})
    token = root / "etc/kiosk/token.json"
    token.write_text("{}")
    token.chmod(0o600)
    report = _install(root)
    lines = (root / "etc/tmpfiles.d/kiosk.conf").read_text().splitlines()
    # readable by group kiosk like the config: the desktop drop-in's user is in that group
    assert "z /etc/kiosk/token.json 0640 root kiosk -" in lines
    assert stat.S_IMODE(token.stat().st_mode) == 0o640
    assert "chown kiosk" not in " ".join(report["skipped"])


def test_without_a_config_install_says_what_to_run(tmp_path):
    report = _install(tmp_path)
    assert any("/etc/kiosk/kiosk.toml not found: run kiosk-setup init" in s
               for s in report["skipped"])


def test_uninstall_removes_the_first_boot_files(tmp_path):
    _install(tmp_path)
    run("uninstall", "--root", tmp_path, "--json")
    assert not (tmp_path / "etc/tmpfiles.d/kiosk.conf").exists()
    assert not (tmp_path / "etc/sysusers.d/kiosk.conf").exists()
