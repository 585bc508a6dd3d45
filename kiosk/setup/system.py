"""What `install` and `uninstall` change, step by step, under a root folder (/ or an image).

Plan applies each step and records it as changed, unchanged or skipped, so a second run can
say that nothing changed, and --json can tell a script exactly what happened. Each step is an
English msgid and its values: --json keeps the English text (scripts match it), the lines a
person reads are in the CLI's language.
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

from cli_i18n.wide import width
from kiosk.i18n import _
from kiosk.setup.common import FAILED, OK, echo_json, fail, write_private
from sync.wire.labels import N_

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
    fail(_("unit files not found in {folders}; pass --source").format(
        folders=", ".join(map(str, candidates))))
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

    def _say(self, bucket: list, word: str, what: str, values: dict) -> None:
        """Record `what` (an English msgid with {values}) and show it: the word column is
        padded by display width, so Chinese words keep the steps aligned."""
        bucket.append(what.format(**values))
        if not self.as_json:
            shown = _(word)
            click.echo(shown + " " * max(1, 10 - width(shown)) + _(what).format(**values))

    def done(self, changed: bool, what: str, **values) -> bool:
        self._say(self.changed if changed else self.unchanged,
                  N_("changed") if changed else N_("ok"), what, values)
        return changed

    def skip(self, what: str, **values) -> None:
        self._say(self.skipped, N_("skipped"), what, values)

    # "{path}" and "{path} -> {target}" are verbatim: no msgid, the same in every language.
    def put(self, rel: str, text: str, mode: int = 0o644) -> bool:
        return self.done(write_private(self.path(rel), text, mode), "{path}", path=f"/{rel}")

    def link(self, rel: str, target: str) -> bool:
        path = self.path(rel)
        if path.is_symlink() and os.readlink(path) == target:
            return self.done(False, "{path} -> {target}", path=f"/{rel}", target=target)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.exists():
            path.unlink()
        path.symlink_to(target)
        return self.done(True, "{path} -> {target}", path=f"/{rel}", target=target)

    def remove(self, rel: str) -> bool:
        path = self.path(rel)
        if not (path.is_symlink() or path.exists()):
            return self.done(False, N_("{path} absent"), path=f"/{rel}")
        path.unlink()
        return self.done(True, N_("removed {path}"), path=f"/{rel}")

    def run(self, cmd: list[str], when_live_only: bool = True) -> None:
        shown = " ".join(cmd)
        if when_live_only and not self.live:
            self.skip(N_("{command} (--root is not /: not the running system)"), command=shown)
            return
        if not shutil.which(cmd[0]):
            self.skip(N_("{command} ({program} not installed)"), command=shown,
                      program=cmd[0])
            return
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            self._say(self.failed, N_("FAILED"), N_("{command}: {error}"),
                      {"command": shown, "error": proc.stderr.strip()[:300]})
        else:
            self.done(True, N_("ran {command}"), command=shown)

    def systemd_running(self) -> bool:
        return self.live and Path("/run/systemd/system").is_dir()

    def finish(self) -> int:
        if self.as_json:
            echo_json({"root": str(self.root), "changed": self.changed,
                       "unchanged": self.unchanged, "skipped": self.skipped,
                       "failed": self.failed})
        elif self.failed:
            click.echo(_("{count} step(s) failed").format(count=len(self.failed)))
        elif self.changed:
            click.echo(_("{count} change(s)").format(count=len(self.changed)))
        else:
            click.echo(_("nothing to change: already in place"))
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
            plan.done(False, N_("user {user} exists in {path}"), user=USER, path=passwd)
        elif passwd.is_file():
            plan.run(add[:1] + ["--root", str(plan.root)] + add[1:], when_live_only=False)
        else:
            plan.skip(N_("{command} (no /etc/passwd under --root)"), command=" ".join(add))
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
        plan.done(False, N_("user {user} in groups {groups}"), user=USER,
                  groups=",".join(groups))


def hand_token_to_user(plan: Plan, config_file: str) -> None:
    """The service runs as `kiosk` and reads its token (mode 0600) from its state directory:
    the token belongs to it. The config (and a token kept elsewhere) stays root's, group kiosk,
    mode 0640 (kiosk/setup/firstboot.py)."""
    from kiosk import config

    path = plan.path(config_file.lstrip("/"))
    if not path.is_file():
        return
    try:
        given = str(config.load(path).token_path)
    except config.ConfigError:
        return
    if not given.startswith("/var/lib/kiosk/"):
        return  # elsewhere it is root:kiosk 0640 like the config (kiosk/setup/firstboot.py)
    token = plan.path(given.lstrip("/"))
    if not plan.live:
        plan.skip(N_("{command} (--root is not /)"), command=f"chown {USER} {token}")
        return
    try:
        user = pwd.getpwnam(USER)
    except KeyError:
        plan.skip(N_("chown {user}: no such user"), user=USER)
        return
    if not token.exists():
        return
    # The state directory's owner is the service's user: kiosk, or the desktop user when the
    # desktop drop-in runs it (systemd hands the directory over at start).
    owner = token.parent.stat()
    uid, gid = (owner.st_uid, owner.st_gid) if owner.st_uid else (user.pw_uid, user.pw_gid)
    st = token.stat()
    changed = (st.st_uid, st.st_gid, st.st_mode & 0o777) != (uid, gid, 0o600)
    if changed:
        os.chown(token, uid, gid)
        os.chmod(token, 0o600)
    plan.done(changed, N_("{path} owned by {user}, mode 0600"), path=token,
              user=pwd.getpwuid(uid).pw_name)


def token_to_state_owner(token) -> bool:
    """A token root writes (kiosk-setup init re-enrolling a running kiosk) into a state
    directory the service already owns goes to that owner, mode 0600, so the service can
    read it without another `kiosk-setup install`. True when it was handed over."""
    token = Path(token)
    if os.geteuid() != 0 or not token.is_file():
        return False
    owner = token.parent.stat()
    if owner.st_uid == 0:
        return False
    os.chown(token, owner.st_uid, owner.st_gid)
    os.chmod(token, 0o600)
    return True


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
                  N_("{path} has consoleblank=0") if off else N_("{path} without consoleblank=0"),
                  path=f"/{rel}")
        break
    else:
        plan.skip(N_("consoleblank=0: no /boot/firmware/cmdline.txt (not a Raspberry Pi "
                     "image)"))
    if off and plan.path("etc/X11").is_dir():
        plan.put(XORG_DROPIN, XORG_TEXT)
    elif not off:
        plan.remove(XORG_DROPIN)
