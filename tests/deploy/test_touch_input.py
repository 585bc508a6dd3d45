"""Kivy's default Linux input providers read the touch panel a second time (a double tap on a
Pi): the kiosk's window settings keep only the mouse provider SDL feeds."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHOW = ("import json, sys; from kivy.config import Config as K; "
        "before = dict(K.items('input', raw=True)); "
        "from kiosk.config import Config; from kiosk.ui.app import configure_window; "
        "configure_window(Config()); "
        "print(json.dumps([before, dict(K.items('input', raw=True))]))")


def _providers(kivy_home: Path) -> tuple[dict, dict]:
    env = dict(os.environ, KIVY_HOME=str(kivy_home), KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1",
               KIVY_NO_CONSOLELOG="1", PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", SHOW], capture_output=True, text=True,
                          env=env, timeout=60, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    before, after = json.loads(proc.stdout.strip().splitlines()[-1])
    return before, after


def test_kivys_own_config_would_read_the_panel_twice_and_the_kiosk_stops_it(tmp_path):
    before, after = _providers(tmp_path / "kivy")
    assert any(v.startswith("probesysfs") for v in before.values()), before
    assert after == {"mouse": "mouse,disable_multitouch"}


def test_a_pi_config_with_hidinput_loses_it_too(tmp_path):
    home = tmp_path / "kivy"
    _providers(home)  # Kivy writes its config.ini on first import
    ini = home / "config.ini"
    text = ini.read_text()
    assert "[input]" in text
    ini.write_text(text.replace("[input]\n", "[input]\nhid_%(name)s = probesysfs,provider="
                                "hidinput\nmtdev_%(name)s = probesysfs,provider=mtdev\n"))
    before, after = _providers(home)
    assert "hid_%(name)s" in before and "mtdev_%(name)s" in before
    assert after == {"mouse": "mouse,disable_multitouch"}
