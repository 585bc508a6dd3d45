"""`kiosk-setup install` / `uninstall`: the kiosk user, systemd units, udev rules, no blanking.

Everything is written under --root (default /), so an SD-card image or a test folder can be
prepared too. Commands that change the running system (useradd, systemctl, udevadm) run only
where they apply: on / (and useradd --root when the root has an /etc/passwd); otherwise they
are printed as skipped. Both commands are idempotent: a second run changes nothing and says so.
"""
from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click

from .setup_common import FAILED, OK, echo_json, fail, write_private

USER = "kiosk"
GROUPS = ("dialout", "input", "video", "render")
RULES = "99-kiosk.rules"
TEMPLATE_BIN = "/opt/kiosk/venv/bin/"
UNIT_DIR = "etc/systemd/system"
CMDLINES = ("boot/firmware/cmdline.txt", "boot/cmdline.txt")
XORG_DROPIN = "etc/X11/xorg.conf.d/10-kiosk-noblank.conf"
XORG_TEXT = ('# Written by kiosk-setup install: the kiosk screen never blanks.\n'
             'Section "ServerFlags"\n    Option "BlankTime" "0"\n    Option "StandbyTime" "0"\n'
             '    Option "SuspendTime" "0"\n    Option "OffTime" "0"\nEndSection\n')


def units_source(given: str | None) -> Path:
    """The folder holding kiosk.service & co: --source, the repository's systemd/, or
    /usr/share/kiosk/systemd."""
    candidates = [Path(given)] if given else [
        Path(__file__).resolve().parent.parent / "systemd", Path("/usr/share/kiosk/systemd")]
    for folder in candidates:
        if (folder / "kiosk.service").is_file():
            return folder
    fail(f"unit files not found in {', '.join(map(str, candidates))}; pass --source")
    raise AssertionError


