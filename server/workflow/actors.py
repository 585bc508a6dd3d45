"""Who does something in the workflow: a person with one role and the halls they answer for.

The console builds an Actor from its signed-in user, the CLI from --by/--role; the workflow
checks every permission against it on the server side, whichever way the request came.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sync.wire.labels import N_

log = logging.getLogger(__name__)

ROLES = ("window_staff", "hall_supervisor", "region_admin", "auditor")
# Higher number = further up the chain; the auditor reads everything and decides nothing.
RANK = {"window_staff": 1, "hall_supervisor": 2, "region_admin": 3, "auditor": 0,
        "system": 9}
# Whom an overdue case goes to next.
NEXT_UP = {"hall_supervisor": "region_admin", "region_admin": "region_admin"}


class WorkflowError(Exception):
    """A refusal: the message (English) for the CLI and logs; msgid, when given, the
    N_-marked sentence the console shows in the reader's language."""

    def __init__(self, message: str, msgid: str | None = None) -> None:
        super().__init__(message)
        self.msgid = msgid


class Forbidden(WorkflowError, PermissionError):
    """The actor may not do this (the message says why, for the CLI and the pages)."""


@dataclass(frozen=True)
class Actor:
    name: str
    role: str
    halls: frozenset[str] | None = None   # None: every hall (a region admin of the whole set)
    windows: frozenset[int] = frozenset()  # window staff: the windows they work at
    kind: str = "user"                     # "cli" for the server host's administrator
    staff_id: str | None = None            # window staff: their 工号 (they act on ratings naming it)
    visible_until: str | None = None       # window staff: UTC text their view ends at (today's start)

    def __post_init__(self) -> None:
        if self.role not in ROLES and self.role != "system":
            raise ValueError(f"unknown role {self.role!r}; one of {', '.join(ROLES)}")
        if not self.name.strip():
            raise ValueError("an actor needs a name")

    @property
    def audit_name(self) -> str:
        return "system" if self.role == "system" else f"{self.kind}:{self.name}"

    @property
    def rank(self) -> int:
        return RANK[self.role]

    def sees_hall(self, hall: str) -> bool:
        return self.halls is None or hall in self.halls

    def require_hall(self, hall: str) -> None:
        if not self.sees_hall(hall):
            raise Forbidden(f"{self.name} ({self.role}) does not answer for hall {hall}",
                            N_("This hall is not in your scope."))


SYSTEM = Actor("system", "system")


def from_account(store, account) -> Actor:
    """The Actor of a console account (server.db.users.Account): its halls from its scope
    (a region and every region under it, one hall, or the hall a staff member works in)."""
    from server.db import org  # the org model: regions, halls, staff and their windows

    if account.role in ("region_admin", "auditor"):
        codes = org.below(org.regions(store), account.scope)
        halls = frozenset(org.halls(store, codes))
        return Actor(account.username, account.role, halls)
    if account.role == "hall_supervisor":
        return Actor(account.username, account.role, frozenset({account.scope}))
    members = org.staff(store, staff_id=account.scope)
    if not members:
        return Actor(account.username, account.role, frozenset())
    return Actor(account.username, account.role, frozenset({members[0].hall_id}),
                 frozenset(members[0].windows), staff_id=members[0].staff_id)
