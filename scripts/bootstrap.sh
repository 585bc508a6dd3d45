#!/usr/bin/env bash
# Install what the kiosk, the server and the tests need: Debian packages and a venv in .venv.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3 python3-venv python3-dev     # the interpreter and venv support
  gcc linux-libc-dev                   # evdev (the staff keypad) builds against the kernel headers
  xvfb xauth                           # a virtual screen for the demo and the tests
  libgl1-mesa-dri libegl1 libgl1       # Mesa OpenGL for Kivy
  libmtdev1                            # Kivy's touch input library
  fonts-wqy-microhei                   # a CJK font: Chinese without tofu boxes
  systemd                              # systemd-analyze verifies the unit files in the tests
  libzbar0                             # the tests decode the kiosk's QR code as drawn
  chromium chromium-driver             # the console's pages are tested in headless Chromium
)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

echo "bootstrap: checking ${#APT_PACKAGES[@]} Debian packages"
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${#missing[@]} Debian package(s) with apt-get (a few minutes the first time): ${missing[*]}"
  echo "bootstrap:   apt-get update"
  sudo_if_needed apt-get update -qq
  echo "bootstrap:   apt-get install"
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  echo "bootstrap:   Debian packages installed"
else
  echo "bootstrap: Debian packages present"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
# Reinstall only when setup.py or constraints.txt (the tested versions) changed since the last
# install.
stamp=.venv/.installed-setup
if [ ! -f "$stamp" ] || ! cat setup.py constraints.txt | cmp -s - "$stamp"; then
  echo "bootstrap: installing Python packages into .venv (about a minute the first time; Kivy, FastAPI, ...)"
  echo "bootstrap:   upgrading pip"
  .venv/bin/python -m pip install -q --upgrade pip
  echo "bootstrap:   pip install -c constraints.txt -e '.[kiosk,server,test]'"
  .venv/bin/python -m pip install -q -c constraints.txt -e '.[kiosk,server,test]'
  cat setup.py constraints.txt > "$stamp"
  echo "bootstrap:   Python packages installed"
else
  echo "bootstrap: Python packages in .venv up to date"
fi
