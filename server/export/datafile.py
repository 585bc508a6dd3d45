"""The export's data files (mappings, reason catalogues): JSON objects read by name from a
shipped folder or by path, cached until the file changes (the sender asks once per record)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")


def load(name_or_path: str, here: Path, cache: dict, build: Callable[[dict, str], T],
         error: type[ValueError], what: str) -> T:
    """build(spec, path) of a shipped file by name (here/<name>.json) or a .json by path;
    `error` (naming the file) when it is missing, unreadable or not an object."""
    path = Path(name_or_path)
    if not path.suffix:
        path = here / f"{name_or_path}.json"
    try:
        stamp = path.stat().st_mtime_ns
        if path in cache and cache[path][0] == stamp:
            return cache[path][1]
        spec = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        shipped = ", ".join(sorted(p.stem for p in here.glob("*.json")))
        raise error(f"no {what} {name_or_path!r} (shipped: {shipped}; or give a .json "
                    f"file)") from None
    except (OSError, ValueError) as exc:
        raise error(f"{path}: not a readable JSON {what}: {exc}") from None
    if not isinstance(spec, dict):
        raise error(f"{path}: a {what} is a JSON object")
    built = build(spec, str(path))
    cache[path] = (stamp, built)
    return built
