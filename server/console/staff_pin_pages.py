"""Kiosk sign-in PINs in the console (issue 27 item 2): on a hall's page the supervisor sets a
staff member's 4-6 digit PIN (typed), has one made up (6 digits, shown once on the answer
page and never again), or clears it. Only a salted scrypt hash is stored
(server/db/staff_pins.py); it reaches the kiosks of the member's windows with the roster.
The audit entry says who set whose PIN and how, never the PIN.
"""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from server.console.auth import page_user, posted_form
from server.console.scope import User, forbidden, require_edit, require_hall
from server.console.templating import tr
from server.db import audit, org, staff_pins
from sync.wire.labels import N_
from sync.wire.pin_hash import hash_pin, new_staff_pin, staff_pin_ok

log = logging.getLogger(__name__)

router = APIRouter()
ACTIONS = ("set", "generate", "clear")


@router.post("/org/halls/{hall_id}/staff-pin", include_in_schema=False)
def set_staff_pin(request: Request, hall_id: str, user: User = Depends(page_user),
                  form=Depends(posted_form)):
    from server.console.org_pages import hall_page

    require_edit(user)
    require_hall(user, hall_id)
    store = request.app.state.store
    staff_id = str(form.get("staff_id") or "")
    action = str(form.get("action") or "set")
    member = next(iter(org.staff(store, staff_id=staff_id)), None) if staff_id else None
    if member is None or member.hall_id != hall_id:
        raise forbidden(N_("not a staff member of this hall"))
    pin = str(form.get("pin") or "").strip()
    values = {"staff_id": staff_id}
    if action not in ACTIONS:
        return hall_page(request, user, hall_id, 400, values={"pin": values},
                         errors={"pin": {"action": tr(request, N_("unknown action"))}})
    if action == "set" and not staff_pin_ok(pin):
        return hall_page(request, user, hall_id, 400, values={"pin": values},
                         errors={"pin": {"pin": tr(request, N_("a PIN is 4 to 6 digits"))}})
    if action == "generate":
        pin = new_staff_pin()
    with store.transaction() as tx:
        if action == "clear":
            staff_pins.clear(tx, staff_id)
        else:
            staff_pins.put(tx, staff_id, hash_pin(pin), user.actor)
        audit.append(tx, user.actor, "org.staff.pin", f"staff:{staff_id}",
                     {"hall": hall_id, "action": action})
    log.info("kiosk PIN of staff %s: %s by %s", staff_id, action, user.actor)
    if action == "generate":
        # Shown on this answer only (no-store): the supervisor hands it over.
        return hall_page(request, user, hall_id, pin_shown={"staff_id": staff_id,
                                                            "name": member.name, "pin": pin})
    return RedirectResponse(f"/console/org/halls/{hall_id}#staff-pin", 303)
