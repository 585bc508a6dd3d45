#!/bin/sh
# Render every kiosk screen (zh_CN at 800x480, English at 1280x800) into tests/screenshots/
# by running the window tests on a private Xvfb; open the PNGs to check layout and fonts.
set -eu
cd "$(dirname "$0")/.."
rm -rf tests/screenshots
env -u DISPLAY .venv/bin/pytest -q -p no:cacheprovider tests/kiosk/test_app_screens.py tests/test_end_to_end.py
ls -1 tests/screenshots/*.png
