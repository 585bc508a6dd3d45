"""The kiosk's pinned packages, as a Raspberry Pi (aarch64, CPython 3.11) installs them.

kiosk_pins() walks the installed project's requirements with the `kiosk` extra, markers
evaluated for a Pi, and gives each package's version from constraints.txt. download() asks
PyPI for an aarch64/cp311 wheel of each (pip download --only-binary=:all: --no-deps), so a pin
that a Pi could only build from source shows up here, not on a technician's Pi; files() lists
what PyPI holds, to find the sdist of a package built on the Pi (evdev).
`python -m tests.deploy.aarch64_pins` runs the same check by hand.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PI = {"platform_machine": "aarch64", "sys_platform": "linux", "platform_system": "Linux",
      "os_name": "posix", "python_version": "3.11", "python_full_version": "3.11.2",
      "implementation_name": "cpython", "platform_python_implementation": "CPython"}
# The wheel tags pip accepts on Raspberry Pi OS Bookworm: its glibc is 2.36, so manylinux_2_17
# up to manylinux_2_36 (Pillow 13 ships aarch64 wheels only as manylinux_2_28).
GLIBC = 36
PLATFORMS = ("manylinux2014_aarch64",
             *(f"manylinux_2_{minor}_aarch64" for minor in range(17, GLIBC + 1)), "linux_aarch64")
# No aarch64 wheel: built on the Pi from the sdist, with these Debian packages
# (scripts/pi-install.sh APT_PACKAGES).
BUILT_ON_THE_PI = {"evdev": ("build-essential", "python3-dev", "linux-libc-dev")}
INDEX = "https://pypi.org/simple"


def pins() -> dict[str, str]:
    out = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            out[canonicalize_name(name)] = version.strip()
    return out


def kiosk_pins(project: str = "haochaping-kiosk") -> dict[str, str]:
    """{package: pinned version} for everything `pip install '.[kiosk]'` puts on a Pi."""
    pinned, seen, todo = pins(), {}, [(project, {"kiosk"})]
    while todo:
        name, extras = todo.pop()
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker and not any(req.marker.evaluate({**PI, "extra": e})
                                      for e in (extras or {""})):
                continue
            key = canonicalize_name(req.name)
            if key in seen:
                continue
            if key not in pinned:
                raise AssertionError(f"{req.name} (needed by {name}) is not in constraints.txt")
            seen[key] = pinned[key]
            todo.append((req.name, set(req.extras)))
    return dict(sorted(seen.items()))


def pypi_reachable() -> str | None:
    """None, or why PyPI cannot be asked from here."""
    try:
        urllib.request.urlopen(INDEX + "/pip/", timeout=10).close()
        return None
    except OSError as exc:
        return f"PyPI unreachable ({exc})"


def _pip(args: list[str], cache: Path) -> subprocess.CompletedProcess:
    # This machine's pip.conf (local wheel folders, extra indexes, its own constraints) is
    # left out: the question is what PyPI offers a Pi.
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    for key in ("PIP_FIND_LINKS", "PIP_CONSTRAINT", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL"):
        env.pop(key, None)
    return subprocess.run([sys.executable, "-m", "pip", *args, "--index-url", INDEX,
                           "--cache-dir", str(cache), "--no-input"],
                          capture_output=True, text=True, env=env, timeout=600)


def download(packages: dict[str, str], dest: Path, cache: Path) -> subprocess.CompletedProcess:
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    return _pip(["download", "--only-binary=:all:", *platforms, "--python-version", "311",
                 "--implementation", "cp", "--abi", "cp311", "--no-deps", "-d", str(dest),
                 *(f"{name}=={version}" for name, version in packages.items())], cache)


def files(name: str) -> list[str]:
    """The file names PyPI holds for a package (its JSON simple index, as pip reads it)."""
    request = urllib.request.Request(f"{INDEX}/{name}/", headers={
        "Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return [f["filename"] for f in json.load(answer)["files"]]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        found = kiosk_pins()
        wheels = {k: v for k, v in found.items() if k not in BUILT_ON_THE_PI}
        proc = download(wheels, Path(tmp), Path.home() / ".cache" / "kiosk-aarch64")
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        print(sorted(os.listdir(tmp)))
        sys.exit(proc.returncode)