class Plan:
    """Applies and records each step: changed, unchanged or skipped."""

    def __init__(self, root: Path, as_json: bool) -> None:
        self.root, self.live, self.as_json = root, root == Path("/"), as_json
        self.changed: list[str] = []
        self.unchanged: list[str] = []
        self.skipped: list[str] = []
        self.failed: list[str] = []

    def path(self, rel: str) -> Path:
        return self.root / rel

    def _say(self, bucket: list, word: str, what: str) -> None:
        bucket.append(what)
        if not self.as_json:
            click.echo(f"{word:<10}{what}")

    def done(self, changed: bool, what: str) -> bool:
        self._say(self.changed if changed else self.unchanged,
                  "changed" if changed else "ok", what)
        return changed

    def skip(self, what: str) -> None:
        self._say(self.skipped, "skipped", what)

    def put(self, rel: str, text: str, mode: int = 0o644) -> bool:
        return self.done(write_private(self.path(rel), text, mode), f"/{rel}")

    def link(self, rel: str, target: str) -> bool:
        path = self.path(rel)
        if path.is_symlink() and os.readlink(path) == target:
            return self.done(False, f"/{rel} -> {target}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.exists():
            path.unlink()
        path.symlink_to(target)
        return self.done(True, f"/{rel} -> {target}")

    def remove(self, rel: str) -> bool:
        path = self.path(rel)
        if not (path.is_symlink() or path.exists()):
            return self.done(False, f"/{rel} absent")
        path.unlink()
        return self.done(True, f"removed /{rel}")

    def run(self, cmd: list[str], when_live_only: bool = True) -> None:
        shown = " ".join(cmd)
        if when_live_only and not self.live:
            self.skip(f"{shown} (--root is not /: not the running system)")
            return
        if not shutil.which(cmd[0]):
            self.skip(f"{shown} ({cmd[0]} not installed)")
            return
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            self._say(self.failed, "FAILED", f"{shown}: {proc.stderr.strip()[:300]}")
        else:
            self.done(True, f"ran {shown}")

    def systemd_running(self) -> bool:
        return self.live and Path("/run/systemd/system").is_dir()

    def finish(self) -> int:
        if self.as_json:
            echo_json({"root": str(self.root), "changed": self.changed,
                       "unchanged": self.unchanged, "skipped": self.skipped,
                       "failed": self.failed})
        elif self.failed:
            click.echo(f"{len(self.failed)} step(s) failed")
        elif self.changed:
            click.echo(f"{len(self.changed)} change(s)")
        else:
            click.echo("nothing to change: already in place")
        return FAILED if self.failed else OK


def wanted_by(unit_text: str) -> list[str]:
    return re.findall(r"^WantedBy=(.+)$", unit_text, re.M)[0].split() \
        if re.search(r"^WantedBy=", unit_text, re.M) else []


def _groups() -> list[str]:
    out = []
    for name in GROUPS:
        try:
            grp.getgrnam(name)
            out.append(name)
        except KeyError:
            pass
    return out


def ensure_user(plan: Plan) -> None:
    groups = _groups() if plan.live else list(GROUPS)
    add = ["useradd", "--system", "--user-group", "--home-dir", "/var/lib/kiosk",
           "--no-create-home", "--shell", "/usr/sbin/nologin", "--groups", ",".join(groups), USER]
    if not plan.live:
        passwd = plan.path("etc/passwd")
        if passwd.is_file() and re.search(rf"^{USER}:", passwd.read_text(), re.M):
            plan.done(False, f"user {USER} exists in {passwd}")
        elif passwd.is_file():
            plan.run(add[:1] + ["--root", str(plan.root)] + add[1:], when_live_only=False)
        else:
            plan.skip(f"{' '.join(add)} (no /etc/passwd under --root)")
        return
    try:
        pwd.getpwnam(USER)
    except KeyError:
        plan.run(add)
        return
    missing = [g for g in groups if USER not in grp.getgrnam(g).gr_mem]
    if missing:
        plan.run(["usermod", "--append", "--groups", ",".join(missing), USER])
    else:
        plan.done(False, f"user {USER} in groups {','.join(groups)}")


def hand_secrets_to_user(plan: Plan, config_file: str) -> None:
    """The service runs as `kiosk`: its config and token (mode 0600) must belong to it."""
    from . import config

    path = plan.path(config_file.lstrip("/"))
    if not path.is_file():
        plan.skip(f"/{config_file.lstrip('/')} not found: run kiosk-setup init")
        return
    files = [path]
    try:
        files.append(plan.path(config.load(path).enrolment.token_file.lstrip("/")))
    except config.ConfigError:
        pass
    if not plan.live:
        plan.skip(f"chown {USER} {' '.join(map(str, files))} (--root is not /)")
        return
    try:
        user = pwd.getpwnam(USER)
    except KeyError:
        plan.skip(f"chown {USER}: no such user")
        return
    for f in files:
        if not f.exists():
            continue
        st = f.stat()
        changed = (st.st_uid, st.st_gid, st.st_mode & 0o777) != (user.pw_uid, user.pw_gid, 0o600)
        if changed:
            os.chown(f, user.pw_uid, user.pw_gid)
            os.chmod(f, 0o600)
        plan.done(changed, f"{f} owned by {USER}, mode 0600")


def set_blanking(plan: Plan, off: bool) -> None:
    for rel in CMDLINES:
        path = plan.path(rel)
        if not path.is_file():
            continue
        text = path.read_text()
        words = text.split()
        if off and "consoleblank=0" not in words:
            words.append("consoleblank=0")
        elif not off:
            words = [w for w in words if w != "consoleblank=0"]
        plan.done(write_private(path, " ".join(words) + "\n", path.stat().st_mode & 0o777),
                  f"/{rel} {'has' if off else 'without'} consoleblank=0")
        break
    else:
        plan.skip("consoleblank=0: no /boot/firmware/cmdline.txt (not a Raspberry Pi image)")
    if off and plan.path("etc/X11").is_dir():
        plan.put(XORG_DROPIN, XORG_TEXT)
    elif not off:
        plan.remove(XORG_DROPIN)


@click.command("install")
@click.option("--root", "root", type=click.Path(file_okay=False), default="/", show_default=True,
              help="Install under this folder instead of the running system (an image, a test).")
@click.option("--source", type=click.Path(file_okay=False),
              help="Folder with the unit files and udev rules (default: the software's systemd/).")
@click.option("--bin-dir", type=click.Path(file_okay=False),
              default=lambda: str(Path(sys.executable).parent), show_default="this Python's bin",
              help="Folder holding the `kiosk` and `kiosk-server` programs, for ExecStart=.")
@click.option("--keypad-id", metavar="VVVV:PPPP",
              help="USB vendor:product id of the staff keypad, for /dev/kiosk-keypad.")
@click.option("--config", "config_file", default="/etc/kiosk/kiosk.toml", show_default=True,
              help="Config file (relative to --root) to hand to the kiosk user.")
@click.option("--server", "server", is_flag=True,
              help="Install the central server's unit (kiosk-server.service) instead.")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
def install(root, source, bin_dir, keypad_id, config_file, server, as_json) -> None:
    """Make this machine start the kiosk at boot, hardened, with stable device names.

    \b
    - creates the `kiosk` system user in groups dialout, input, video, render
      (useradd --system); on --root, only when the root has an /etc/passwd
    - installs kiosk.service into /etc/systemd/system and enables it
      (multi-user.target.wants symlink), with ExecStart pointing at --bin-dir
    - installs the udev rules 99-kiosk.rules: /dev/kiosk-queue for the common
      USB-serial chips, /dev/kiosk-keypad for --keypad-id; group dialout/input, mode 0660
    - hands /etc/kiosk/kiosk.toml and the token file (0600) to the kiosk user
    - turns screen blanking off: consoleblank=0 in the Pi's cmdline.txt, and an Xorg
      drop-in when X is installed
    - reloads systemd and udev when they run here

    With --server: only kiosk-server.service (DynamicUser, no devices).
    Run it again any time: it changes only what differs. Exits 0, 1 when a system
    command failed, 2 for a usage error (not root, unit files not found).
    """
    plan = Plan(Path(root).resolve(), as_json)
    if plan.live and os.geteuid() != 0:
        fail("install changes the system: run it with sudo (or pass --root DIR)")
    if keypad_id and not re.fullmatch(r"[0-9a-fA-F]{4}:[0-9a-fA-F]{4}", keypad_id):
        fail("--keypad-id must look like 1c4f:0002")
    src = units_source(source)
    units = ["kiosk-server.service"] if server else ["kiosk.service"]
    changed_units = False
    if not server:
        ensure_user(plan)
    for unit in units:
        text = (src / unit).read_text().replace(TEMPLATE_BIN, str(Path(bin_dir).resolve()) + "/")
        changed_units |= plan.put(f"{UNIT_DIR}/{unit}", text)
        for target in wanted_by(text):
            plan.link(f"{UNIT_DIR}/{target}.wants/{unit}", f"/{UNIT_DIR}/{unit}")
    if not server:
        rules = (src / RULES).read_text()
        if keypad_id:
            vid, pid = keypad_id.lower().split(":")
            rules = rules.replace('ATTRS{idVendor}=="ffff", ATTRS{idProduct}=="ffff"',
                                  f'ATTRS{{idVendor}}=="{vid}", ATTRS{{idProduct}}=="{pid}"')
        if plan.put(f"etc/udev/rules.d/{RULES}", rules) and plan.live:
            plan.run(["udevadm", "control", "--reload-rules"])
            plan.run(["udevadm", "trigger", "--subsystem-match=tty", "--subsystem-match=input"])
        hand_secrets_to_user(plan, config_file)
        set_blanking(plan, off=True)
    if changed_units:
        if plan.systemd_running():
            plan.run(["systemctl", "daemon-reload"])
        else:
            plan.skip("systemctl daemon-reload (systemd is not running here)")
    raise SystemExit(plan.finish())


@click.command("uninstall")
@click.option("--root", "root", type=click.Path(file_okay=False), default="/", show_default=True,
              help="Uninstall from this folder instead of the running system.")
@click.option("--server", "server", is_flag=True,
              help="Remove the central server's unit instead of the kiosk's.")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
def uninstall(root, server, as_json) -> None:
    """Undo `install`: stop and disable the service, remove units, udev rules and the
    no-blanking settings, and delete the `kiosk` user.

    The config (/etc/kiosk), the token and the ratings (/var/lib/kiosk) stay: export or
    sync them, then `kiosk-setup reset` if they should go too. Idempotent like install.
    Exits 0, 1 when a system command failed, 2 for a usage error.
    """
    plan = Plan(Path(root).resolve(), as_json)
    if plan.live and os.geteuid() != 0:
        fail("uninstall changes the system: run it with sudo (or pass --root DIR)")
    units = ["kiosk-server.service"] if server else ["kiosk.service"]
    for unit in units:
        path = plan.path(f"{UNIT_DIR}/{unit}")
        if plan.systemd_running() and path.exists():
            plan.run(["systemctl", "stop", unit])
        targets = wanted_by(path.read_text()) if path.exists() else ["multi-user.target"]
        for target in targets:
            plan.remove(f"{UNIT_DIR}/{target}.wants/{unit}")
        plan.remove(f"{UNIT_DIR}/{unit}")
    if not server:
        if plan.remove(f"etc/udev/rules.d/{RULES}") and plan.live:
            plan.run(["udevadm", "control", "--reload-rules"])
        set_blanking(plan, off=False)
        if plan.live:
            try:
                pwd.getpwnam(USER)
                plan.run(["userdel", USER])
            except KeyError:
                plan.done(False, f"user {USER} absent")
        else:
            plan.skip(f"userdel {USER} (--root is not /)")
    if plan.changed and plan.systemd_running():
        plan.run(["systemctl", "daemon-reload"])
    raise SystemExit(plan.finish())
