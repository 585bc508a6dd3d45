"""Field mappings of export targets, read from data files (server/export/mappings/*.json).

A mapping names its public `source` (a repository and path, or a standard's clause) and is
a list of output fields, each taking one value of the record (SOURCES) and optionally: `map`
(value -> code, keys as text; a code may be {"hold": "why"}: such records are held, not
sent), `map_each` + `join` (a list mapped item by item and joined), `catalogue` + `join`
(reasons turned into 3-digit 测评指标编码 by a versioned reason catalogue, see
catalogue.py), `default`, `time_format` (strftime, in hall time UTC+8), `const`, and
`when_empty`: "omit" (leave the field out) or "hold" (hold the record) when the value is
unknown. `requires_case_no: true` holds every record without a real 办件编号 ("held: no
办件编号"), `retract` ({"path", "fields"}) is the target's retraction call, `reply`
({"field", "ok", "message"}) says which answers mean accepted.

Levels are stored by meaning (5 = 非常满意); a mapping is the only place a level turns into
a target's code. A mapping is checked when it is loaded: every level 1-5 and every channel
must have a code (or a hold), its catalogue must load, or it is refused with its file name.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

from server.export import catalogue as catalogues

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent / "mappings"
SOURCES = ("case_no", "channel", "time", "count", "level", "reasons", "region", "hall",
           "window", "staff_id", "item_code", "uuid", "dept_code", "applicant_type")
CHANNELS = ("kiosk", "phone", "default")
HALL_OFFSET = timedelta(hours=8)
NO_CASE_NO = "held: no 办件编号"


class MappingError(ValueError):
    """A mapping file that cannot be used, or a value it has no code for."""


class Held(Exception):
    """A record the mapping will not send as it stands (kept, listed, released later)."""

    def __init__(self, reason: str, note: str, catalogue: str = "") -> None:
        super().__init__(note)
        self.reason, self.note, self.catalogue = reason, note, catalogue


class Mapping:
    """One target's fields; apply(record) gives the dict the target receives."""

    def __init__(self, name: str, spec: dict, origin: str = "") -> None:
        self.name, self.origin = name, origin or name
        self.title = spec.get("title", name)
        self.source = spec.get("source", "")
        self.requires_case_no = bool(spec.get("requires_case_no"))
        self.reply = spec.get("reply") or {}
        self.fields = spec.get("fields")
        if not isinstance(self.fields, list) or not self.fields:
            raise MappingError(f"{self.origin}: 'fields' must be a non-empty list")
        for i, field in enumerate(self.fields):
            self._check(i, field)
        self.retract: Mapping | None = None
        self.retract_path = ""
        if spec.get("retract") is not None:
            retract = spec["retract"]
            if not isinstance(retract, dict) or not isinstance(retract.get("path"), str):
                raise MappingError(f"{self.origin}: 'retract' needs a 'path' and 'fields'")
            self.retract_path = retract["path"]
            self.retract = Mapping(f"{name}#retract", {"fields": retract.get("fields")},
                                   f"{self.origin} (retract)")

    def _check(self, i: int, field: dict) -> None:
        where = f"{self.origin}: fields[{i}]"
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            raise MappingError(f"{where}: each field needs a 'name'")
        if "const" in field:
            return
        if field.get("from") not in SOURCES:
            raise MappingError(f"{where} ({field['name']}): 'from' must be one of "
                               f"{', '.join(SOURCES)}")
        if field.get("when_empty", "keep") not in ("keep", "omit", "hold"):
            raise MappingError(f"{where} ({field['name']}): 'when_empty' is omit or hold")
        if "catalogue" in field:
            try:
                catalogues.load(field["catalogue"])
            except catalogues.CatalogueError as exc:
                raise MappingError(f"{where} ({field['name']}): {exc}") from None
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
        """The record as the target receives it; Held when it must not be sent."""
        if self.requires_case_no and not record.get("case_no"):
            raise Held("no_case_no", NO_CASE_NO)
        out = {}
        for field in self.fields:
            value = self._value(field, record)
            if value in ("", None) and "const" not in field:
                rule = field.get("when_empty", "keep")
                if rule == "omit":
                    continue
                if rule == "hold":
                    raise Held("missing_field", f"held: {field['name']} unknown "
                                                f"({field['from']})")
            out[field["name"]] = value
        return out

    def _value(self, field: dict, record: dict):
        if "const" in field:
            return field["const"]
        value = record.get(field["from"])
        if "time_format" in field and isinstance(value, datetime):
            return (value + HALL_OFFSET).strftime(field["time_format"])
        if "catalogue" in field:
            return self._codes(field, value or [], record.get("level"))
        if "map_each" in field:
            table = field["map_each"]
            items = [table.get(str(v), field.get("default", str(v))) for v in value or []]
            return field.get("join", ",").join(str(v) for v in items)
        if "map" in field:
            key = str(value)
            code = field["map"][key] if key in field["map"] else field.get("default")
            if key not in field["map"] and "default" not in field:
                raise MappingError(f"mapping {self.name}: {field['name']} has no code for "
                                   f"{field['from']} {key!r}")
            if isinstance(code, dict) and "hold" in code:
                raise Held("not_exported", f"held: {code['hold']}")
            return code
        return "" if value is None else value

    @staticmethod
    def _codes(field: dict, reasons: list, level) -> str:
        cat = catalogues.load(field["catalogue"])
        codes = []
        for reason in reasons:
            code = cat.code(str(reason), level)
            if code is None:
                raise Held("unknown_reason", f"held: reason {reason!r} has no code for "
                                             f"level {level} in catalogue {cat.tag}", cat.tag)
            codes.append(code)
        return field.get("join", ",").join(codes)


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.json"))


_CACHE: dict[Path, tuple[int, Mapping]] = {}


def load(name_or_path: str) -> Mapping:
    """A shipped mapping by name (see available()) or a JSON file by path; read again
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
