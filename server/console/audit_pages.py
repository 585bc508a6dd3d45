"""The audit log page: entries newest first, filters, and a check of the hash chain."""
from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from server.console.auth import page_user
from server.console.scope import User, require_role
from server.console.templating import add_nav, csv_response, render
from server.db import audit
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
def audit_log(request: Request, page: int = 1, verify: int = 0,
              user: User = Depends(page_user)):
    """Auditors and region admins read the whole log (it holds who changed what, no
    figures); verify=1 walks the whole chain."""
    require_role(user, *ROLES)
    store = request.app.state.store
    page = max(1, min(page, 100000))
    filters = _filters(request)
    rows, total = audit.entries(store, PAGE, (page - 1) * PAGE, **filters)
    checked = audit.verify(store) if verify else None
    entries = [[r["id"], r["at"], r["actor"], r["action"], r["target"],
                json.dumps(r["detail"], ensure_ascii=False)] for r in rows]
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "audit.html", user, entries=entries, query=query, total=total, page=page,
                  pages=max(1, -(-total // PAGE)), filters=filters, verified=bool(verify),
                  problem=checked, head=audit.head(store))


@router.get("/audit.csv", include_in_schema=False)
def audit_csv(request: Request, user: User = Depends(page_user)):
    require_role(user, *ROLES)
    rows, _ = audit.entries(request.app.state.store, 100000, 0, **_filters(request))
    headers = ["id", "at", "actor", "action", "target", "detail", "hash"]
    return csv_response([{**r, "detail": audit.BaseStore.dumps(r["detail"])} for r in rows],
                        headers, "audit-log.csv")
