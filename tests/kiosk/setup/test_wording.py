"""What a technician reads (issue 26 item 10): init's first question says what Enter does and
a 'no server' is never resumed; a PIN error shows the rule, not click's '***'; a number
question's error names the range in Chinese; doctor says what failed, not `ConnectError`, with
the English detail under --verbose only; export never overwrites silently, its CSV has a BOM
and its XLSX speaks the kiosk's language in local time."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.setup.common import verify_pin
from tests.kiosk.setup.conftest import run, write_config
from tests.kiosk.setup.test_cli_errors import _closed_port_url
from tests.kiosk.setup.test_data import _kiosk, _ratings

KIOSK_SETUP = Path(sys.executable).with_name("kiosk-setup")
# Every other question of init answered by a flag: only the server, window and PIN are asked.
FLAGS = ("--window-name", "综合受理", "--hall-name", "市民中心", "--dialect", "line",
         "--port", "-", "--keypad", "-", "--language", "en", "--rotation", "0", "--no-doctor")


@pytest.mark.parametrize("lang, enter_says, none_says, kept_window", [
    ("C.UTF-8", "(Enter: no server, ratings stay on this kiosk)",
     "no server: ratings stay on this kiosk", "Window number: 5 (kept)"),
    ("zh_CN.UTF-8", "（直接回车：不连服务器，评价只存在本机）", "不连服务器：评价只存在本机",
     "窗口号：5（沿用上次的回答）"),
])
def test_enter_at_the_first_question_says_no_server_and_is_not_resumed(
        tmp_path, monkeypatch, lang, enter_says, none_says, kept_window):
    monkeypatch.setenv("LANG", lang)
    path = tmp_path / "kiosk.toml"
    first = run("init", "--config", path, "--data-dir", tmp_path / "data", *FLAGS,
                input="\n5\n", code=1)  # Enter, window 5, then the technician stops
    assert enter_says in first.output and none_says in first.output, first.output
    kept = json.loads((tmp_path / ".kiosk.toml.answers").read_text(encoding="utf-8"))
    assert kept["window"] == 5 and "server_url" not in kept, kept
    again = run("init", "--config", path, "--data-dir", tmp_path / "data", *FLAGS,
                input="y\n\n", code=1)  # continue from there: the server is asked again
    assert enter_says in again.output, again.output
    assert kept_window in again.output, again.output


def test_the_first_question_offers_to_keep_a_configured_server(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "C.UTF-8")
    path = write_config(tmp_path / "kiosk.toml", server={"url": "https://pj.example.gov.cn"})
    out = run("init", "--config", path, "--data-dir", tmp_path / "data", *FLAGS,
              input="", code=1).output
    assert "Server URL (Enter: keep https://pj.example.gov.cn; - for no server):" in out, out


@pytest.mark.parametrize("lang, rule, differ, window", [
    ("C.UTF-8", "error: the PIN must be 4 to 12 digits; type it again",
     "error: the two PINs differ", "Error: '综合受理' is not a valid integer range."),
    ("zh_CN.UTF-8", "错误：PIN 必须是 4 到 12 位数字，请重新输入", "错误：两次输入的 PIN 不一致",
     "错误：'综合受理' 不是 1 到 999 之间的整数。"),
])
def test_pin_and_window_errors_say_the_rule(tmp_path, monkeypatch, lang, rule, differ, window):
    """Typing 12 (or 4) as the PIN printed `4 到 '***' 位数字`: click masks every word of an
    error that equals the hidden answer."""
    monkeypatch.setenv("LANG", lang)
    path = tmp_path / "kiosk.toml"
    answers = ["-", "综合受理", "5", "12", "4", "2580", "2581", "2580", "2580"]
    out = run("init", "--config", path, "--data-dir", tmp_path / "data", *FLAGS,
              input="\n".join(answers) + "\n").output
    assert "***" not in out and out.count(rule) == 2, out
    assert differ in out and window in out, out
    assert "integer range" not in out or lang.startswith("C")
    from kiosk import config

    assert verify_pin("2580", config.load(path).technician.pin_hash)


def _enrolled_kiosk(tmp: Path, language: str) -> Path:
    """A kiosk with a token whose server does not listen: every network check fails."""
    data = tmp / "data"
    data.mkdir()
    token = data / "device-token.json"
    token.write_text(json.dumps({"device_id": "hall01-w05", "token": "t" * 32}))
    token.chmod(0o600)
    path = tmp / "kiosk.toml"
    path.write_text(f'[device]\nid = "hall01-w05"\ndata_dir = "{data}"\nlanguage = "{language}"\n'
                    f'[window]\nnumber = 5\n[server]\nurl = "{_closed_port_url()}"\n'
                    f'timeout_s = 1.0\n', encoding="utf-8")
    return path


def _doctor(path: Path, *extra: str, lang: str = "zh_CN.UTF-8") -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(LANG=lang, COLUMNS="200")
    proc = subprocess.run([str(KIOSK_SETUP), "doctor", "--config", str(path), "--listen", "0",
                           "--skip", "display", "--skip", "settings", *extra], env=env,
                          capture_output=True, text=True, timeout=60)
    return proc.stdout + proc.stderr


def test_doctor_says_what_failed_and_keeps_the_detail_for_verbose(tmp_path):
    path = _enrolled_kiosk(tmp_path, "zh_CN")
    out = _doctor(path)
    assert "拒绝连接" in out and "（无法连接服务器）" in out, out
    for english in ("ConnectError", "config pull failed", "using the cached config", "Errno"):
        assert english not in out, out
    verbose = _doctor(path, "--verbose")
    assert "（详情：ConnectError" in verbose and "Connection refused" in verbose, verbose
    assert "config pull failed (ConnectError)" in verbose, "the log lines, when asked for"


def test_doctor_in_english_names_no_exception_either(tmp_path):
    out = _doctor(_enrolled_kiosk(tmp_path, "en"), lang="C")
    assert "refused the connection" in out and "(cannot connect to the server)" in out, out
    assert "ConnectError" not in out and "config pull failed" not in out, out


def test_export_refuses_to_overwrite_without_force(tmp_path):
    path, cfg = _kiosk(tmp_path)
    _ratings(cfg, 2)
    target = tmp_path / "w05.csv"
    target.write_text("a clerk's own sheet\n", encoding="utf-8")
    out = run("export", "--config", path, "-o", target, code=1).output
    assert f"{target} exists already: give --force to replace it" in out, out
    assert "nothing was written" in out and "wrote" not in out
    assert target.read_text(encoding="utf-8") == "a clerk's own sheet\n"
    run("export", "--config", path, "-o", target, "--force")
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfuuid,"), "a UTF-8 BOM, for Excel"
    assert data.count(b"\xef\xbb\xbf") == 1 and data.count(b"\n") == 3


@pytest.fixture
def shanghai(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_xlsx_in_chinese_words_and_local_time(tmp_path, shanghai):
    from openpyxl import load_workbook

    from kiosk import config

    path = write_config(tmp_path / "kiosk.toml", window={"number": 5}, device={
        "id": "hall01-w05", "data_dir": str(tmp_path / "data"), "language": "zh_CN"})
    cfg = config.load(path)
    _ratings(cfg, 3)  # levels 1, 2, 3; the first two with 服务态度差; 00:00, 01:00, 02:00 UTC
    target = tmp_path / "w05.xlsx"
    run("export", "--config", path, "-o", target)
    sheet = load_workbook(target).active
    assert sheet.title == "评价"
    header, *values = sheet.iter_rows(values_only=True)
    rows = [dict(zip(header, row)) for row in values]
    first = rows[0]
    assert first["评价时间（本地）"] == "2026-01-10 08:00:00", first
    assert first["评价"] == "非常不满意" and first["不满意原因"] == "服务态度差"
    assert first["上传状态"] == "待上传" and rows[2]["评价"] == "基本满意"
    # the codes stay beside the words, for a formula or a script
    assert first["level"] == 1 and first["reasons"] == "attitude"
    assert first["rated_at"] == "2026-01-10T00:00:00.000Z" and first["sync_state"] == "pending"
