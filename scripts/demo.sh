#!/usr/bin/env bash
# Set up (Debian packages, .venv) and run the kiosk demo: a local server, a simulated queue
# system on a pty, and the kiosk in a window. Extra arguments go to `kiosk demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: no display here; running on a virtual screen (Xvfb), screenshots in var/demo/"
  exec xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/kiosk demo --windowed \
    --screenshots var/demo "$@"
fi
exec .venv/bin/kiosk demo --windowed "$@"
