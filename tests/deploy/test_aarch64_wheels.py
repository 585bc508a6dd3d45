"""Every pinned package of the kiosk installs on a Raspberry Pi (aarch64, CPython 3.11):
a wheel from PyPI, or for evdev an sdist built with the compilers the installer puts there.
Asks PyPI (skipped with the reason when it cannot be reached); a few seconds with the cache."""
from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest

from tests.deploy import aarch64_pins as pins

SCRIPT = pins.REPO / "scripts" / "pi-install.sh"
CACHE = Path.home() / ".cache" / "kiosk-aarch64"
# What the Kivy wheel's SDL opens at run time under KMS/DRM (and for sound), and the
# Bookworm package holding each.
SDL_OPENS = {"libEGL.so.1": "libegl1", "libGLESv2.so.2": "libgles2", "libgbm.so.1": "libgbm1",
             "libdrm.so.2": "libdrm2", "libudev.so.1": "libudev1", "libasound.so.2": "libasound2"}


def apt_packages() -> set[str]:
    block = re.search(r"^APT_PACKAGES=\((.*?)^\)", SCRIPT.read_text(), re.M | re.S).group(1)
    return {word for line in block.splitlines() for word in line.split("#")[0].split()}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    why = pins.pypi_reachable()
    if why:
        pytest.skip(why)
    dest = tmp_path_factory.mktemp("aarch64")
    wanted = {k: v for k, v in pins.kiosk_pins().items() if k not in pins.BUILT_ON_THE_PI}
    started = time.monotonic()
    proc = pins.download(wanted, dest, CACHE)
    print(f"pip download of {len(wanted)} aarch64 wheels: {time.monotonic() - started:.1f} s")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return wanted, sorted(p.name for p in dest.iterdir()), dest


def test_every_pinned_kiosk_package_has_an_aarch64_cp311_wheel(wheels):
    wanted, names, _ = wheels
    assert {"kivy", "pillow", "pydantic-core", "pyserial", "qrcode"} <= set(wanted)
    assert len(names) == len(wanted)
    for name in names:
        tags = name[:-4].split("-")[-3:]
        assert tags[0] in ("py3", "py2.py3", "cp311") and (
            tags[2] == "any" or "aarch64" in tags[2]), name


def test_the_kivy_wheels_sdl_finds_the_libraries_the_installer_puts_there(wheels):
    _, names, dest = wheels
    kivy = dest / next(n for n in names if n.lower().startswith("kivy-2"))
    with zipfile.ZipFile(kivy) as wheel:
        sdl = next(n for n in wheel.namelist() if re.search(r"/libSDL2-2[^/]*\.so", n))
        blob = wheel.read(sdl)
    assert b"KMSDRM" in blob  # the wheel's SDL can draw without X or Wayland
    apt = apt_packages()
    for soname, package in SDL_OPENS.items():
        assert soname.encode() in blob, soname
        assert package in apt, f"{soname} ({package}) is not installed by pi-install.sh"


@pytest.mark.parametrize("name", sorted(pins.BUILT_ON_THE_PI))
def test_a_package_without_a_wheel_has_an_sdist_and_its_build_tools(name):
    why = pins.pypi_reachable()
    if why:
        pytest.skip(why)
    version = pins.pins()[pins.canonicalize_name(name)]
    assert name in pins.kiosk_pins()
    assert f"{name}-{version}.tar.gz" in pins.files(name)
    assert set(pins.BUILT_ON_THE_PI[name]) <= apt_packages()
