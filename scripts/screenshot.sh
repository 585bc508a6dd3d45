#!/bin/sh
# Render every kiosk screen (both languages; 800x480, 1024x600, 1280x800, portrait 720x1280)
# and the phone page at 390x844,
# into tests/screenshots/<test name>/ by running the window tests on a private Xvfb; open the
# PNGs to check layout and fonts.
set -eu
cd "$(dirname "$0")/.."
rm -rf tests/screenshots
env -u DISPLAY .venv/bin/pytest -q -p no:cacheprovider tests/kiosk/ui/test_screens.py \
    tests/kiosk/ui/test_idle.py tests/kiosk/ui/test_rating.py tests/kiosk/ui/test_tech.py \
    tests/kiosk/ui/test_fit.py tests/server/api/test_phone_page.py tests/test_end_to_end.py
find tests/screenshots -name '*.png' | sort
