"""The audit log page: entries newest first, filters, and a check of the hash chain."""
from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from server.console.auth import page_user
from server.console.scope import User, require_role
from server.console.templating import add_nav, csv_response, render
from server.db import audit, audit_scope
from sync.wire.labels import N_

log = logging.getLogger(__name__)

ROLES = ("auditor", "region_admin")
PAGE = 50

router = APIRouter()
add_nav("/console/audit", N_("Audit log"), ROLES, 90)


def _filters(request: Request) -> dict:
    q = request.query_params
    return {k: (q.get(k) or "").strip()[:100] or None for k in ("target", "actor", "action")}


@router.get("/audit", include_in_schema=False)
def audit_log(request: Request, before: int | None = None, after: int | None = None,
              verify: int = 0, user: User = Depends(page_user)):
    """Auditors and region admins read the entries of their halls and regions (a province
    account reads all); pages go by id (keyset: ?before=<id> older, ?after=<id> newer);
    verify=1 walks the whole chain."""
    require_role(user, *ROLES)
    store = request.app.state.store
    filters = _filters(request)
    scopes = audit_scope.visible_scopes(user)
    rows, more = audit.entries(store, PAGE, before=before, after=after, scopes=scopes,
                               **filters)
    checked = audit.verify(store) if verify else None
    entries = [[r["id"], r["at"], r["actor"], r["action"], r["target"],
                json.dumps(r["detail"], ensure_ascii=False)] for r in rows]
    query = urlencode({k: v for k, v in filters.items() if v})
    # Older entries exist when this page is full and reading on from its last id finds some.
    newer = rows[0]["id"] if rows and (before is not None or (after is not None and more)) \
        else None
    older = rows[-1]["id"] if rows and (more if after is None else True) else None
    return render(request, "audit.html", user, entries=entries, query=query, newer=newer,
                  older=older, filters=filters, verified=bool(verify), problem=checked,
                  head=audit.head(store))


@router.get("/audit.csv", include_in_schema=False)
def audit_csv(request: Request, before: int | None = None, user: User = Depends(page_user)):
    """Up to 10,000 entries of the user's scope, newest first (older: ?before=<last id>)."""
    require_role(user, *ROLES)
    rows, _ = audit.entries(request.app.state.store, 10000, before=before,
                            scopes=audit_scope.visible_scopes(user), **_filters(request))
    headers = ["id", "at", "actor", "action", "target", "detail", "hash"]
    return csv_response([{**r, "detail": audit.BaseStore.dumps(r["detail"])} for r in rows],
                        headers, "audit-log.csv")
