"""`kiosk-setup install/uninstall --root`, and the unit files themselves (systemd-analyze)."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kiosk.setup.conftest import run, write_config

REPO = Path(__file__).resolve().parents[3]
UNITS = REPO / "systemd"


def _image(tmp_path: Path) -> Path:
    """A folder that looks like a Raspberry Pi OS image: boot partition, /etc, a config."""
    root = tmp_path / "root"
    (root / "boot" / "firmware").mkdir(parents=True)
    (root / "boot" / "firmware" / "cmdline.txt").write_text(
        "console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootwait\n")
    (root / "etc" / "X11").mkdir(parents=True)
    write_config(root / "etc" / "kiosk" / "kiosk.toml")
    return root


def _install(root: Path, *extra) -> dict:
    result = run("install", "--root", root, "--json", "--bin-dir", "/opt/kiosk/venv/bin", *extra)
    return json.loads(result.output)


def test_install_writes_units_rules_and_no_blanking_under_root(tmp_path):
    root = _image(tmp_path)
    report = _install(root, "--keypad-id", "1C4F:0002")
    assert report["failed"] == []
    unit = root / "etc/systemd/system/kiosk.service"
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    assert "ExecStart=/opt/kiosk/venv/bin/kiosk run" in unit.read_text()
    wants = root / "etc/systemd/system/multi-user.target.wants/kiosk.service"
    assert wants.is_symlink() and os.readlink(wants) == "/etc/systemd/system/kiosk.service"
    rules = (root / "etc/udev/rules.d/99-kiosk.rules").read_text()
    assert 'ATTRS{idVendor}=="1c4f", ATTRS{idProduct}=="0002"' in rules
    assert 'SYMLINK+="kiosk-queue"' in rules and 'SYMLINK+="kiosk-keypad"' in rules
    cmdline = (root / "boot/firmware/cmdline.txt").read_text()
    assert cmdline.split()[-1] == "consoleblank=0" and cmdline.count("\n") == 1
    assert "BlankTime" in (root / "etc/X11/xorg.conf.d/10-kiosk-noblank.conf").read_text()
    skipped = " ".join(report["skipped"])
    assert "useradd --system" in skipped and "no /etc/passwd under --root" in skipped
    assert "chown kiosk" in skipped


def test_a_second_install_changes_nothing_and_says_so(tmp_path):
    root = _image(tmp_path)
    _install(root)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    report = _install(root)
    assert report["changed"] == [] and report["failed"] == []
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    text = run("install", "--root", root, "--bin-dir", "/opt/kiosk/venv/bin").output
    assert "nothing to change: already in place" in text


def test_install_creates_the_user_when_the_root_has_a_passwd_file(tmp_path):
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("useradd --root needs root and the shadow tools")
    root = _image(tmp_path)
    for name, line in (("passwd", "root:x:0:0:root:/root:/bin/sh\n"),
                       ("group", "root:x:0:\ndialout:x:20:\ninput:x:101:\nvideo:x:44:\n"
                                 "render:x:105:\naudio:x:29:\n"),
                       ("shadow", "root:*:19000:0:99999:7:::\n"),
                       ("gshadow", "root:*::\ndialout:*::\ninput:*::\nvideo:*::\nrender:*::\n"
                                   "audio:*::\n")):
        (root / "etc" / name).write_text(line)
    report = _install(root)
    assert report["failed"] == [], report
    assert any(line.startswith("kiosk:") for line in (root / "etc/passwd").read_text().split())
    assert "kiosk" in next(line for line in (root / "etc/group").read_text().splitlines()
                           if line.startswith("dialout:"))
    assert "user kiosk exists" in " ".join(_install(root)["unchanged"])


def test_uninstall_removes_what_install_wrote_and_keeps_the_config(tmp_path):
    root = _image(tmp_path)
    original = (root / "boot/firmware/cmdline.txt").read_text()
    _install(root)
    result = run("uninstall", "--root", root, "--json")
    report = json.loads(result.output)
    assert report["failed"] == [] and report["changed"]
    assert not (root / "etc/systemd/system/kiosk.service").exists()
    assert not (root / "etc/systemd/system/multi-user.target.wants/kiosk.service").is_symlink()
    assert not (root / "etc/udev/rules.d/99-kiosk.rules").exists()
    assert not (root / "etc/X11/xorg.conf.d/10-kiosk-noblank.conf").exists()
    assert (root / "boot/firmware/cmdline.txt").read_text() == original
    assert (root / "etc/kiosk/kiosk.toml").exists(), "the config stays"
    again = json.loads(run("uninstall", "--root", root, "--json").output)
    assert again["changed"] == []


def test_install_server_unit_only(tmp_path):
    root = tmp_path / "srv"
    root.mkdir()
    report = _install(root, "--server")
    assert report["failed"] == []
    assert (root / "etc/systemd/system/kiosk-server.service").is_file()
    assert not (root / "etc/systemd/system/kiosk.service").exists()
    assert not (root / "etc/udev").exists()


def test_install_on_the_live_system_needs_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    result = run("install", code=2)
    assert "sudo" in result.output


@pytest.mark.parametrize("unit", ["kiosk.service", "kiosk-server.service"])
def test_units_pass_systemd_analyze_verify(tmp_path, unit):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    root = _image(tmp_path)
    run("install", "--root", root, "--bin-dir", Path(sys.executable).parent,
        *(["--server"] if unit.startswith("kiosk-server") else []))
    path = root / "etc/systemd/system" / unit
    proc = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True,
                          text=True, timeout=60)
    problems = [line for line in (proc.stdout + proc.stderr).splitlines() if unit in line]
    assert proc.returncode == 0 and not problems, proc.stdout + proc.stderr


def test_kiosk_unit_is_hardened_and_watched():
    text = (UNITS / "kiosk.service").read_text()
    for line in ("Type=notify", "WatchdogSec=30", "Restart=on-failure", "User=kiosk",
                 "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
                 "PrivateTmp=yes", "StateDirectory=kiosk", "ReadWritePaths=/var/lib/kiosk",
                 "DevicePolicy=closed", "DeviceAllow=char-ttyUSB rw", "DeviceAllow=char-input r",
                 "DeviceAllow=char-drm rw", "DeviceAllow=/dev/kiosk-queue rw",
                 "Environment=SDL_VIDEODRIVER=kmsdrm", "StartLimitBurst=",
                 # bytecode written where the read-only venv allows: the cache directory
                 "CacheDirectory=kiosk",
                 "Environment=PYTHONPYCACHEPREFIX=/var/cache/kiosk/pycache"):
        assert f"\n{line}" in text, line


def test_udev_rules_name_the_common_serial_chips():
    rules = (UNITS / "99-kiosk.rules").read_text()
    for vid, pid in (("0403", "6001"), ("1a86", "7523"), ("067b", "2303"), ("10c4", "ea60")):
        assert f'ATTRS{{idVendor}}=="{vid}", ATTRS{{idProduct}}=="{pid}", SYMLINK+="kiosk-queue"' \
            in rules
    assert 'GROUP="dialout", MODE="0660"' in rules and 'GROUP="input", MODE="0660"' in rules


def test_a_token_root_writes_into_the_services_state_directory_goes_to_its_owner(tmp_path):
    """kiosk-setup init re-enrolling a kiosk whose service already runs: systemd gave
    /var/lib/kiosk to the service's user, so the new token must be that user's, 0600."""
    import os

    import pytest

    from kiosk.setup.system import token_to_state_owner

    if os.geteuid() != 0:
        pytest.skip("needs root to hand a file to another user")
    state = tmp_path / "state"
    state.mkdir()
    os.chown(state, 65534, 65534)                  # the service's user (nobody, here)
    token = state / "token.json"
    token.write_text("{}", encoding="utf-8")
    os.chmod(token, 0o644)
    assert token_to_state_owner(token)
    st = token.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (65534, 65534, 0o600)
    root_dir = tmp_path / "rootdir"                # a directory root owns: left as it is
    root_dir.mkdir()
    (root_dir / "t").write_text("{}", encoding="utf-8")
    assert not token_to_state_owner(root_dir / "t")
