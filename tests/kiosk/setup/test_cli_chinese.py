"""Every line kiosk-setup prints for a person is Chinese under a Chinese kiosk (no English
sentence left over), and English under LANG=C with an English kiosk. Run as the technician
runs it: the console script in a subprocess, its language from LANG and the config."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kiosk.setup.test_cli_errors import _closed_port_url
from tests.kiosk.setup.test_data import _ratings

KIOSK_SETUP = Path(sys.executable).with_name("kiosk-setup")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# Values a message keeps verbatim in any language, taken out before the line is judged.
VERBATIM = [
    r"^(PASS|WARN|FAIL|skip)  \S+",                     # doctor's status and check name
    r"^\s*[a-z_][a-z0-9_]* = .*$", r"^\s*\"[a-z_]+\",$", r"^\s*\]$",  # check-config's TOML
    r"^\s*\d+,$",                                        # ... and a list's numbers
    r"`[^`]*`", r"<[^>]*>", r"\w+://\S+", r"(?<![\w.])/[^\s，。；：（）,;()]*",  # code, URLs, paths
    r"\[[a-z_.]+\](?: [a-z_]+)?(?: = \S+)?",            # [section] key = value
    r"(?:kiosk-setup|kiosk-server) [a-z-]+(?: (?:--?[\w-]+(?:=\S+)?|\S*\.\.\.))*",
    r"systemctl [a-z-]+ [\w.-]+", r"timedatectl [a-z-]+(?: true)?", r"apt-get install \S+",
    r"\b(?:useradd|usermod|userdel|udevadm|chown)(?: [^\s(（]+)*",  # its arguments, up to "("
    r"--[a-z][\w-]*(?:=\S+)?", r"\b\w+=\S+",              # options, key=value pairs
    r"\b[A-Z][A-Z0-9_]+\b",                               # acronyms, environment variables
    r"\b\w+[./-]\w[\w./-]*",                              # file names, ids, Wi-Fi
]
VERBATIM_RE = re.compile("|".join(f"(?:{v})" for v in VERBATIM), re.M)
# Two English words in a row: a sentence, or a piece of one, that was not translated.
PHRASE = re.compile(r"[A-Za-z]+(?:[ ,;:()]+[A-Za-z]+)+")


def english_left(text: str) -> list[str]:
    """The lines of `text` that still say something in English."""
    bad = []
    for line in text.splitlines():
        rest = VERBATIM_RE.sub(" ", line)
        if PHRASE.search(rest) or (re.search(r"[A-Za-z]{2}", rest) and not CJK.search(line)):
            bad.append(line)
    return bad


def test_the_check_catches_english_left_in_a_chinese_line():
    assert english_left("            处理：on a Pi enable KMS: dtoverlay=vc4-kms-v3d in "
                        "/boot/firmware/config.txt, then reboot")
    assert english_left("PASS  disk     78858 MiB free under /var/lib/kiosk")
    assert english_left("处理：set [queue] url (kiosk-setup init --port ...) if the hall has one")
    assert english_left("changed   /etc/udev/rules.d/99-kiosk.rules")
    assert english_left("已跳过    userdel kiosk (--root is not /)")
    assert not english_left("WARN  clock    timedatectl 无法判断时钟是否已同步（没有 systemd？）")
    assert not english_left("处理：请先 systemctl stop kiosk，再运行 `kiosk-setup doctor`")


def _kiosk_files(tmp: Path, language: str) -> dict[str, Path]:
    """A kiosk whose every part is missing or broken, so doctor says the most it can."""
    from kiosk import config

    data = tmp / "data"
    lang = f'language = "{language}"\n' if language == "en" else ""  # zh_CN is the default
    text = (f'[device]\nid = "hall01-w05"\ndata_dir = "{data}"\n{lang}[window]\nnumber = 5\n'
            f'[queue]\nurl = "/dev/ttyUSB77"\n[keypad]\ndevice = "no-such-keypad"\n'
            f'[server]\nurl = "{_closed_port_url()}"\ntimeout_s = 1.0\n')
    broken = tmp / "broken.toml"
    broken.write_text(text)
    bare = tmp / "bare.toml"
    bare.write_text(f'[device]\nid = "x"\ndata_dir = "{tmp / "bare"}"\n{lang}')
    bad = tmp / "bad.toml"
    bad.write_text("[window]\nnumber = 0\n")
    _ratings(config.load(broken), 2)
    (tmp / "root" / "etc").mkdir(parents=True)
    return {"broken": broken, "bare": bare, "bad": bad, "root": tmp / "root"}


def _commands(f: dict[str, Path], tmp: Path) -> list[tuple[str, ...]]:
    return [
        ("doctor", "--config", f["broken"], "--listen", "0"),
        ("doctor", "--config", f["bare"], "--listen", "0"),
        ("doctor", "--config", tmp / "nope.toml"),
        ("status", "--config", f["broken"]),
        ("check-config", "--config", f["bare"]),
        ("check-config", "--config", f["bad"]),
        ("sync", "--config", f["broken"]),
        ("export", "--config", f["bare"], "-o", tmp / "out.csv"),
        ("export", "--config", f["broken"], "-o", tmp / "out.csv", "--since", "2026-02-01"),
        ("monitor", "--config", f["broken"], "--seconds", "0.2"),
        ("reset", "--config", f["broken"], "--yes"),
        ("reset", "--config", f["broken"], "--force"),  # asks; stdin says no
        ("init", "--config", f["bad"], "--yes", "--no-doctor"),
        ("install", "--root", f["root"]),
        ("install", "--root", f["root"]),
        ("uninstall", "--root", f["root"]),
        ("keypads",),
    ]


def _run(args, lang: str) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(LANG=lang, KIOSK_CONFIG="/nonexistent/kiosk.toml", COLUMNS="100")
    proc = subprocess.run([str(KIOSK_SETUP), *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=60, input="n\n")
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    return out


@pytest.mark.parametrize("lang, language", [("zh_CN.UTF-8", "zh_CN"), ("C", "en")])
def test_every_line_is_in_the_kiosks_language(tmp_path, lang, language):
    files = _kiosk_files(tmp_path, language)
    report = []
    for args in _commands(files, tmp_path):
        out = _run(args, lang)
        assert out.strip(), args
        wrong = english_left(out) if language != "en" else [
            line for line in out.splitlines() if CJK.search(line)]
        report += [f"kiosk-setup {' '.join(map(str, args))}:\n    {line}" for line in wrong]
    assert not report, "\n".join(report)


@pytest.mark.parametrize("lang, language", [("C", "zh_CN"), ("zh_CN.UTF-8", "en")])
def test_doctor_speaks_the_language_of_the_kiosk_it_checks(tmp_path, lang, language):
    """The config given with --config wins over the technician's LANG, as for status."""
    out = _run(("doctor", "--config", _kiosk_files(tmp_path, language)["bare"], "--listen", "0",
                "--skip", "display"), lang)
    lines = [line for line in out.splitlines() if line.strip()]
    if language == "en":
        assert not [line for line in lines if CJK.search(line)], out
    else:
        assert not english_left(out), out
        assert all(CJK.search(line) for line in lines), out
