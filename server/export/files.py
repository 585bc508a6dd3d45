"""The file export: a month of counted ratings in a target's mapping, as CSV or JSON, for halls
that upload to the provincial platform by hand. Same records and codes as the online export."""
from __future__ import annotations

import csv
import io
import json
import logging
import re
from datetime import datetime, timedelta, timezone

from server.db.base import utc_iso
from server.export import records, targets
from server.export.mapping import Held, Mapping, load
from sync.wire import cells

log = logging.getLogger(__name__)

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
HALL_TZ = timezone(timedelta(hours=8))


def month_bounds(month: str) -> tuple[str, str]:
    """A hall-time month (YYYY-MM) as [start, end) UTC text; ValueError if malformed."""
    match = MONTH_RE.match(month or "")
    if not match:
        raise ValueError(f"month must be YYYY-MM, not {month!r}")
    year, mon = int(match[1]), int(match[2])
    start = datetime(year, mon, 1, tzinfo=HALL_TZ)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=HALL_TZ)
    return utc_iso(start), utc_iso(end)


def resolve(store, name: str) -> tuple[Mapping, str]:
    """(mapping, fallback region) of a configured target, or of a mapping by name/path."""
    with store.transaction(write=False) as tx:
        target = targets.get(tx, name)
    if target is not None:
        return load(target["mapping"]), target["region"]
    return load(name), ""


def rows(store, name: str, month: str, region: str | None = None,
         held: list | None = None) -> tuple[list[str], list[dict]]:
    """(headers, mapped records) of one month for a target or mapping; records the mapping
    holds (no real 办件编号, …) are left out, and appended to `held` as (uuid, note)."""
    mapping, fallback = resolve(store, name)
    start, end = month_bounds(month)
    with store.transaction(write=False) as tx:
        found = records.between(tx, start, end, region or fallback)
    seen: dict[tuple, int] = {}
    out = []
    for record in found:
        key = (record["device_id"], record["case_key"])
        seen[key] = record["count"] = seen.get(key, 0) + 1
        try:
            out.append(mapping.apply(record))
        except Held as exc:
            if held is not None:
                held.append((record["uuid"], exc.note))
    return mapping.headers, out


def render(headers: list[str], data: list[dict], fmt: str) -> str:
    """CSV (UTF-8 with BOM, so Excel opens the Chinese headers; formula-safe cells, see
    sync.wire.cells) or a JSON array (values as they are)."""
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(cells.row(headers))
    writer.writerows(cells.row(record.get(h, "") for h in headers) for record in data)
    return buf.getvalue()
