"""The XLSX of `kiosk-setup export`: a workbook for a supervisor, in the kiosk's language.

People read the first columns: local times, 非常满意 … 非常不满意, the 差评 reasons and the
upload state in words. The wire fields follow under their own names (uuid, level, reasons,
rated_at in UTC, ...), for a formula or a script that needs the codes. Every cell goes
through sync/wire/cells.py: text never becomes a formula.
"""
from __future__ import annotations

import io

from kiosk.i18n import _
from kiosk.setup.common import local_time
from sync.wire import cells
from sync.wire.labels import LEVEL_LABELS, N_, REASON_LABELS

# (header msgid, how the value is made from an exported row)
PEOPLE = (
    N_("Rated at (local time)"),
    N_("Rating"),
    N_("Reasons for dissatisfaction"),
    N_("Window"),
    N_("Staff ID"),
    N_("Ticket"),
    N_("Case ID"),
    N_("Item code"),
    N_("Upload state"),
    N_("Uploaded at (local time)"),
)
STATES = {"pending": N_("waiting for upload"), "synced": N_("uploaded"),
          "rejected": N_("refused by the server")}


def level_text(level) -> str:
    label = LEVEL_LABELS.get(level)
    return _(label) if label else str(level if level is not None else "")


def reasons_text(codes) -> str:
    """The reasons in words, joined as the language joins a list (、 in Chinese)."""
    return _(", ").join(_(REASON_LABELS[c]) if c in REASON_LABELS else str(c)
                        for c in codes or [])


def people_row(row: dict) -> list:
    state = row.get("sync_state")
    return [local_time(row.get("rated_at")), level_text(row.get("level")),
            reasons_text(row.get("reasons")), row.get("window"), row.get("staff_id"),
            row.get("ticket"), row.get("case_id"), row.get("item_code"),
            _(STATES[state]) if state in STATES else state, local_time(row.get("synced_at"))]


def workbook(columns: list[str], rows: list[dict]) -> bytes:
    """One sheet: the people's columns, then `columns` (wire names, codes, UTC) as in the CSV."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Ratings"))
    sheet.append(cells.xlsx_row(sheet, [_(h) for h in PEOPLE] + columns))
    for row in rows:
        codes = [";".join(row.get(c) or []) if c == "reasons" else row.get(c) for c in columns]
        sheet.append(cells.xlsx_row(sheet, people_row(row) + codes))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
