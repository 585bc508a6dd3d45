"""Every command line in README.md and the manuals (docs/**/*.md) is run, so neither can drift
from the code.

Shell code blocks (```sh / ```bash) are cut into command lines (continuations joined, comments
dropped) and each one is run in a sandbox: a loopback server with real enrolment codes, a
config file in a temporary folder ($KIOSK_CONFIG), a temporary server database. A command
passes when it exits 0 or 1 (1: a check failed here, e.g. no display or serial port; the
commands document that code) without a usage error or a traceback; a long-running one (a
server, the kiosk) passes when it is still running after a few seconds.

Commands of this project (kiosk, kiosk-setup, kiosk-server, .venv/bin/..., ./scripts/...) are
picked up by themselves. Anything else needs an entry in RULES below: run it, adapt it (with
the reason), or leave it out (with the reason). Adaptations are spelt out there, so what is
not run as written is visible in one place.

Inline commands (`kiosk-setup status`, `kiosk-server revoke DEVICE`) are checked without
running them: the subcommand exists and takes every --option the README gives it.
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# The manuals' pages not read here, each with its reason (everything else under docs/ is).
DOC_EXCLUDED = {
    "docs/queue-link.md": "the queue-system vendors' wire contract, byte-identical to the shared "
                          "copy (tests/test_spec_copy.py); it has no shell commands",
    "docs/api/reference.md": "generated from the app's OpenAPI description by "
                             "scripts/docs_assets.py (git-ignored); no shell commands",
    "docs/api/mapping-files.md": "generated from server/export/mappings/*.json; no shell commands",
}
DOCS = [README] + sorted(p for p in (ROOT / "docs").rglob("*.md")
                         if str(p.relative_to(ROOT)) not in DOC_EXCLUDED)
VENV_BIN = Path(sys.executable).parent
OUR_PROGRAMS = ("kiosk", "kiosk-setup", "kiosk-server")
USAGE_ERRORS = ("No such option", "No such command", "Missing argument", "Missing option",
                "Invalid value", "Got unexpected extra argument", "Traceback (most recent")


@dataclass
class Command:
    line: int
    text: str
    file: str = "README.md"

    @property
    def id(self) -> str:
        return f"{self.file}:L{self.line}:{self.text[:50]}"

    @property
    def where(self) -> str:
        return f"{self.file} line {self.line}"


def code_blocks(path: Path = README) -> list[Command]:
    """Command lines of a page's sh/bash code blocks, continuations joined."""
    out, block, lang, start = [], None, "", 0
    name = str(path.relative_to(ROOT))
    lines = path.read_text(encoding="utf-8").splitlines()
    pending, pending_line = "", 0
    for n, line in enumerate(lines, 1):
        fence = re.match(r"^```(\w*)\s*$", line)
        if fence:
            if block is None:
                block, lang, start = [], fence.group(1), n
            else:
                block = None
            continue
        if block is None or lang not in ("sh", "bash", "shell", "console"):
            continue
        text = re.sub(r"\s+#\s.*$", "", line).rstrip()
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if not pending:
            pending_line = n
        if text.endswith("\\"):
            pending += text[:-1].strip() + " "
            continue
        out.append(Command(pending_line, (pending + text.strip()).strip(), name))
        pending = ""
    assert start or path != README, "README.md has no code blocks"
    return out


# -- what to do with each command ------------------------------------------------------------
# (pattern, action, reason). Actions: "skip" (not run, reason says why), "long" (runs until
# stopped: passes when still running after LONG_S), a function (command, sandbox) -> command
# (an adaptation; the reason says what changes and why). First match wins.
LONG_S = 4.0
SYNOPSIS = re.compile(r"\[--|\w\|\w")  # [--option] or a|b: a usage line


def _demo(cmd: str, box) -> str:
    """The first demo.sh line runs for 8 s without a display; later ones (the same script with
    other options) have their options checked by `kiosk demo ... --help`, to save ~15 s each."""
    if box.demo_ran:
        return f".venv/bin/kiosk demo {cmd.removeprefix('./scripts/demo.sh')} --help"
    box.demo_ran = True
    cmd = re.sub(r"--duration \d+", "", cmd)
    return f"env -u DISPLAY {cmd} --duration 8"


