"""What `install` and `uninstall` change, step by step, under a root folder (/ or an image).

Plan applies each step and records it as changed, unchanged or skipped, so a second run can
say that nothing changed, and --json can tell a script exactly what happened.
"""
from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path

import click

from kiosk.setup.common import FAILED, OK, echo_json, fail, write_private

USER = "kiosk"
GROUPS = ("dialout", "input", "video", "render", "audio")
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
        Path(__file__).resolve().parents[2] / "systemd", Path("/usr/share/kiosk/systemd")]
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
    from kiosk import config

    path = plan.path(config_file.lstrip("/"))
    if not path.is_file():
        plan.skip(f"/{config_file.lstrip('/')} not found: run kiosk-setup init")
        return
    files = [path]
    try:
        files.append(plan.path(str(config.load(path).token_path).lstrip("/")))
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
