"""Reason catalogues: the kiosk's reason names turned into a target's 3-digit 测评指标编码.

A catalogue is a data file (server/export/reasons/<name>.json, or any .json path a mapping
names) with a `version`, a `source` and per reason one code per level ({"attitude": {"1":
"101", "2": "201"}}): the first digit of a code is the satisfaction level it goes with.
Editing the file (and raising its version) changes what is sent from the next record on;
a reason the catalogue has no code for is held (server/export/holds.py) with a note naming
the reason and the catalogue version, never sent with a made-up code.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent / "reasons"
CODE_RE = re.compile(r"^[1-5]\d{2}$")


class CatalogueError(ValueError):
    """A catalogue file that cannot be used (the message names the file and entry)."""


class Catalogue:
    def __init__(self, spec: dict, origin: str) -> None:
        self.origin = origin
        self.name = str(spec.get("name") or Path(origin).stem)
        self.version = str(spec.get("version") or "")
        if not self.version:
            raise CatalogueError(f"{origin}: a catalogue needs a 'version'")
        codes = spec.get("codes")
        if not isinstance(codes, dict):
            raise CatalogueError(f"{origin}: 'codes' must be an object")
        for reason, per_level in codes.items():
            if not isinstance(per_level, dict) or not per_level:
                raise CatalogueError(f"{origin}: codes.{reason} must map levels to codes")
            for level, code in per_level.items():
                if not CODE_RE.match(str(code)) or str(code)[0] != str(level):
                    raise CatalogueError(f"{origin}: codes.{reason}.{level} = {code!r} is not "
                                         f"a 3-digit code starting with its level")
        self.codes: dict[str, dict[str, str]] = codes
        self.labels: dict[str, str] = spec.get("labels") or {}

    @property
    def tag(self) -> str:
        return f"{self.name} v{self.version}"

    def code(self, reason: str, level: int) -> str | None:
        return (self.codes.get(reason) or {}).get(str(level))


_CACHE: dict[Path, tuple[int, Catalogue]] = {}


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.json"))


def load(name_or_path: str) -> Catalogue:
    """A shipped catalogue by name or a .json file by path; read again when it changed."""
    path = Path(name_or_path)
    if not path.suffix:
        path = HERE / f"{name_or_path}.json"
    try:
        stamp = path.stat().st_mtime_ns
        if path in _CACHE and _CACHE[path][0] == stamp:
            return _CACHE[path][1]
        spec = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(f"no reason catalogue {name_or_path!r} (shipped: "
                             f"{', '.join(available())})") from None
    except (OSError, ValueError) as exc:
        raise CatalogueError(f"{path}: not a readable JSON catalogue: {exc}") from None
    if not isinstance(spec, dict):
        raise CatalogueError(f"{path}: a catalogue is a JSON object")
    catalogue = Catalogue(spec, str(path))
    _CACHE[path] = (stamp, catalogue)
    return catalogue
