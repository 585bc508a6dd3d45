"""What is exported: counted ratings, turned into records a mapping can read.

COUNTED is the one place that says which ratings count for the province: not superseded
(一次一评: the first rating of a case), not excluded by an approved appeal, and a real
answer (level 1-5; a kiosk "not rated" record is not an evaluation, a 系统默认评价 is).
Every query here (the ingest hook, the sender, the file export, backfill) uses it.

A record carries what the server knows about the 办件 and the window: case_no is the real
办件编号 (the queue system's case id, or the business system's 办件 that names this rating),
never the kiosk's local case key (it has "/" in it; a case id never does); dept_code is the
统一社会信用代码 of the window's department (org: windows.department → departments);
applicant_type 'person' / 'legal' from the business system's 办件, else "".
"""
from __future__ import annotations

import json
import logging

from server.db.base import parse_iso

log = logging.getLogger(__name__)

COUNTED = "r.superseded = 0 AND r.excluded = 0 AND r.level BETWEEN 1 AND 5"
FIELDS = ("uuid", "device_id", "level", "reasons", "window", "staff_id", "case_id",
          "case_key", "item_code", "corrected_at", "source")
# Older servers stored imported kiosk files under source 'import'; every rating of a kiosk
# export file was given at the kiosk, which is the channel the province wants to see.
LEGACY_CHANNELS = {"import": "kiosk"}
EXTRA = ("hall", "region", "dept_code", "bc_type", "late_case_no", "late_type")
SELECT = (", ".join(f'r."{c}"' for c in FIELDS)
          + ", d.hall, h.region, dp.credit_code, bc.applicant_type, lc.case_no, "
          "lc.applicant_type FROM ratings r "
          "LEFT JOIN devices d ON d.device_id = r.device_id "
          "LEFT JOIN halls h ON h.hall_id = d.hall "
          'LEFT JOIN windows w ON w.hall_id = d.hall AND w.number = r."window" '
          "LEFT JOIN departments dp ON dp.hall_id = w.hall_id AND dp.name = w.department "
          "LEFT JOIN business_cases bc ON bc.case_no = r.case_id "
          "LEFT JOIN business_cases lc ON lc.rating_uuid = r.uuid")


def real_case_no(case_id: str | None) -> str:
    """The 办件编号 a case id is, or "" when it is none (empty, or a local case key)."""
    return case_id if case_id and "/" not in case_id else ""


def counts(row: dict) -> bool:
    """The same rule as COUNTED for a row dict from an ingest hook."""
    return (not row.get("superseded") and not row.get("excluded")
            and 1 <= int(row["level"]) <= 5)


def _record(row: tuple, region_fallback: str = "") -> dict:
    r = dict(zip((*FIELDS, *EXTRA), row))
    reasons = json.loads(r["reasons"]) if r["reasons"] else []
    case_no = real_case_no(r["case_id"]) or (r["late_case_no"] or "")
    return {"uuid": r["uuid"], "device_id": r["device_id"], "level": r["level"],
            "reasons": reasons, "window": r["window"], "staff_id": r["staff_id"] or "",
            "case_no": case_no, "case_key": r["case_key"],
            "item_code": r["item_code"] or "", "time": parse_iso(r["corrected_at"]),
            "channel": LEGACY_CHANNELS.get(r["source"], r["source"]), "hall": r["hall"] or "",
            "region": r["region"] or region_fallback, "count": 1,
            "dept_code": r["dept_code"] or "",
            "applicant_type": r["bc_type"] or r["late_type"] or ""}


def one(tx, device_id: str, rating_uuid: str, region_fallback: str = "",
        counted_only: bool = True) -> dict | None:
    """The record of one rating if it still counts (or at all: counted_only=False, for a
    retraction), else None."""
    where = f" AND {COUNTED}" if counted_only else ""
    row = tx.one(f"SELECT {SELECT} WHERE r.device_id = ? AND r.uuid = ?{where}",
                 [device_id, rating_uuid])
    return _record(row, region_fallback) if row else None


def between(tx, start: str, end: str, region_fallback: str = "") -> list[dict]:
    """Counted ratings with corrected_at in [start, end) (UTC text), oldest first; 评价次数
    numbers the counted records of each case in time order (a 系统默认评价 later replaced
    by a real rating is superseded, so a case normally has one)."""
    rows = tx.all(f"SELECT {SELECT} WHERE r.corrected_at >= ? AND r.corrected_at < ? AND "
                  f"{COUNTED} ORDER BY r.corrected_at, r.device_id, r.uuid", [start, end])
    return [_record(row, region_fallback) for row in rows]


def evaluation_count(tx, target: str, device_id: str, case_key: str, rating_uuid: str) -> int:
    """评价次数: 1 + the records of the same case already sent to this target (a default
    rating sent before the citizen's real one makes the real one the second)."""
    row = tx.one("SELECT count(*) FROM outbox WHERE kind = 'export' AND target = ? AND "
                 "device_id = ? AND case_key = ? AND state = 'sent' AND rating_uuid <> ?",
                 [target, device_id, case_key, rating_uuid])
    return 1 + (row[0] if row else 0)
