#!/usr/bin/env bash
# One command from a fresh Raspberry Pi OS Bookworm Lite (arm64) to a kiosk that starts at boot:
#
#   sudo scripts/pi-install.sh [--keypad-id VVVV:PPPP] [--desktop-user NAME] [--dry-run]
#   scripts/pi-install.sh --root DIR [...]     # an image or a test folder
#
# 1. Debian packages (APT_PACKAGES below: why each one is there);
# 2. the software in /opt/kiosk/src and a venv /opt/kiosk/venv with the tested versions
#    (pip install -c constraints.txt -e '/opt/kiosk/src[kiosk]');
# 3. `kiosk-setup install`: user kiosk (groups dialout input video render audio), kiosk.service,
#    udev rules, /etc/kiosk/kiosk.toml root:kiosk 0640, no screen blanking;
#    /usr/local/bin/kiosk-setup.
# Safe to run again: apt and pip install only what is missing, the rest changes what differs.
#
# --root DIR writes every file under DIR (which must exist). apt-get, venv creation, pip and
# useradd cannot run against a folder: they are recorded in DIR/opt/kiosk/pi-install.manifest,
# exactly as they would run on the Pi; the user is created at first boot from
# /etc/sysusers.d/kiosk.conf. --dry-run prints what would run and changes nothing.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=/opt/kiosk
VENV=$PREFIX/venv
DEST=$PREFIX/src
MANIFEST=$PREFIX/pi-install.manifest

APT_PACKAGES=(
  python3 python3-venv                  # the interpreter (3.11 on Bookworm) and the venv
  build-essential python3-dev linux-libc-dev  # evdev (staff keypad): no aarch64 wheel, built here
  libegl1 libegl-mesa0 libgles2 libgbm1 libdrm2  # the Kivy wheel's SDL opens these under KMS/DRM
  libgl1-mesa-dri                       # Mesa's GPU drivers (v3d, vc4) that EGL loads
  libudev1                              # SDL finds the touch panel and keyboards through udev
  libmtdev1                             # Kivy's touch library (loaded at import)
  libasound2 alsa-utils                 # the voice: SDL plays through ALSA; aplay -l lists cards
  fonts-wqy-microhei                    # a CJK font: Chinese without tofu boxes
  ca-certificates                       # HTTPS to the central server
)

die() { echo "pi-install: $*" >&2; exit 2; }

ROOT=/ DRY=0 KEYPAD=() DESKTOP_USER=
while [ $# -gt 0 ]; do
  case $1 in
    --root) ROOT=${2:?--root needs a folder}; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    --keypad-id) KEYPAD=(--keypad-id "${2:?--keypad-id needs VVVV:PPPP}"); shift 2 ;;
    --desktop-user) DESKTOP_USER=${2:?--desktop-user needs a user name}; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "不认识的参数 / unknown argument: $1 (--help)" ;;
  esac
done
[ -d "$ROOT" ] || die "--root $ROOT 不是已存在的文件夹，请检查拼写 / is not an existing folder: check the spelling"
ROOT=$(cd "$ROOT" && pwd)
LIVE=0
[ "$ROOT" = / ] && [ "$DRY" = 0 ] && LIVE=1
[ "$LIVE" = 0 ] || [ "$(id -u)" = 0 ] || die "请用 sudo 运行 / run it with sudo (or pass --root DIR / --dry-run)"
R=${ROOT%/}

PIP_CMD=("$VENV/bin/pip" install --no-input -c "$DEST/constraints.txt" -e "$DEST[kiosk]")
RECORDED=()
step() {  # run a system command on the Pi; record it under --root; print it under --dry-run
  echo "pi-install: $*"
  local shown
  printf -v shown '%q ' "$@"
  if [ "$LIVE" = 1 ]; then "$@"; else RECORDED+=("${shown% }"); fi
}

# 1. Debian packages
step apt-get update -qq
step env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "${APT_PACKAGES[@]}"

