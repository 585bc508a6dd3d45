"""The three CLIs' help, click's own words and config errors in Chinese when the language is
Chinese, English as before otherwise; every help text has its translation."""
from __future__ import annotations

import gettext
import os
import subprocess
import sys
from pathlib import Path

import click
import click.core
import pytest
from click.testing import CliRunner

from cli_i18n.catalog import CLICK_PO, Catalog, click_modules, click_speaks
from cli_i18n.command import Localized, walk
from cli_i18n.strings import problems
from cli_i18n.wide import fill, width

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def trees():
    from kiosk import config
    from kiosk.cli import main as kiosk_main
    from kiosk.cli_language import HELP_PO
    from kiosk.setup.cli import main as setup_main
    from server.cli import main as server_main
    from server.i18n import LOCALE_DIR

    server_po = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "server_cli.po"
    return {"kiosk-setup": (setup_main, HELP_PO, config.message_ids()),
            "kiosk": (kiosk_main, HELP_PO, []),
            "kiosk-server": (server_main, server_po, [])}


@pytest.mark.parametrize("name", ["kiosk-setup", "kiosk", "kiosk-server"])
def test_every_help_text_has_a_chinese_translation(name):
    from cli_i18n.strings import help_msgids

    root, po_path, extra = trees()[name]
    msgids = [*help_msgids(root), *extra]
    assert len(msgids) > 10
    found = problems(msgids, po_path, CLICK_PO)
    assert not found, (f"{po_path.relative_to(ROOT)} (python scripts/cli_help_strings.py "
                       "lists them as .po entries):\n  " + "\n  ".join(found))


@pytest.mark.parametrize("name", ["kiosk-setup", "kiosk", "kiosk-server"])
def test_every_command_of_the_tree_is_localized(name):
    root = trees()[name][0]
    plain = [path for path, command in walk(root) if not isinstance(command, Localized)]
    assert not plain, f"not localized: {plain}"


def test_clicks_own_words_are_all_translated(tmp_path):
    pot = tmp_path / "click.pot"
    subprocess.run([str(BIN / "pybabel"), "extract", "-o", str(pot),
                    str(Path(click.__file__).parent)], check=True, capture_output=True)
    from babel.messages.pofile import read_po

    with open(pot, "rb") as fh:
        msgids = [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh)
                  if m.id and m.id != "d"]  # "d": a format letter pybabel mistakes for a msgid
    assert "Show this message and exit." in msgids
    assert not problems(msgids, CLICK_PO)


def test_click_speaks_reaches_every_click_module_that_uses_gettext():
    sources = [p for p in Path(click.__file__).parent.glob("*.py")
               if "from gettext import" in p.read_text(encoding="utf-8")
               and p.stem != "_winconsole"]  # Windows only
    catalog = Catalog(CLICK_PO)
    with click_speaks(catalog):
        patched = {m.__name__.split(".")[-1] for m in sys.modules.values()
                   if m and m.__name__.startswith("click.")
                   and getattr(m, "_", None) == catalog.gettext}
    assert {p.stem for p in sources} <= patched
    assert not any(getattr(m, "_", None) == catalog.gettext for m in click_modules())
    assert click.core._ is gettext.gettext, "restored after the block"


