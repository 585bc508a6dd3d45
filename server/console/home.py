"""The console's start page: who you are, what you may see, where to go next."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request

from server.console.auth import page_user
from server.console.notices import holiday_notice
from server.console.scope import User
from server.console.templating import render
from server.db import org, users

log = logging.getLogger(__name__)

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(request: Request, user: User = Depends(page_user)):
    store = request.app.state.store
    halls = org.halls(store)
    mine = [halls[h] for h in sorted(user.halls) if h in halls]
    member = next(iter(org.staff(store, staff_id=user.staff_id)), None) if user.staff_id \
        else None
    return render(request, "home.html", user, halls=mine, member=member,
                  role_label=users.ROLE_LABELS.get(user.role, user.role),
                  regions=org.regions(store),
                  holiday_notice=holiday_notice(request, user))
