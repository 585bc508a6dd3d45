"""What several benchmarks share: a private Xvfb, kiosk.service's environment, percentiles,
this process's RSS."""
from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

UNIT = Path(__file__).resolve().parent.parent / "systemd" / "kiosk.service"


def start_xvfb(screen: str = "800x480x24") -> subprocess.Popen:
    """Xvfb on a display number it picks itself; sets DISPLAY. The caller terminates it."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", screen,
                             "-nolisten", "tcp"], pass_fds=(write_fd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        os.environ["DISPLAY"] = ":" + pipe.readline().strip()
    return proc


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def rss_mb() -> float:
    """This process's resident memory in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def unit_environment() -> dict:
    """The Environment= settings of systemd/kiosk.service, as the kiosk runs under it."""
    env = {}
    for line in UNIT.read_text().splitlines():
        if line.startswith("Environment="):
            for item in shlex.split(line.partition("=")[2]):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def unit_python(cache: Path) -> dict:
    """The unit's settings of the Python interpreter itself (PYTHON*: where bytecode is
    cached), that cache moved under `cache`; given to the kiosk and the bare app alike, warmed
    by a first start of each as a deployed kiosk's first boot warms it."""
    env = {k: v for k, v in unit_environment().items() if k.startswith("PYTHON")}
    if "PYTHONPYCACHEPREFIX" in env:
        env["PYTHONPYCACHEPREFIX"] = str(cache / "pycache")
        # The service writes its bytecode; a developer's PYTHONDONTWRITEBYTECODE=1 would make
        # every start compile every module again (empty: not set, for Python).
        env["PYTHONDONTWRITEBYTECODE"] = ""
    return env
