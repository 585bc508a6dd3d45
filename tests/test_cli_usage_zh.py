"""click's usage and type errors in Chinese sessions of the three CLIs: no English type name
(`'综合受理' 不是有效的 integer range`), no ASCII full stop after a missing parameter, no
`File` before a path; English sessions read click's own words, and click is restored after."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import click.exceptions
import click.types
import pytest
from click.testing import CliRunner

BIN = Path(sys.executable).parent


def run(*args, lang="zh_CN.UTF-8"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(LANG=lang, KIOSK_CONFIG="/nonexistent/kiosk.toml", COLUMNS="100")
    proc = subprocess.run([str(BIN / args[0]), *args[1:]], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    return proc.stderr


@pytest.mark.parametrize("args, said", [
    (("kiosk-setup", "init", "--window", "综合受理"),
     "错误：'--window' 的值无效：'综合受理' 不是 1 到 999 之间的整数。"),
    (("kiosk-setup", "init", "--window", "0"), "错误：'--window' 的值无效：0 不是 1 到 999 之间的整数。"),
    (("kiosk-setup", "doctor", "--listen", "99"),
     "错误：'--listen' 的值无效：99.0 不是 0 到 60 之间的数。"),
    (("kiosk", "demo", "--interval", "x"), "错误：'--interval' 的值无效：'x' 不是 1 到 600 之间的数。"),
    (("kiosk", "demo", "--seed", "x"), "错误：'--seed' 的值无效：'x' 不是整数。"),
    (("kiosk-server", "import"), "错误：缺少参数 'FILE'。"),
    (("kiosk-setup", "export"), "错误：缺少选项 '-o' / '--output'。"),
    (("kiosk-server", "import", "/nonexistent/r.csv"),
     "错误：'FILE' 的值无效：文件 '/nonexistent/r.csv' 不存在。"),
    (("kiosk", "--nope"), "错误：没有选项 '--nope'。"),
    (("kiosk-server", "nope"), "错误：没有命令 'nope'。"),
])
def test_usage_errors_read_chinese(args, said):
    err = run(*args)
    assert said in err, err
    assert err.startswith(f"用法：{args[0]}") and "查看帮助" in err, err


def test_english_sessions_keep_clicks_words():
    err = run("kiosk-setup", "init", "--window", "x", lang="C")
    assert "Error: Invalid value for '--window': 'x' is not a valid integer range." in err
    assert "Error: Missing argument 'FILE'." in run("kiosk-server", "import", lang="C")


def test_click_is_restored_after_a_chinese_main(monkeypatch):
    from kiosk.setup.cli import main

    originals = (click.types._NumberParamTypeBase.convert, click.types._NumberRangeBase.convert,
                 click.types.Path.convert, click.exceptions.MissingParameter.format_message)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("KIOSK_CONFIG", "/nonexistent/kiosk.toml")
    result = CliRunner().invoke(main, ["doctor", "--listen", "x"])
    assert "'x' 不是 0 到 60 之间的数。" in result.output, result.output
    assert originals == (click.types._NumberParamTypeBase.convert,
                         click.types._NumberRangeBase.convert, click.types.Path.convert,
                         click.exceptions.MissingParameter.format_message)
    with pytest.raises(click.BadParameter, match="is not a valid integer range"):
        click.IntRange(1, 9).convert("x", None, None)
