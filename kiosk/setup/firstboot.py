"""The kiosk user and the config's owner, written as systemd files that apply at every boot.

`install --root DIR` prepares an image: useradd and chown cannot act on a folder, so the user
goes into /etc/sysusers.d/kiosk.conf (systemd-sysusers creates it at the first boot) and the
config's owner and mode into /etc/tmpfiles.d/kiosk.conf (systemd-tmpfiles applies it at boot,
and kiosk.service again before each start, so a config rewritten by `kiosk-setup init` with
mode 0600 is readable by the service once more). On / they are written too and applied at once.
"""
from __future__ import annotations

import grp
import os
import re

from kiosk.setup.system import GROUPS, USER, Plan
from sync.wire.labels import N_

SYSUSERS = "etc/sysusers.d/kiosk.conf"
TMPFILES = "etc/tmpfiles.d/kiosk.conf"
STATE_DIR = "/var/lib/kiosk"  # the unit's StateDirectory
CONFIG_MODE = 0o640  # root:kiosk: the service reads it, only root changes it


def sysusers_text() -> str:
    return "\n".join(
        ["# Written by kiosk-setup install: the kiosk service's user and its device groups.",
         "# systemd-sysusers creates what is missing at boot (an image made with --root).",
         f'u {USER} - "evaluator kiosk" {STATE_DIR} /usr/sbin/nologin']
        + [f"m {USER} {group}" for group in GROUPS]) + "\n"


def tmpfiles_text(config_file: str, token: str | None) -> str:
    lines = ["# Written by kiosk-setup install: the service (user kiosk) reads its config.",
             "# Applied at boot and by kiosk.service before each start (ExecStartPre=+).",
             f"z {config_file} {CONFIG_MODE:04o} root {USER} -"]
    if outside_state_dir(token):  # the state directory is systemd's to hand over
        lines.append(f"z {token} {CONFIG_MODE:04o} root {USER} -")
    return "\n".join(lines) + "\n"


def outside_state_dir(token: str | None) -> bool:
    return bool(token) and not token.startswith(STATE_DIR + "/")


def _token(plan: Plan, config_file: str) -> str | None:
    from kiosk import config

    path = plan.path(config_file.lstrip("/"))
    try:
        return str(config.load(path).token_path) if path.is_file() else None
    except config.ConfigError:
        return None


def _root_gid(plan: Plan) -> int | None:
    """The kiosk group's id in the root's own /etc/group (an image), or on / the system's."""
    if plan.live:
        try:
            return grp.getgrnam(USER).gr_gid
        except KeyError:
            return None
    group = plan.path("etc/group")
    text = group.read_text() if group.is_file() else ""
    found = re.search(rf"^{USER}:[^:]*:(\d+):", text, re.M)
    return int(found.group(1)) if found else None


def write_firstboot(plan: Plan, config_file: str) -> None:
    """sysusers.d and tmpfiles.d files, then the config made readable for the service now."""
    plan.put(SYSUSERS, sysusers_text())
    plan.put(TMPFILES, tmpfiles_text(config_file, _token(plan, config_file)))
    path = plan.path(config_file.lstrip("/"))
    if not path.is_file():
        plan.skip(N_("{path} not found: run kiosk-setup init (at each start the service "
                     "makes it root:kiosk 0640)"), path=config_file)
        return
    token = _token(plan, config_file)
    for shown in [config_file] + ([token] if outside_state_dir(token) else []):
        if plan.path(shown.lstrip("/")).is_file():
            _readable_by_group(plan, shown)


def _readable_by_group(plan: Plan, shown: str) -> None:
    """root:kiosk 0640 now where the group is known, else mode 0640 and the group at boot
    (an image's group kiosk does not exist before its first boot)."""
    path = plan.path(shown.lstrip("/"))
    gid = _root_gid(plan) if os.geteuid() == 0 else None
    st = path.stat()
    if gid is not None:
        changed = (st.st_mode & 0o777, st.st_uid, st.st_gid) != (CONFIG_MODE, 0, gid)
        if changed:
            os.chown(path, 0, gid)
            os.chmod(path, CONFIG_MODE)
        plan.done(changed, N_("{path} root:{user}, mode 0640"), path=shown, user=USER)
        return
    changed = st.st_mode & 0o777 != CONFIG_MODE
    if changed:
        os.chmod(path, CONFIG_MODE)
    plan.done(changed, N_("{path} mode 0640; group {user} at first boot "
                          "(/etc/tmpfiles.d/kiosk.conf)"), path=shown, user=USER)
