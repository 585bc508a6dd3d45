"""Field mappings of export targets, read from data files (server/export/mappings/*.json).

A mapping is a list of output fields, each taking one value of the record (SOURCES) and
optionally: `map` (value -> code, keys as text), `map_each` + `join` (a list, e.g. reason
codes, mapped item by item and joined), `default` (for an item or value the map lacks),
`time_format` (strftime, in hall time UTC+8), or `const`. Levels are stored by meaning
(5 = 非常满意); a mapping is the only place a level turns into a target's code, so two
targets may count in opposite directions. A mapping is checked when it is loaded: every
level 1-5 and every channel must have a code, or the mapping is refused with its file name.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent / "mappings"
SOURCES = ("case_no", "channel", "time", "count", "level", "reasons", "region", "hall",
           "window", "staff_id", "item_code", "uuid")
CHANNELS = ("kiosk", "phone", "default")
HALL_OFFSET = timedelta(hours=8)


class MappingError(ValueError):
    """A mapping file that cannot be used, or a value it has no code for."""


class Mapping:
    """One target's fields; apply(record) gives the dict the target receives."""

    def __init__(self, name: str, spec: dict, origin: str = "") -> None:
        self.name, self.origin = name, origin or name
        self.title = spec.get("title", name)
        self.fields = spec.get("fields")
        if not isinstance(self.fields, list) or not self.fields:
            raise MappingError(f"{self.origin}: 'fields' must be a non-empty list")
        for i, field in enumerate(self.fields):
            self._check(i, field)

    def _check(self, i: int, field: dict) -> None:
        where = f"{self.origin}: fields[{i}]"
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            raise MappingError(f"{where}: each field needs a 'name'")
        if "const" in field:
            return
        if field.get("from") not in SOURCES:
            raise MappingError(f"{where} ({field['name']}): 'from' must be one of "
                               f"{', '.join(SOURCES)}")
        table = field.get("map")
        if table is not None and not isinstance(table, dict):
            raise MappingError(f"{where} ({field['name']}): 'map' must be an object")
        need = {"level": [str(n) for n in range(1, 6)], "channel": list(CHANNELS)}
        missing = [k for k in need.get(field["from"], []) if table is not None
                   and k not in table and "default" not in field]
        if missing:
            raise MappingError(f"{where} ({field['name']}): 'map' has no code for "
                               f"{', '.join(missing)}")

    @property
    def headers(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def apply(self, record: dict) -> dict:
        return {f["name"]: self._value(f, record) for f in self.fields}

    def _value(self, field: dict, record: dict):
        if "const" in field:
            return field["const"]
        value = record.get(field["from"])
        if "time_format" in field and isinstance(value, datetime):
            return (value + HALL_OFFSET).strftime(field["time_format"])
        if "map_each" in field:
            table = field["map_each"]
            items = [table.get(str(v), field.get("default", str(v))) for v in value or []]
            return field.get("join", ",").join(str(v) for v in items)
        if "map" in field:
            key = str(value)
            if key not in field["map"]:
                if "default" in field:
                    return field["default"]
                raise MappingError(f"mapping {self.name}: {field['name']} has no code for "
                                   f"{field['from']} {key!r}")
            return field["map"][key]
        return "" if value is None else value


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.json"))


_CACHE: dict[Path, tuple[int, Mapping]] = {}


def load(name_or_path: str) -> Mapping:
    """A shipped mapping by name (gbt39046, provincial) or a JSON file by path; read again
    only when the file changed (the sender asks once per record)."""
    path = Path(name_or_path)
    if not path.suffix:
        path = HERE / f"{name_or_path}.json"
    try:
        stamp = path.stat().st_mtime_ns
        if path in _CACHE and _CACHE[path][0] == stamp:
            return _CACHE[path][1]
        spec = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"no mapping {name_or_path!r} (shipped: "
                           f"{', '.join(available())}; or give a .json file)") from None
    except (OSError, ValueError) as exc:
        raise MappingError(f"{path}: not a readable JSON mapping: {exc}") from None
    if not isinstance(spec, dict):
        raise MappingError(f"{path}: a mapping is a JSON object")
    mapping = Mapping(spec.get("name") or path.stem, spec, str(path))
    _CACHE[path] = (stamp, mapping)
    return mapping
