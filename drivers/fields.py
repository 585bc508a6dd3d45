"""Field rules shared by every queue-link dialect (window, ticket, ids, levels)."""
from __future__ import annotations

import re

TICKET_RE = re.compile(r"[A-Z0-9-]{1,16}")
ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
WINDOW_RE = re.compile(r"[0-9]{1,3}")
LEVELS = range(0, 6)


class FieldError(ValueError):
    """A field value breaks the rules of the queue-link spec."""


def window(text: str) -> int:
    """Parse a window number, 1..999."""
    if not WINDOW_RE.fullmatch(text) or not 1 <= int(text) <= 999:
        raise FieldError(f"window {text!r} is not 1..999")
    return int(text)


def ticket(text: str) -> str:
    """Check a ticket: 1..16 characters of A-Z0-9-."""
    if not TICKET_RE.fullmatch(text):
        raise FieldError(f"ticket {text!r} is not 1..16 of A-Z0-9-")
    return text


def ident(text: str, name: str = "id") -> str:
    """Check a case_id, item_code or staff_id: 1..64 characters of A-Za-z0-9._-."""
    if not ID_RE.fullmatch(text):
        raise FieldError(f"{name} {text!r} is not 1..64 of A-Za-z0-9._-")
    return text


def level(text: str) -> int:
    """Parse a rating level, 0..5 (0 = not rated)."""
    if text not in {"0", "1", "2", "3", "4", "5"}:
        raise FieldError(f"level {text!r} is not 0..5")
    return int(text)
