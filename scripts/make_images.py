#!/usr/bin/env python3
"""Regenerate assets/images/staff_placeholder.png: a neutral grey silhouette shown when the
clerk on duty has no photo. Pure Python (zlib), so it needs nothing but the standard library:
    python3 scripts/make_images.py
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "assets" / "images" / "staff_placeholder.png"
W, H = 180, 240                      # 3:4, an ID-photo shape
BG, FG = (226, 231, 237), (150, 160, 172)


def pixel(x: int, y: int) -> tuple[int, int, int]:
    cx = W / 2
    head = ((x - cx) / 44) ** 2 + ((y - 92) / 50) ** 2 <= 1            # head
    body = ((x - cx) / 80) ** 2 + ((y - 250) / 95) ** 2 <= 1 and y > 150  # shoulders
    return FG if head or body else BG


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\0" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main() -> None:
    rows = [bytes(c for x in range(W) for c in pixel(x, y)) for y in range(H)]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(png(W, H, rows))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
