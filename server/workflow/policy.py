"""Locality policies: working days per 差评 step and the unrated-default rule, per region or hall.

Scopes, most specific first: `hall:<id>`, `region:<id>`, `*` (every hall); with none set the
national practice applies (2 / 5 / 15 working days, no default rating). Each policy row is
complete (every field), so the first matching scope decides alone.

The three deadlines all count from the moment the 差评 was given (its clock-corrected time,
so a kiosk that uploads a week late does not give its cases a week more): verify within 2,
rectified within 5, the citizen answered within 15 working days; so a case shows its three
due dates the moment it opens and an early step never moves a later one.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from server.db import audit
from server.db.base import utc_iso
from server.workflow.actors import Actor, Forbidden

log = logging.getLogger(__name__)

DEFAULT_MODES = ("off", "working", "natural")
FIELDS = ("verify_days", "rectify_days", "answer_days", "default_mode", "default_days")


@dataclass(frozen=True)
class Policy:
    verify_days: int = 2
    rectify_days: int = 5
    answer_days: int = 15
    default_mode: str = "off"      # count an unrated case as 基本满意: off | working | natural
    default_days: int = 0          # ... after this many working or natural days
    scope: str = "national default"

    def __post_init__(self) -> None:
        for name in ("verify_days", "rectify_days", "answer_days"):
            if not 1 <= getattr(self, name) <= 60:
                raise ValueError(f"{name} must be 1 to 60 working days")
        if not self.verify_days <= self.rectify_days <= self.answer_days:
            raise ValueError("deadlines count from the case's opening, so verify_days <= "
                             "rectify_days <= answer_days")
        if self.default_mode not in DEFAULT_MODES:
            raise ValueError(f"default_mode must be one of {', '.join(DEFAULT_MODES)}")
        if self.default_mode != "off" and not 1 <= self.default_days <= 90:
            raise ValueError("default_days must be 1 to 90 when the default rating is on")

    def as_dict(self) -> dict:
        return asdict(self)


def check_scope(scope: str) -> str:
    kind, _, name = scope.partition(":")
    if scope == "*" or (kind in ("hall", "region") and name.strip()):
        return scope
    raise ValueError(f"scope {scope!r}: use hall:<id>, region:<id> or *")


def region_of(tx, hall: str) -> list[str]:
    """The hall's region and the regions above it, nearest first (the org model)."""
    chain: list[str] = []
    row = tx.one("SELECT region FROM halls WHERE hall_id = ?", [hall])
    code = row[0] if row else None
    while code and code not in chain:  # a loop in parents stops here
        chain.append(code)
        row = tx.one("SELECT parent FROM regions WHERE code = ?", [code])
        code = row[0] if row else None
    return chain


def for_hall(tx, hall: str, regions: list[str] | None = None) -> Policy:
    """The policy that applies to a hall: its own, its nearest region's, the '*' one, or the
    national default."""
    if regions is None:
        regions = region_of(tx, hall)
    scopes = [f"hall:{hall}"] + [f"region:{r}" for r in regions] + ["*"]
    rows = {r[0]: r[1:] for r in tx.all(
        "SELECT scope, " + ", ".join(FIELDS) + " FROM case_policies WHERE scope IN ("
        + ", ".join("?" * len(scopes)) + ")", scopes)}
    for scope in scopes:
        if scope in rows:
            return Policy(*rows[scope], scope=scope)
    return Policy()


def set_policy(store, scope: str, actor: Actor, **fields) -> Policy:
    """Create or replace the policy of a scope (region admins only); audited."""
    if actor.role not in ("region_admin", "system"):
        raise Forbidden("only a region admin sets policies")
    scope = check_scope(scope)
    with store.transaction() as tx:
        current = {k: v for k, v in zip(FIELDS, tx.one(
            "SELECT " + ", ".join(FIELDS) + " FROM case_policies WHERE scope = ?", [scope])
            or ())}
        merged = {**Policy().as_dict(), **current,
                  **{k: v for k, v in fields.items() if v is not None}}
        merged["scope"] = scope
        if merged["default_mode"] == "off":
            merged["default_days"] = 0
        policy = Policy(**merged)
        values = [getattr(policy, f) for f in FIELDS]
        tx.q("DELETE FROM case_policies WHERE scope = ?", [scope])
        tx.q("INSERT INTO case_policies (scope, " + ", ".join(FIELDS) + ", updated_at, "
             "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             [scope, *values, utc_iso(), actor.audit_name])
        audit.append(tx, actor.audit_name, "policy.set", f"policy:{scope}", policy.as_dict())
    log.info("policy %s set by %s: %s", scope, actor.name, policy)
    return policy


def listing(store) -> list[dict]:
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT scope, " + ", ".join(FIELDS) + ", updated_at, updated_by "
                      "FROM case_policies ORDER BY scope")
    return [dict(zip(("scope", *FIELDS, "updated_at", "updated_by"), r)) for r in rows]
