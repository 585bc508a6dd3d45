"""scripts/pi-install.sh --root: the tree a fresh Raspberry Pi OS Lite gets, built in a folder.

apt-get, the venv and pip cannot run against a folder: the script records them in
/opt/kiosk/pi-install.manifest, which these tests read as the exact commands the Pi runs.
The first boot is applied for real with systemd-sysusers/systemd-tmpfiles --root (systemd 252,
as on Bookworm) to show that the service's user can read its config.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.kiosk.setup.conftest import write_config

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "pi-install.sh"
GROUPS = ("dialout:x:20:", "input:x:101:", "video:x:44:", "render:x:105:", "audio:x:29:")


def _pi_image(tmp_path: Path) -> Path:
    """A folder like a freshly flashed Pi OS Lite, after `kiosk-setup init` wrote a config."""
    root = tmp_path / "root"
    (root / "boot/firmware").mkdir(parents=True)
    (root / "boot/firmware/cmdline.txt").write_text("console=tty1 root=PARTUUID=1-02 rootwait\n")
    (root / "etc").mkdir()
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n"
                                     "pi:x:1000:1000::/home/pi:/bin/bash\n")
    (root / "etc/group").write_text("root:x:0:\n" + "\n".join(GROUPS) + "\npi:x:1000:\n")
    write_config(root / "etc/kiosk/kiosk.toml")
    os.chmod(root / "etc/kiosk/kiosk.toml", 0o600)  # as init writes it
    return root


def _run(*args, code: int = 0) -> subprocess.CompletedProcess:
    env = dict(os.environ, KIOSK_PYTHON=str(Path(os.sys.executable)), LANG="C.UTF-8")
    proc = subprocess.run(["bash", str(SCRIPT), *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == code, proc.stdout + proc.stderr
    return proc


def _manifest(root: Path) -> list[str]:
    return (root / "opt/kiosk/pi-install.manifest").read_text().splitlines()


def _verify(unit: Path) -> list[str]:
    """systemd-analyze verify's complaints, but for the venv's kiosk program: the venv is
    recorded, not created, under --root."""
    proc = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=60)
    return [line for line in (proc.stdout + proc.stderr).splitlines()
            if line.strip() and "/opt/kiosk/venv/bin/kiosk is not executable" not in line]


def test_one_command_builds_the_kiosk_tree(tmp_path):
    root = _pi_image(tmp_path)
    out = _run("--root", root, "--keypad-id", "1c4f:0002").stdout
    assert "system commands recorded in" in out
    unit = root / "etc/systemd/system/kiosk.service"
    assert "ExecStart=/opt/kiosk/venv/bin/kiosk run --config /etc/kiosk/kiosk.toml" \
        in unit.read_text()
    wants = root / "etc/systemd/system/multi-user.target.wants/kiosk.service"
    assert os.readlink(wants) == "/etc/systemd/system/kiosk.service"
    rules = (root / "etc/udev/rules.d/99-kiosk.rules").read_text()
    assert 'ATTRS{idVendor}=="1c4f", ATTRS{idProduct}=="0002", SYMLINK+="kiosk-keypad"' in rules
    assert 'ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", SYMLINK+="kiosk-queue"' in rules
    assert "consoleblank=0" in (root / "boot/firmware/cmdline.txt").read_text()
    # the software where the service can see it, the units where `kiosk-setup install` looks
    assert (root / "opt/kiosk/src/kiosk/launch.py").is_file()
    assert (root / "opt/kiosk/src/assets/kv/rating.kv").is_file()
    assert not (root / "opt/kiosk/src/.venv").exists()
    assert (root / "usr/share/kiosk/systemd/kiosk.service").is_file()
    assert os.readlink(root / "usr/local/bin/kiosk-setup") == "/opt/kiosk/venv/bin/kiosk-setup"
    if shutil.which("systemd-analyze"):
        assert _verify(unit) == []


def test_the_venv_gets_the_tested_versions(tmp_path):
    root = _pi_image(tmp_path)
    _run("--root", root)
    pip = [line for line in _manifest(root) if "/bin/pip install" in line]
    assert pip == ["/opt/kiosk/venv/bin/pip install --no-input -c /opt/kiosk/src/constraints.txt"
                   " -e /opt/kiosk/src\\[kiosk\\]"]
    assert "python3 -m venv /opt/kiosk/venv" in _manifest(root)
    shipped = (root / "opt/kiosk/src/constraints.txt").read_text()
    assert shipped == (REPO / "constraints.txt").read_text()
    assert "evdev==" in shipped and "Kivy==" in shipped


def test_apt_installs_what_sdl_under_kms_and_the_evdev_build_need(tmp_path):
    root = _pi_image(tmp_path)
    _run("--root", root)
    apt = next(line for line in _manifest(root) if " apt-get install " in line).split()
    assert "--no-install-recommends" in apt  # so every package needed is named
    # the Kivy wheel bundles SDL, which opens Mesa's EGL/GLES/GBM and libdrm at run time (KMS)
    for pkg in ("libegl1", "libegl-mesa0", "libgles2", "libgbm1", "libdrm2", "libgl1-mesa-dri",
                "libudev1", "libasound2"):
        assert pkg in apt, pkg
    # evdev has no aarch64 wheel (tests/deploy/test_aarch64_wheels.py): a compiler and headers
    for pkg in ("build-essential", "python3-dev", "linux-libc-dev", "python3-venv"):
        assert pkg in apt, pkg
    assert "fonts-wqy-microhei" in apt


def test_first_boot_makes_the_user_and_lets_it_read_the_config(tmp_path):
    if os.geteuid() != 0 or not shutil.which("systemd-sysusers"):
        pytest.skip("systemd-sysusers/-tmpfiles --root need root and systemd here")
    root = _pi_image(tmp_path)
    for name in ("passwd", "group"):  # useradd --root would act on them here: leave it to boot
        (root / "etc" / name).unlink()
    _run("--root", root)
    config = root / "etc/kiosk/kiosk.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o640  # not root-only any more
    assert any("useradd" in line for line in _manifest(root))
    # what Bookworm's first boot runs: systemd-sysusers, then systemd-tmpfiles
    for cmd in (["systemd-sysusers", "--root", root], ["systemd-tmpfiles", "--root", root,
                                                        "--create"]):
        subprocess.run(list(map(str, cmd)), check=True, capture_output=True, timeout=60)
    passwd = {line.split(":")[0]: line.split(":") for line in
              (root / "etc/passwd").read_text().splitlines()}
    assert passwd["kiosk"][6] == "/usr/sbin/nologin"
    groups = {line.split(":")[0]: line.split(":") for line in
              (root / "etc/group").read_text().splitlines()}
    for name in ("dialout", "input", "video", "render", "audio"):
        assert "kiosk" in groups[name][3].split(","), name
    st = config.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, int(groups["kiosk"][2]), 0o640)
    # and the unit re-applies it before each start (init rewrites the config 0600)
    assert "ExecStartPre=+/usr/bin/systemd-tmpfiles --create /etc/tmpfiles.d/kiosk.conf" in \
        (root / "etc/systemd/system/kiosk.service").read_text()


def test_a_second_run_changes_nothing(tmp_path):
    root = _pi_image(tmp_path)
    _run("--root", root)
    before = {p: (p.read_bytes() if p.is_file() else os.readlink(p))
              for p in root.rglob("*") if p.is_file() or p.is_symlink()}
    _run("--root", root)
    after = {p: (p.read_bytes() if p.is_file() else os.readlink(p))
             for p in root.rglob("*") if p.is_file() or p.is_symlink()}
    assert after == before


def test_the_desktop_drop_in_runs_the_kiosk_as_the_desktop_user(tmp_path):
    root = _pi_image(tmp_path)
    _run("--root", root, "--desktop-user", "pi")
    text = (root / "etc/systemd/system/kiosk.service.d/desktop.conf").read_text()
    for line in ("User=pi", "SupplementaryGroups=kiosk", "ProtectHome=read-only",
                 "PrivateTmp=no", "Environment=XDG_RUNTIME_DIR=/run/user/1000 "
                 "WAYLAND_DISPLAY=wayland-0", "Environment=DISPLAY=:0 "
                 "XAUTHORITY=/home/pi/.Xauthority"):
        assert f"\n{line}\n" in text, line
    assert "@" not in text.replace("# (which", "")  # every placeholder filled
    if shutil.which("systemd-analyze"):
        assert _verify(root / "etc/systemd/system/kiosk.service") == []
    _run("--root", root, "--desktop-user", "nobody-here", code=2)


def test_dry_run_changes_nothing(tmp_path):
    root = _pi_image(tmp_path)
    before = sorted(root.rglob("*"))
    out = _run("--root", root, "--dry-run").stdout
    assert sorted(root.rglob("*")) == before
    assert "apt-get install" in out and "-c /opt/kiosk/src/constraints.txt" in out


def test_a_mistyped_root_is_refused_and_nothing_is_built(tmp_path):
    missing = tmp_path / "mnt" / "imgae"
    proc = _run("--root", missing, code=2)
    assert "is not an existing folder" in proc.stderr
    assert not (tmp_path / "mnt").exists()
