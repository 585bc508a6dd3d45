"""Accounts page for region admins: the people in their region, add, disable, reset passwords.

A region admin manages accounts whose scope lies in their region: region roles for their
region or one below, supervisors of its halls, staff of its halls. Their own account they
change through the password page only (no one disables or demotes themselves by accident).
"""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from server.console.auth import page_user, posted_form
from server.console.scope import User, forbidden, not_found, require_role
from server.console.templating import add_nav, render, tr
from server.db import audit, org, users
from server.db.users import ROLE_LABELS, ROLES
from sync.wire.labels import N_

log = logging.getLogger(__name__)

router = APIRouter()
add_nav("/console/users", N_("Users"), {"region_admin"}, 85)


def in_scope(store, user: User, role: str, scope: str) -> bool:
    kind = ROLES.get(role)
    if kind == "region":
        return scope in user.regions
    if kind == "hall":
        return scope in user.halls
    if kind == "staff":
        member = next(iter(org.staff(store, staff_id=scope)), None)
        return member is not None and member.hall_id in user.halls
    return False


def users_page(request: Request, user: User, status: int = 200, **extra):
    store = request.app.state.store
    accounts = [a for a in users.all_accounts(store) if in_scope(store, user, a.role, a.scope)]
    context = {"accounts": accounts, "roles": ROLE_LABELS, "errors": {}, "values": {},
               "notice": None, **extra}
    return render(request, "users.html", user, status_code=status, **context)


@router.get("/users", include_in_schema=False)
def users_list(request: Request, user: User = Depends(page_user)):
    require_role(user, "region_admin")
    return users_page(request, user)


@router.post("/users", include_in_schema=False)
def add_user(request: Request, user: User = Depends(page_user), form=Depends(posted_form)):
    require_role(user, "region_admin")
    store = request.app.state.store
    values = {k: str(form.get(k) or "").strip() for k in ("username", "display_name", "role",
                                                          "scope")}
    password = str(form.get("password") or "")
    errors = {}
    try:
        values["username"] = users.check_username(values["username"])
    except ValueError as exc:
        errors["username"] = tr(request, str(exc))
    if values["role"] not in ROLES:
        errors["role"] = tr(request, N_("Choose a role."))
    elif not in_scope(store, user, values["role"], values["scope"]):
        errors["scope"] = tr(request, N_("Not a region, hall or 工号 within your region."))
    try:
        users.check_password(password, values["username"])
    except ValueError as exc:
        errors["password"] = tr(request, str(exc))
    if not errors:
        try:
            with store.transaction() as tx:
                users.add(tx, values["username"], values["display_name"] or values["username"],
                          password, values["role"], values["scope"], must_change=True)
                audit.append(tx, user.actor, "user.add", f"user:{values['username']}",
                             {"role": values["role"], "scope": values["scope"]})
        except ValueError as exc:
            errors["username"] = tr(request, str(exc))
    if errors:
        return users_page(request, user, 400, errors=errors, values=values)
    return RedirectResponse("/console/users", 303)


def _managed(request: Request, user: User, username: str) -> users.Account:
    store = request.app.state.store
    account = users.get(store, username)
    if account is None:
        raise not_found(N_("no such user"))
    if account.username == user.username or not in_scope(store, user, account.role,
                                                          account.scope):
        raise forbidden(N_("not an account you manage"))
    return account


@router.post("/users/{username}/disable", include_in_schema=False)
def disable(request: Request, username: str, user: User = Depends(page_user)):
    require_role(user, "region_admin")
    account = _managed(request, user, username)
    with request.app.state.store.transaction() as tx:
        users.set_disabled(tx, account.username, account.active)
        audit.append(tx, user.actor, "user.disable" if account.active else "user.enable",
                     f"user:{account.username}", {})
    return RedirectResponse("/console/users", 303)


@router.post("/users/{username}/password", include_in_schema=False)
def reset(request: Request, username: str, user: User = Depends(page_user),
          form=Depends(posted_form)):
    """Set a temporary password the admin passes on; the user must change it at login."""
    require_role(user, "region_admin")
    account = _managed(request, user, username)
    password = str(form.get("password") or "")
    try:
        users.check_password(password, account.username)
    except ValueError as exc:
        return users_page(request, user, 400, errors={f"reset:{username}": tr(request,
                                                                              str(exc))})
    store = request.app.state.store
    with store.transaction() as tx:
        users.set_password(tx, account.username, password, must_change=True)
        users.clear_locks(tx, account.username)
        audit.append(tx, user.actor, "user.reset_password", f"user:{account.username}", {})
    return users_page(request, user, notice=tr(request, N_(
        "Password of {user} reset; they must change it when they log in."),
        user=account.username))
