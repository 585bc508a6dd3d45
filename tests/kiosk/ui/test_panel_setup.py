"""Issue 26 item 1: `kiosk-setup init` finds the panel's size on the display and offers it
([panel] width and height, --panel-size to set another); `kiosk-setup doctor` checks it, in
Chinese for a Chinese kiosk: a running kiosk whose window is smaller than the screen fails,
a [panel] size that is not the screen's warns. Each command is its own process on an Xvfb of
1024x600 (SDL, once started in a process, keeps its first display)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import config
from tests.helpers.panel_kiosk import start_xvfb

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
SETUP = Path(sys.executable).with_name("kiosk-setup")


@pytest.fixture(scope="module")
def panel_display():
    proc, name = start_xvfb((1024, 600))
    yield name
    proc.terminate()
    proc.wait(timeout=5)


def setup(display, *args, code=0):
    """`kiosk-setup ARGS` as its own process on `display`, under a Chinese LANG."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "LANG", "LC_"))}
    env.update(DISPLAY=display, LANG="zh_CN.UTF-8")
    out = subprocess.run([str(SETUP), *map(str, args)], env=env, capture_output=True,
                         text=True, timeout=60)
    if code is not None:
        assert out.returncode == code, out.stdout + out.stderr
    return out.stdout + out.stderr


def init(display, path, data, *extra):
    return setup(display, "init", "--config", path, "--yes", "--window", 5, "--port", "-",
                 "--language", "zh_CN", "--pin", "135790", "--data-dir", data, "--no-doctor",
                 *extra)


def panel_check(display, path) -> dict:
    """doctor's panel check, as --json gives it."""
    text = setup(display, "doctor", "--config", path, "--json", "--skip", "queue", "--skip",
                 "clock", code=None)
    [found] = [c for c in json.loads(text)["checks"] if c["name"] == "panel"]
    return found


def test_init_finds_the_panel_size_and_doctor_checks_it(panel_display, tmp_path):
    path, data = tmp_path / "kiosk.toml", tmp_path / "data"
    said = init(panel_display, path, data)
    assert "找到屏幕尺寸：1024x600（x11）" in said, said
    cfg = config.load(path)
    assert (cfg.panel.width, cfg.panel.height, cfg.display.fullscreen) == (1024, 600, True)

    check = panel_check(panel_display, path)
    assert (check["status"], check["message"]) == ("pass", "屏幕 1024x600，旋转 0°：画面为 1024x600")

    init(panel_display, path, data, "--panel-size", "800x480", "--rotation", 90)
    check = panel_check(panel_display, path)
    assert check["status"] == "warn"
    assert check["message"] == ("屏幕 1024x600，旋转 90°：画面为 600x1024；而 [panel] 中写的是 "
                                "800x480")
    assert "kiosk-setup init --panel-size 1024x600" in check["fix"]

    # What an old kiosk did on an X without a window manager: an 800x480 window on the screen.
    data.mkdir(exist_ok=True)
    (data / "panel.json").write_text(json.dumps({
        "screen": {"driver": "x11", "width": 1024, "height": 600}, "window": [800, 480],
        "rotation": 90}))
    check = panel_check(panel_display, path)
    assert check["status"] == "fail"
    assert check["message"] == "评价器窗口为 800x480，而屏幕为 1024x600：有一部分画面看不到"
    assert check["fix"].startswith("sudo systemctl restart kiosk；")

    bad = setup(panel_display, "init", "--config", path, "--yes", "--panel-size", "big",
                "--no-doctor", code=2)
    assert "--panel-size big：请给出“宽x高”的像素数" in bad


def test_without_sdl_the_kernels_mode_of_the_connected_connector_is_the_size(tmp_path):
    from kiosk.panel import drm_screen

    for name, status, modes in (("card1-HDMI-A-1", "disconnected", ""),
                                ("card1-DSI-1", "connected", "800x480\n640x480\n"),
                                ("card1-HDMI-A-2", "connected", "1920x1080\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "status").write_text(status + "\n")
        (tmp_path / name / "modes").write_text(modes)
    found = drm_screen(tmp_path)
    assert (found.driver, found.size) == ("drm", (800, 480))  # the first connected, preferred
    assert drm_screen(tmp_path / "none") is None


@pytest.mark.skipif(Path("/dev/dri").exists(), reason="SDL would find the KMS/DRM screen")
def test_no_display_no_screen(tmp_path):
    code = "from kiosk.panel import sdl_screen; print(sdl_screen())"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60, cwd=Path(__file__).resolve().parents[3])
    assert out.stdout.strip() == "None", out.stdout + out.stderr