def _install(cmd: str, box) -> str:
    return f"{cmd} --root {box.path / 'image'}"


def _test_sh(cmd: str, box) -> str:
    return f"{cmd} --collect-only -q tests/test_layout.py"


def _collect_only(cmd: str, box) -> str:
    return f"{cmd} --collect-only"


def _server_cmd(cmd: str, box) -> str:
    cmd = cmd.replace("--port 8080", f"--port {box.free_port()}")
    cmd = cmd.replace("var/demo/", f"{box.path}/demo/")
    return cmd.replace("/var/lib/kiosk-server/", f"{box.path}/")


RULES = [
    (r"^sudo apt-get ", "skip", "installs Debian packages on the Pi (root, network); "
     "scripts/bootstrap.sh installs the same ones for the tests and CI"),
    (r"^git clone ", "skip", "needs the repository's URL and the network"),
    (r"/opt/kiosk|^sudo ln -sf|^sudo mkdir", "skip",
     "sets up /opt/kiosk on a Pi (root, network for pip); the venv it makes is what "
     "scripts/bootstrap.sh makes in .venv"),
    (r"^sudo reboot", "skip", "reboots the machine"),
    (r"^\./scripts/test\.sh", _test_sh, "runs the suite inside itself: only bootstrap and "
     "pytest's start-up are run (collecting one file)"),
    (r"^\./scripts/demo\.sh", _demo, "runs until stopped: without a display, for 8 s (the "
     "first line; the others' options through kiosk demo --help)"),
    (r"^\.venv/bin/python -m pytest ", _collect_only, "runs tests inside the suite, which "
     "runs those files itself: only collected here"),
    (r"scripts/docs_build\.sh", "skip", "builds the site (a minute of screenshots): "
     "tests/test_docs_site.py runs it"),
    (r"kiosk-setup (un)?install\b", _install, "changes this machine: run into --root <tmp>"),
    (r"kiosk-server holidays load ", "skip", "needs that year's holiday table (the State "
     "Council's schedule as a file); its options are checked as an inline command"),
    (r"kiosk-server serve\b", "long", "serves until stopped (port 8080 and /var/lib are "
     "replaced by a free port and the sandbox)"),
    (r"kiosk-server ", _server_cmd, "server database paths point into the sandbox"),
]


def rule_for(cmd: str):
    for pattern, action, reason in RULES:
        if re.search(pattern, cmd):
            return action, reason
    return None, None


def program(cmd: str) -> str:
    words = shlex.split(re.sub(r"^(sudo |env (-u \w+ )*(\w+=\S+ )*)+", "", cmd))
    while words and re.match(r"^\w+=", words[0]):
        words.pop(0)
    return Path(words[0]).name if words else ""


class Sandbox:
    def __init__(self, path: Path, server) -> None:
        self.path, self.server = path, server
        self.demo_ran = False

    def code(self) -> str:
        from server.api.enrol import create_code

        return create_code(self.server.store, "hall01", 5).code

    @staticmethod
    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        env.update(PATH=f"{VENV_BIN}:{env.get('PATH', '/usr/bin:/bin')}",
                   KIOSK_CONFIG=str(self.path / "kiosk.toml"),
                   KIOSK_SERVER_DB=str(self.path / "server.db"),
                   KIOSK_TECH_PIN="2468", LANG="C.UTF-8",
                   KIOSK_DEMO_DIR=str(self.path / "demo"))  # not the repository's var/demo
        return env

    def placeholders(self, cmd: str) -> str:
        """The README's example server and code become the sandbox's; sudo is dropped (the
        sandbox needs no root: nothing outside it is written)."""
        cmd = re.sub(r"(^|&& |; )sudo ", r"\1", cmd)
        cmd = cmd.replace("https://pj.example.gov.cn", self.server.url)
        cmd = re.sub(r"--code [A-Z0-9]{4}-[A-Z0-9]{4}", lambda _m: f"--code {self.code()}", cmd)
        return cmd


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    from kiosk import config
    from server.runner import ServerThread

    path = tmp_path_factory.mktemp("readme")
    (path / "image" / "etc").mkdir(parents=True)
    server = ServerThread(path / "srv.db", open_ingest=False).start()
    cfg = config.Config()
    cfg.device.data_dir = str(path / "data")
    cfg.device.language = "en"
    cfg.server.url = server.url
    (path / "kiosk.toml").write_text(config.dump(cfg), encoding="utf-8")
    yield Sandbox(path, server)
    server.stop()


