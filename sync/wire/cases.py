"""The case key: what makes a case unique for the kiosk's 一次一评 and the server's
first-rating-counts (phone page). Tickets restart every day, so the day is part of it; without
a case id from the queue system (caller68 always, line and frame when it sends none) the case
is the call, numbered per day by the kiosk, because ticket digits come back the same day
(A123 then B123, the 1,000th ticket on a three-digit display)."""
from __future__ import annotations


def case_key(day: str, window: int, ticket: str, case_id: str | None,
             call: int | None = None) -> str:
    """"<day>/<window>/<ticket>/<case_id>", or "<day>/<window>/<ticket>//<call>" when there
    is no case id but a call number. A case id has no "/", so the two forms never meet."""
    if case_id or not call:
        return f"{day}/{window}/{ticket}/{case_id or ''}"
    return f"{day}/{window}/{ticket}//{call}"


def call_of(key: str | None) -> int | None:
    """The call number of a key of the second form, else None."""
    head, sep, tail = (key or "").rpartition("//")
    return int(tail) if sep and head and tail.isdigit() else None
