"""A supervisor's note on a 空岗 interval (issue 27.6): 外出办事 approved, with a note, and the
interval no longer counts; or a note alone, still counted. Audited (target window:<hall>/<n>,
so the entry is scoped to the hall), replaced by a later note on the same interval.
"""
from __future__ import annotations

import logging

from server.db import audit
from server.db.base import utc_iso
from server.facts.refresh import local_day
from sync.wire.labels import N_

log = logging.getLogger(__name__)

MAX_NOTE = 500


class NoteError(ValueError):
    """The note cannot be saved (the message says why; an English msgid)."""


def annotate(store, actor_name: str, hall: str, window: int, start: str, excused: bool,
             note: str) -> dict:
    """Save the note on the interval of (hall, window) starting at `start` (UTC text, as
    the facts have it); NoteError when the facts have no such interval."""
    note = " ".join(note.split())[:MAX_NOTE]
    if excused and not note:
        raise NoteError(N_("Say why the interval is excused (e.g. 外出办事, approved by whom)."))
    try:
        day = local_day(start).isoformat()
    except ValueError:
        raise NoteError(N_("No such 空岗 interval.")) from None
    from json import loads

    with store.transaction() as tx:
        row = tx.one('SELECT facts FROM window_facts WHERE hall = ? AND "window" = ? AND day = ?',
                     [hall, window, day])
        found = next((e for e in (loads(row[0])["empty"] if row else [])
                      if e["start"] == start), None)
        if found is None:
            raise NoteError(N_("No such 空岗 interval."))
        tx.q('DELETE FROM empty_notes WHERE hall = ? AND "window" = ? AND start = ?',
             [hall, window, start])
        tx.q('INSERT INTO empty_notes (hall, "window", start, staff_id, excused, note, '
             "noted_by, noted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             [hall, window, start, found["staff"], int(excused), note, actor_name, utc_iso()])
        detail = {"hall": hall, "window": window, "start": start, "end": found["end"],
                  "staff": found["staff"], "excused": excused, "note": note}
        audit.append(tx, actor_name, "empty.note", f"window:{hall}/{window}", detail)
    log.info("空岗 %s/%s %s noted by %s (excused=%s)", hall, window, start, actor_name, excused)
    return detail