# 2. The software at a fixed place (the service cannot see /home), then the venv
if [ "$DRY" = 0 ]; then
  if [ "$SRC" != "$R$DEST" ]; then
    echo "pi-install: copying the software to $R$DEST"
    mkdir -p "$R$DEST"
    tar -C "$SRC" --exclude=./.venv --exclude=./.git --exclude=__pycache__ \
        --exclude='*.egg-info' --exclude=./.pytest_cache --exclude=./.hypothesis \
        --exclude=./tests/screenshots --exclude='*.db' -cf - . | tar -C "$R$DEST" -xf -
  fi
  install -D -m 0644 "$SRC/constraints.txt" "$R$PREFIX/constraints.txt"
  mkdir -p "$R/usr/share/kiosk/systemd"
  cp "$SRC"/systemd/* "$R/usr/share/kiosk/systemd/"
else
  echo "pi-install: would copy $SRC to $R$DEST and systemd/ to $R/usr/share/kiosk/systemd"
fi
[ -x "$R$VENV/bin/python" ] || step python3 -m venv "$VENV"
step "${PIP_CMD[@]}"
if [ "$DRY" = 0 ]; then
  mkdir -p "$R/usr/local/bin"
  ln -sfn "$VENV/bin/kiosk-setup" "$R/usr/local/bin/kiosk-setup"
fi

# 3. User, units, udev, config permissions, blanking: kiosk-setup install (idempotent)
if [ "$LIVE" = 1 ]; then
  SETUP=("$VENV/bin/kiosk-setup")
else  # this machine's Python with the software: the checkout's .venv, else $KIOSK_PYTHON
  PY=${KIOSK_PYTHON:-$SRC/.venv/bin/python}
  [ -x "$PY" ] || PY=python3
  SETUP=(env "PYTHONPATH=$SRC" "$PY" -c 'from kiosk.setup.cli import main; main()')
fi
INSTALL=(install --source "$SRC/systemd" --bin-dir "$VENV/bin" "${KEYPAD[@]}")
if [ "$DRY" = 1 ]; then
  echo "pi-install: kiosk-setup ${INSTALL[*]} --root $ROOT"
elif [ "$LIVE" = 1 ]; then
  "${SETUP[@]}" "${INSTALL[@]}"
else
  report=$("${SETUP[@]}" "${INSTALL[@]}" --root "$ROOT" --json) || {
    echo "$report"; die "kiosk-setup install 失败 / failed"; }
  # What install could not do against a folder (useradd, chown) is recorded too; an image
  # needs no daemon-reload (its systemd reads the units at boot).
  while IFS= read -r line; do
    case $line in "systemctl daemon-reload"*) ;; *) RECORDED+=("# skipped by kiosk-setup install: $line") ;; esac
  done < <(
    printf '%s' "$report" | "$PY" -c \
      'import json,sys; print("\n".join(json.load(sys.stdin)["skipped"]))')
fi

# 4. A Pi with a desktop: run the kiosk as the desktop user (kiosk cannot reach its display)
if [ -n "$DESKTOP_USER" ]; then
  uid=$(awk -F: -v u="$DESKTOP_USER" '$1 == u { print $3 }' "$R/etc/passwd" 2>/dev/null || true)
  [ -n "$uid" ] || die "--desktop-user $DESKTOP_USER: $R/etc/passwd 中没有这个用户 / no such user"
  if [ "$DRY" = 0 ]; then
    mkdir -p "$R/etc/systemd/system/kiosk.service.d"
    sed -e "s/@USER@/$DESKTOP_USER/g" -e "s/@UID@/$uid/g" "$SRC/systemd/kiosk-desktop.conf" \
      > "$R/etc/systemd/system/kiosk.service.d/desktop.conf"
  fi
  echo "pi-install: kiosk.service runs as $DESKTOP_USER (uid $uid) on its desktop"
fi

if [ "$LIVE" = 1 ]; then
  systemctl daemon-reload
  echo "pi-install: 完成。下一步：sudo kiosk-setup init，然后 sudo systemctl start kiosk（此后开机自启），再 kiosk-setup doctor"
  echo "pi-install: done. Next: sudo kiosk-setup init, then sudo systemctl start kiosk" \
       "(it starts at boot from now on), then kiosk-setup doctor"
elif [ "$DRY" = 0 ]; then
  {
    echo "# scripts/pi-install.sh --root: what runs on the Pi itself, not against a folder."
    echo "# The user kiosk is created at first boot from /etc/sysusers.d/kiosk.conf."
    printf '%s\n' "${RECORDED[@]}"
  } > "$R$MANIFEST"
  echo "pi-install: 文件已写到 $ROOT 下；系统命令记录在 $R$MANIFEST"
  echo "pi-install: files under $ROOT; system commands recorded in $R$MANIFEST"
fi
