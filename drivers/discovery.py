"""Find candidate serial ports, with their stable /dev/serial/by-id names, for the setup CLI."""
from __future__ import annotations

import os
from pathlib import Path

from serial.tools import list_ports

BY_ID = Path("/dev/serial/by-id")


def _by_id_names() -> dict[str, str]:
    """Map each real device path to its by-id symlink, when udev made one."""
    names: dict[str, str] = {}
    if BY_ID.is_dir():
        for link in BY_ID.iterdir():
            names[os.path.realpath(link)] = str(link)
    return names


def serial_ports() -> list[dict]:
    """Every serial port pyserial sees, sorted, as plain dicts (device, by_id, ids, description)."""
    by_id = _by_id_names()
    ports = []
    for p in sorted(list_ports.comports(), key=lambda p: p.device):
        ports.append({
            "device": p.device,
            "by_id": by_id.get(os.path.realpath(p.device)),
            "description": p.description if p.description != "n/a" else "",
            "vid": f"{p.vid:04x}" if p.vid is not None else None,
            "pid": f"{p.pid:04x}" if p.pid is not None else None,
            "serial_number": p.serial_number,
        })
    return ports
