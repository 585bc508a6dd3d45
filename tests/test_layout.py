"""The layout keeps itself: every module's imports point down the layers, codecs do no I/O."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kiosk", "drivers", "sync", "server", "cli_i18n")
# Pure codecs: bytes in, events out. No port, socket, thread, clock or file of their own.
CODECS = ("drivers.line_codec", "drivers.frame_codec", "drivers.caller68_codec",
          "drivers.keypad_codec", "drivers.framing", "drivers.fields", "drivers.events")
IO_MODULES = {"serial", "socket", "threading", "select", "os", "subprocess", "time", "asyncio",
              "requests", "sqlite3", "queue", "pty", "termios", "fcntl"}
# The one place the whole product runs in one process: `kiosk demo` starts a local server.
DEMO = "kiosk.demo"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in a file, lazy ones inside functions too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def is_module(name: str) -> bool:
    """True for a real module or package of ours (drops 'from x import SomeClass' names)."""
    rel = Path(*name.split("."))
    return (ROOT / rel).with_suffix(".py").is_file() or (ROOT / rel / "__init__.py").is_file()


def allowed(src: str, dst: str) -> bool:
    """The layering rules: may module `src` import our module `dst`?"""
    if within(dst, src) or dst == src:
        return True
    if within(src, "sync.wire"):
        return within(dst, "sync.wire")
    if within(src, "cli_i18n"):
        # The CLIs' help in their language: shared by kiosk and server, knows neither.
        return within(dst, "cli_i18n") or within(dst, "sync.wire")
    if within(src, "drivers"):
        if within(src, "drivers.sim"):
            return within(dst, "drivers")
        return within(dst, "drivers") and not within(dst, "drivers.sim")
    if within(src, "sync"):
        return within(dst, "sync")
    if within(src, "server"):
        return within(dst, "server") or within(dst, "sync.wire") or within(dst, "cli_i18n")
    if within(src, "kiosk"):
        if within(dst, "server"):
            return src == DEMO
        if within(dst, "kiosk.setup"):
            return within(src, "kiosk.setup")
        if within(dst, "kiosk.ui"):
            # The screen is started by the `kiosk` command and the demo; the core never
            # reaches up into it, and the technician's CLI does not need it.
            return src in ("kiosk.launch", DEMO) or within(src, "kiosk.ui")
        return (within(dst, "kiosk") or within(dst, "drivers") or within(dst, "sync")
                or within(dst, "cli_i18n"))
    return False


def our_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield module_name(path), path


def test_imports_point_down_the_layers():
    broken = []
    for src, path in our_modules():
        for line, dst in imports(path):
            if dst.split(".")[0] in PACKAGES and is_module(dst) and not allowed(src, dst):
                broken.append(f"{path.relative_to(ROOT)}:{line} {src} imports {dst}")
    assert not broken, "imports that climb the layers:\n" + "\n".join(broken)


@pytest.mark.parametrize("codec", CODECS)
def test_codecs_do_no_io(codec):
    path = ROOT / Path(*codec.split(".")).with_suffix(".py")
    io = [f"{path.name}:{line} imports {dst}" for line, dst in imports(path)
          if dst.split(".")[0] in IO_MODULES]
    assert not io, "a codec must stay pure:\n" + "\n".join(io)


@pytest.mark.parametrize("src, dst, ok", [
    ("sync.uploader", "kiosk.config", False),
    ("sync.outbox", "sync.clocks", True),
    ("drivers.link", "kiosk.flow", False),
    ("drivers.line_link", "drivers.sim.line", False),
    ("server.api.phone", "kiosk.i18n", False),
    ("server.api.phone", "sync.wire.qr_token", True),
    ("server.db.ratings", "sync.outbox", False),
    ("kiosk.flow", "kiosk.ui.app", False),
    ("kiosk.ui.tech_menu", "kiosk.setup.common", False),
    ("kiosk.setup.doctor", "kiosk.i18n", True),
    ("cli_i18n.command", "kiosk.config", False),
    ("cli_i18n.catalog", "server.i18n", False),
    ("server.cli", "cli_i18n.command", True),
])
def test_the_rules_themselves(src, dst, ok):
    """The checker would catch each kind of climb (so a rule can not silently stop working)."""
    assert allowed(src, dst) is ok


def test_every_package_folder_is_a_package():
    for package in PACKAGES:
        for folder in (ROOT / package).rglob("*"):
            if folder.is_dir() and any(folder.glob("*.py")):
                assert (folder / "__init__.py").is_file(), f"{folder} has modules but no __init__.py"
