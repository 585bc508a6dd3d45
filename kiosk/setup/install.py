"""`kiosk-setup install` / `uninstall`: the kiosk user, systemd units, udev rules, no blanking.

Everything is written under --root (default /), so an SD-card image or a test folder can be
prepared too. Commands that change the running system (useradd, systemctl, udevadm) run only
where they apply: on / (and useradd --root when the root has an /etc/passwd); otherwise they
are printed as skipped. Both commands are idempotent: a second run changes nothing and says so.
"""
from __future__ import annotations

import os
import pwd
import re
import sys
from pathlib import Path

import click

from kiosk.i18n import _
from kiosk.setup.common import fail
from kiosk.setup.firstboot import SYSUSERS, TMPFILES, write_firstboot
from kiosk.setup.system import (
    RULES,
    TEMPLATE_BIN,
    UNIT_DIR,
    USER,
    Plan,
    ensure_user,
    hand_token_to_user,
    set_blanking,
    units_source,
    wanted_by,
)
from sync.wire.labels import N_


def _root(given: str) -> Path:
    """--root must be an existing folder: a mistyped path would otherwise get a whole tree."""
    path = Path(given)
    if not path.is_dir():
        fail(_("--root {root} is not an existing folder: check the spelling (mount an "
               "image first; create an empty folder with mkdir on purpose)").format(root=given))
    return path.resolve()


@click.command("install")
@click.option("--root", "root", default="/", show_default=True,
              help="Install under this folder instead of the running system (an image, a test); "
                   "it must exist already.")
@click.option("--source", type=click.Path(file_okay=False),
              help="Folder with the unit files and udev rules (default: the software's systemd/).")
@click.option("--bin-dir", type=click.Path(file_okay=False),
              help="Folder holding the `kiosk` and `kiosk-server` programs, for ExecStart= "
                   "(default: this Python's bin on /; with --root, the unit's own "
                   "/opt/kiosk/venv/bin, since this machine's venv is not in the image).")
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
    - creates the `kiosk` system user in groups dialout, input, video, render, audio
      (useradd --system); on --root, only when the root has an /etc/passwd
    - installs kiosk.service into /etc/systemd/system and enables it
      (multi-user.target.wants symlink), with ExecStart pointing at --bin-dir
    - installs the udev rules 99-kiosk.rules: /dev/kiosk-queue for the common
      USB-serial chips, /dev/kiosk-keypad for --keypad-id; group dialout/input, mode 0660
    - makes /etc/kiosk/kiosk.toml root:kiosk mode 0640 (the service reads it) and hands
      the token file (0600) to the kiosk user; /etc/tmpfiles.d/kiosk.conf keeps it so at
      each boot and start, /etc/sysusers.d/kiosk.conf creates the user at first boot
    - turns screen blanking off: consoleblank=0 in the Pi's cmdline.txt, and an Xorg
      drop-in when X is installed
    - reloads systemd and udev when they run here

    With --server: only kiosk-server.service (DynamicUser, no devices).
    Run it again any time: it changes only what differs. Exits 0, 1 when a system
    command failed, 2 for a usage error (not root, unit files not found, a --root that is
    not an existing folder: a mistyped one is refused, not built).
    """
    plan = Plan(_root(root), as_json)
    if plan.live and os.geteuid() != 0:
        fail(_("install changes the system: run it with sudo (or pass --root DIR)"))
    if keypad_id and not re.fullmatch(r"[0-9a-fA-F]{4}:[0-9a-fA-F]{4}", keypad_id):
        fail(_("--keypad-id must look like 1c4f:0002"))
    src = units_source(source)
    units = ["kiosk-server.service"] if server else ["kiosk.service"]
    changed_units = False
    if not server:
        ensure_user(plan)
    if bin_dir is None and plan.live:
        bin_dir = str(Path(sys.executable).parent)
    for unit in units:
        text = (src / unit).read_text()
        if bin_dir is not None:
            # Not resolved: a path inside an image need not exist on this machine.
            text = text.replace(TEMPLATE_BIN, str(Path(bin_dir).absolute()) + "/")
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
        write_firstboot(plan, config_file)
        hand_token_to_user(plan, config_file)
        set_blanking(plan, off=True)
    if changed_units:
        if plan.systemd_running():
            plan.run(["systemctl", "daemon-reload"])
        else:
            plan.skip(N_("{command} (systemd is not running here)"),
                      command="systemctl daemon-reload")
    raise SystemExit(plan.finish())


@click.command("uninstall")
@click.option("--root", "root", default="/", show_default=True,
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
    plan = Plan(_root(root), as_json)
    if plan.live and os.geteuid() != 0:
        fail(_("uninstall changes the system: run it with sudo (or pass --root DIR)"))
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
        plan.remove(TMPFILES)
        plan.remove(SYSUSERS)
        set_blanking(plan, off=False)
        if plan.live:
            try:
                pwd.getpwnam(USER)
                plan.run(["userdel", USER])
            except KeyError:
                plan.done(False, N_("user {user} absent"), user=USER)
        else:
            plan.skip(N_("{command} (--root is not /)"), command=f"userdel {USER}")
    if plan.changed and plan.systemd_running():
        plan.run(["systemctl", "daemon-reload"])
    raise SystemExit(plan.finish())