def run(*args, lang="zh_CN.UTF-8", config="/nonexistent/kiosk.toml"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(LANG=lang, KIOSK_CONFIG=config, COLUMNS="100")
    return subprocess.run([str(BIN / args[0]), *args[1:]], env=env, capture_output=True,
                          text=True, timeout=60)


def test_kiosk_setup_help_in_chinese_under_a_chinese_lang():
    out = run("kiosk-setup", "init", "--help").stdout
    for word in ("用法：kiosk-setup init", "选项：", "显示本帮助并退出。", "设置本评价器",
                 "服务器管理员提供的一次性注册码。", "--server-url"):
        assert word in out, out


def test_kiosk_setup_help_follows_the_kiosks_config_language(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[device]\nlanguage = "zh_CN"\n', encoding="utf-8")
    assert "命令：" in run("kiosk-setup", "--help", lang="C", config=str(cfg)).stdout
    cfg.write_text('[device]\nlanguage = "en"\n', encoding="utf-8")
    assert "Commands:" in run("kiosk-setup", "--help", config=str(cfg)).stdout


def test_english_stays_under_lang_c():
    out = run("kiosk-setup", "check-config", "--help", lang="C").stdout
    assert out.startswith("Usage: kiosk-setup check-config [OPTIONS]")
    assert "Show this message and exit." in out and "Options:" in out
    assert "Keys, with their defaults" in out and "用法" not in out and "选项" not in out
    server = run("kiosk-server", "--help", lang="C").stdout
    assert "Commands:" in server and "Central collection server" in server


def test_usage_errors_in_chinese_and_english():
    zh = run("kiosk-setup", "sync", "--x")
    assert zh.returncode == 2
    assert "错误：没有选项 '--x'。" in zh.stderr and "查看帮助" in zh.stderr
    en = run("kiosk-server", "enrol-code", lang="C")
    assert en.returncode == 2 and "Error: Missing option '--hall'" in en.stderr
    zh = run("kiosk-server", "enrol-code", "--hall", "H1", "--window", "0")
    assert zh.returncode == 2 and "'--window' 的值无效" in zh.stderr, zh.stderr


def test_config_errors_in_the_clis_language(tmp_path):
    zh = run("kiosk-setup", "sync", "--config", "/nope.toml")
    assert zh.returncode == 2 and "Traceback" not in zh.stderr
    assert zh.stderr.startswith("错误：/nope.toml：找不到配置文件"), zh.stderr
    en = run("kiosk-setup", "sync", "--config", "/nope.toml", lang="C")
    assert en.stderr.startswith("error: /nope.toml: config file not found (set it up")
    bad = tmp_path / "bad.toml"
    bad.write_text('[queue]\nbaudrate = 7\n[window]\n', encoding="utf-8")
    out = run("kiosk-setup", "check-config", "--config", str(bad)).stderr
    assert out.strip() == f"错误：{bad}：[queue] baudrate = 7 无效，应为：2400..115200 之间的波特率"


def test_kiosk_help_in_chinese_in_process():
    from kiosk.cli import main

    result = CliRunner().invoke(main, ["demo", "--help"], env={
        "LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": "",
        "KIOSK_CONFIG": "/nonexistent/kiosk.toml"})
    assert result.exit_code == 0
    assert "用法：" in result.output and "界面语言。" in result.output
    assert "[默认：zh_CN]" in result.output


def test_config_error_keeps_names_and_values_verbatim():
    from kiosk import config
    from kiosk.cli_language import config_error_text

    with pytest.raises(config.ConfigError) as err:
        config.parse('[ui]\nqr_ttl_s = 5\n[bogus]\n', "k.toml")
    assert str(err.value).startswith("k.toml: unknown section [bogus]; known sections: device")
    text = config_error_text(err.value, "zh_CN")
    assert text.startswith("k.toml：未知的配置段 [bogus]；可用的配置段：device, window")
    assert config_error_text(err.value, "en") == str(err.value)


def test_chinese_lines_are_wrapped_by_columns():
    text = ("从中心服务器拉取设备配置（名称、人员名单、照片）的间隔秒数，30..86400；"
            "启动时先拉取一次。") * 3
    lines = fill(text, 40, "  ", "  ").splitlines()
    assert len(lines) > 3 and all(width(line) <= 40 for line in lines)
    assert not any(line.strip()[0] in "，。；）" for line in lines)


def test_the_running_kiosk_loads_no_help_catalog():
    """config.py, which `kiosk run` imports, reaches no CLI module; a Catalog reads nothing
    until asked for a translation."""
    code = ("import sys, kiosk.config, kiosk.services; "
            "print([m for m in sys.modules if m.startswith(('cli_i18n', 'click'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"
    assert Catalog(CLICK_PO)._tr is None
