"""Assessment schemes versioned by month per scope, and closed results (tables.py).

A scope is a hall id, a region code or '*' (the whole server), as for the ranking settings
(server/db/rankings.py). A month is scored by the scheme in force for it: at the nearest
scope that has one (the hall, its region, the region's parents, '*'), the newest version
whose month_from is not after the month. Setting a scheme again for the same scope and
month replaces that version (audited, with the name it replaced).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from server.assess import scheme as schemes
from server.assess.scheme import Scheme, SchemeError
from server.db import audit
from server.db.base import utc_iso
from sync.wire.labels import N_

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Version:
    scope: str
    month_from: str
    scheme: Scheme
    set_by: str
    set_at: str


def check_month(month: str, field: str = "month") -> str:
    if not isinstance(month, str) or not MONTH.match(month):
        raise SchemeError(field, N_("a month is YYYY-MM"))
    return month


def _read(tx_or_store, work):
    if hasattr(tx_or_store, "transaction"):
        with tx_or_store.transaction(write=False) as tx:
            return work(tx)
    return work(tx_or_store)


def scope_kind(tx, scope: str) -> str | None:
    """'hall', 'region', '*' or None when the scope names nothing the org model has."""
    if scope == "*":
        return "*"
    if tx.one("SELECT 1 FROM halls WHERE hall_id = ?", [scope]):
        return "hall"
    if tx.one("SELECT 1 FROM regions WHERE code = ?", [scope]):
        return "region"
    return None


def chain(tx, scope: str) -> list[str]:
    """The scopes a scope's scheme may come from, nearest first, '*' last."""
    found: list[str] = []
    code = None
    if scope == "*":
        return ["*"]
    row = tx.one("SELECT region FROM halls WHERE hall_id = ?", [scope])
    if row is not None:
        found.append(scope)
        code = row[0]
    elif tx.one("SELECT 1 FROM regions WHERE code = ?", [scope]):
        code = scope
    while code and code not in found:  # a loop in parents stops here
        found.append(code)
        row = tx.one("SELECT parent FROM regions WHERE code = ?", [code])
        code = row[0] if row else None
    return [*found, "*"]


def audit_scopes(kind: str | None, scope: str) -> set[str]:
    return {"hall": {f"hall:{scope}"}, "region": {f"region:{scope}"}}.get(kind, {"*"})


def set_scheme(tx, scope: str, month_from: str, body, by: str) -> Scheme:
    """Validate `body` (a dict, JSON text or a Scheme) and store it as the scope's scheme from
    `month_from` on; audited in the caller's transaction. SchemeError when it is wrong."""
    check_month(month_from, "month_from")
    kind = scope_kind(tx, scope)
    if kind is None:
        raise SchemeError("scope", N_("no hall or region {scope}"), scope=scope)
    if isinstance(body, Scheme):
        got = body
    elif isinstance(body, str):
        got = schemes.from_json(body)
    else:
        got = schemes.from_dict(body)
    before = tx.one("SELECT name FROM assess_schemes WHERE scope = ? AND month_from = ?",
                    [scope, month_from])
    tx.q("INSERT INTO assess_schemes (scope, month_from, name, body, set_by, set_at) VALUES "
         "(?, ?, ?, ?, ?, ?) ON CONFLICT (scope, month_from) DO UPDATE SET name = excluded.name,"
         " body = excluded.body, set_by = excluded.set_by, set_at = excluded.set_at",
         [scope, month_from, got.name, got.to_json(), by, utc_iso()])
    audit.append(tx, by, "assess.scheme.set", f"assess_scheme:{scope}:{month_from}",
                 {"scope": scope, "month_from": month_from, "name": got.name,
                  "source": str(got.source), "items": len(got.items),
                  "replaced": before[0] if before else None},
                 scopes=audit_scopes(kind, scope))
    return got


def _version(row) -> Version:
    return Version(row[0], row[1], schemes.from_json(row[2]), row[3], row[4])


def scheme_for(tx_or_store, scope: str, month: str) -> Version | None:
    """The version in force for `month` at `scope` (nearest scope first), or None."""
    check_month(month)

    def work(tx):
        scopes = chain(tx, scope)
        rows = tx.all("SELECT scope, month_from, body, set_by, set_at FROM assess_schemes "
                      f"WHERE scope IN ({', '.join('?' * len(scopes))}) AND month_from <= ? "
                      "ORDER BY month_from DESC", [*scopes, month])
        for s in scopes:
            for row in rows:
                if row[0] == s:
                    return _version(row)
        return None
    return _read(tx_or_store, work)


def versions(tx_or_store, scope: str) -> list[Version]:
    """Every version set at exactly this scope, newest month first."""
    return _read(tx_or_store, lambda tx: [_version(r) for r in tx.all(
        "SELECT scope, month_from, body, set_by, set_at FROM assess_schemes WHERE scope = ? "
        "ORDER BY month_from DESC", [scope])])


# -- closed results ---------------------------------------------------------------------------
def put_result(tx, scope: str, period: str, closed_at: str, closed_by: str, scheme_json: str,
               result_json: str) -> bool:
    """Freeze a result; False when that period was closed already."""
    cur = tx.q("INSERT INTO assess_results (scope, period, closed_at, closed_by, scheme, "
               "result) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
               [scope, period, closed_at, closed_by, scheme_json, result_json])
    return cur.rowcount == 1


def get_result(tx_or_store, scope: str, period: str) -> str | None:
    """A closed period's Result JSON, or None."""
    row = _read(tx_or_store, lambda tx: tx.one(
        "SELECT result FROM assess_results WHERE scope = ? AND period = ?", [scope, period]))
    return row[0] if row else None


def closed_periods(tx_or_store, scope: str) -> list[str]:
    return [r[0] for r in _read(tx_or_store, lambda tx: tx.all(
        "SELECT period FROM assess_results WHERE scope = ? ORDER BY period", [scope]))]
