#!/usr/bin/env bash
# Set up (Debian packages, .venv) and run the kiosk demo: a local server, a simulated queue
# system on a pty, and the kiosk in a window. Extra arguments go to `kiosk demo` (--help).
# Without a display it runs on a private Xvfb with a simulated citizen and saves a screenshot
# of every screen into var/demo/; Ctrl-C stops the kiosk, simulator and server, then Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
demo_dir=${KIOSK_DEMO_DIR:-var/demo}   # screenshots here, the demo's data in $demo_dir/data
mkdir -p "$demo_dir"
# One demo per folder: a second one would clear the first one's database under it.
exec 9>"$demo_dir/.lock"
if ! flock -n 9; then
  echo "demo: another demo is running in $demo_dir; stop it first (or set KIOSK_DEMO_DIR)" >&2
  exit 1
fi
args=(demo --windowed --data-dir "$demo_dir/data")
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec .venv/bin/kiosk "${args[@]}" "$@"
fi
echo "demo: no display here; starting a virtual screen (Xvfb); screenshots go to $demo_dir/"
numfile=$(mktemp)
# Its own session: the terminal's Ctrl-C reaches the kiosk, which shuts down cleanly; Xvfb
# goes last, from the trap below.
setsid Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$numfile" >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null; wait "$xvfb" 2>/dev/null; rm -f "$numfile"' EXIT
for _ in $(seq 100); do [ -s "$numfile" ] && break; sleep 0.1; done
if [ ! -s "$numfile" ]; then echo "demo: Xvfb did not start (apt-get install xvfb)" >&2; exit 1; fi
display=":$(head -n1 "$numfile")"
trap 'true' INT TERM   # wait for the kiosk to finish its own shutdown
status=0
DISPLAY=$display .venv/bin/kiosk "${args[@]}" --screenshots "$demo_dir" --citizen --interval 4 "$@" \
  || status=$?
exit "$status"