COMMANDS = [command for path in DOCS for command in code_blocks(path)]


@pytest.mark.parametrize("command", COMMANDS, ids=[c.id for c in COMMANDS])
def test_readme_command_runs(command, sandbox):
    action, reason = rule_for(command.text)
    if action == "skip":
        pytest.skip(f"{command.where}: not run: {reason}")
    prog = program(command.text)
    ours = prog in OUR_PROGRAMS or command.text.startswith(("./scripts/", ".venv/bin/"))
    if action is None and not ours:
        pytest.fail(f"{command.where}: `{command.text}` runs {prog!r}, which "
                    f"tests/test_readme.py does not know how to run: add a RULES entry "
                    f"(run it, adapt it, or skip it, each with its reason)")
    if ours and SYNOPSIS.search(command.text):
        # A usage line (`cases list [--all] [--sort due|opened]`), not a command to run: its
        # subcommand and options are checked like an inline command.
        check_options(command)
        return
    cmd = sandbox.placeholders(command.text)
    if callable(action):
        cmd = action(cmd, sandbox)
    elif action == "long":
        cmd = _server_cmd(cmd, sandbox)
    proc = subprocess.Popen(["bash", "-c", cmd], cwd=ROOT, env=sandbox.env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=LONG_S if action == "long" else 120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        if action != "long":
            pytest.fail(f"{command.where}: `{cmd}` did not finish:\n{out[-2000:]}")
        return
    where = (f"{command.where}: `{cmd}` exited {proc.returncode} (if it cannot "
             f"run in the sandbox, e.g. it needs a file, a device or root, add a RULES entry "
             f"in tests/test_readme.py with the reason)")
    assert not any(err in out for err in USAGE_ERRORS), f"{where}:\n{out[-3000:]}"
    assert proc.returncode in (0, 1), f"{where}:\n{out[-3000:]}"


# -- inline commands: the subcommand exists and takes the options shown ------------------
def _groups() -> dict[str, click.Command]:
    from kiosk.cli import main as kiosk_main
    from kiosk.setup.cli import main as setup_main
    from server.cli import main as server_main

    return {"kiosk": kiosk_main, "kiosk-setup": setup_main, "kiosk-server": server_main}


def inline_commands() -> list[Command]:
    out = []
    for path in DOCS:
        name = str(path.relative_to(ROOT))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for text in re.findall(r"`((?:sudo )?kiosk(?:-setup|-server)? [^`]+)`", line):
                out.append(Command(n, text.removeprefix("sudo "), name))
    return out


INLINE = inline_commands()


@pytest.mark.parametrize("command", INLINE, ids=[c.id for c in INLINE])
def test_readme_inline_command_exists_with_its_options(command):
    check_options(command)


def check_options(command: Command) -> None:
    words = [w.strip("[]") for w in command.text.removeprefix("sudo ").split()]
    words = [w for w in words if w]
    cmd = _groups()[words[0]]
    for word in words[1:]:
        if not isinstance(cmd, click.Group) or word.startswith("-"):
            break
        assert word in cmd.commands, (f"{command.where}: `{command.text}`: "
                                      f"{words[0]} has no command {word!r}")
        cmd = cmd.commands[word]
    known = {opt for p in cmd.params for opt in p.opts + p.secondary_opts} | {"--help", "-h"}
    for word in words[1:]:
        opt = word.split("=", 1)[0]
        if opt.startswith("--"):
            assert opt in known, (f"{command.where}: `{command.text}`: "
                                  f"{cmd.name} has no option {opt}")
