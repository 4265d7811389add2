"""Administration pages: users (create, deactivate, reset, unlock) and the audit trail.

A new user or a reset password gets a one-time password, shown once on the answer page
and never stored in the clear; the user must change it at first sign-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from kypho.config import Settings
from kypho.errors import InvalidInput
from kypho.store.audit import Actor, record_event
from kypho.store.audit_query import (
    AuditFilter,
    count_events,
    csv_lines,
    page_of_events,
    parse_filter,
)
from kypho.store.base import utcnow
from kypho.store.people import (
    create_user_with_one_time_password,
    get_user,
    list_users,
    reset_password,
    set_active,
    unlock,
)
from kypho.web.deps import DbSession
from kypho.web.render import render
from kypho.web.security.guard import require
from kypho.web.security.password_rules import InvalidField
from kypho.web.security.roles import Permission, Role

router = APIRouter(prefix="/admin", include_in_schema=False)

ManageUsers = Annotated[Actor, Depends(require(Permission.MANAGE_USERS))]
ViewAudit = Annotated[Actor, Depends(require(Permission.VIEW_AUDIT))]
FormText = Annotated[str, Form()]


def _users_page(
    request: Request, db: DbSession, *, typed: dict[str, str] | None = None,
    error: InvalidInput | None = None, issued: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    context = {
        "users": list_users(db),
        "roles": list(Role),
        "typed": typed or {"username": "", "display_name": "", "role": ""},
        "error": error,
        "issued": issued,
        "now": utcnow(),
    }
    return render(request, "admin/users.html", context, status=status)


@router.get("/users")
def users_page(request: Request, db: DbSession, _actor: ManageUsers) -> Response:
    return _users_page(request, db)


@router.post("/users")
def create_user_submit(
    request: Request, db: DbSession, actor: ManageUsers, username: FormText = "",
    display_name: FormText = "", role: FormText = "",
) -> Response:  # fmt: skip
    typed = {"username": username, "display_name": display_name, "role": role}
    try:
        user, password = create_user_with_one_time_password(
            db, actor, username=username.strip(), display_name=display_name.strip(), role=role
        )
    except InvalidField as err:
        db.rollback()
        return _users_page(request, db, typed=typed, error=err, status=422)
    issued = {"username": user.username, "password": password, "why": "created"}
    return _users_page(request, db, issued=issued, status=201)


@router.post("/users/{user_id}/reset-password")
def reset_password_submit(
    request: Request, db: DbSession, actor: ManageUsers, user_id: int
) -> Response:
    password = reset_password(db, actor, user_id, now=utcnow())
    issued = {"username": get_user(db, user_id).username, "password": password, "why": "reset"}
    return _users_page(request, db, issued=issued)


@router.post("/users/{user_id}/{change}")
def change_user_submit(
    request: Request, db: DbSession, actor: ManageUsers, user_id: int, change: str
) -> Response:
    if change == "unlock":
        unlock(db, actor, user_id)
    elif change in ("deactivate", "reactivate"):
        try:
            set_active(db, actor, user_id, active=change == "reactivate", now=utcnow())
        except InvalidInput as err:
            db.rollback()
            return _users_page(request, db, error=err, status=422)
    else:
        raise InvalidInput(
            f"change: expected unlock, deactivate, reactivate or reset-password, got {change!r}"
        )
    return RedirectResponse("/admin/users", status_code=303)


def _filter_or_error(request: Request) -> tuple[AuditFilter, InvalidField | None]:
    try:
        return parse_filter(request.query_params), None
    except InvalidField as err:
        return AuditFilter(), err


@router.get("/audit")
def audit_page(request: Request, db: DbSession, actor: ViewAudit, page: int = 1) -> Response:
    settings: Settings = request.app.state.settings
    wanted, error = _filter_or_error(request)
    if error is not None:
        context = {"error": error, "typed": dict(request.query_params), "result": None}
        return render(request, "admin/audit.html", context, status=422)
    result = page_of_events(db, wanted, zone=settings.time_zone, page=page)
    record_event(db, actor, action="read", record_type="audit", record_id="page",
                 detail=f"page {result.page}; rows {len(result.items)}; "
                 f"filters {','.join(wanted.used()) or 'none'}")  # fmt: skip
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"])
    context = {"error": None, "typed": dict(request.query_params), "result": result,
               "zone": settings.time_zone, "query": query}  # fmt: skip
    return render(request, "admin/audit.html", context)


@router.get("/audit.csv")
def audit_csv(request: Request, db: DbSession, actor: ViewAudit) -> Response:
    settings: Settings = request.app.state.settings
    wanted = parse_filter(request.query_params)
    rows = count_events(db, wanted, zone=settings.time_zone)
    record_event(db, actor, action="export", record_type="audit", record_id="csv",
                 detail=f"rows {rows}; filters {','.join(wanted.used()) or 'none'}")  # fmt: skip
    factory = request.app.state.sessions

    def lines() -> Iterator[str]:
        with factory() as export_db:  # the request's session is closed once streaming starts
            yield from csv_lines(export_db, wanted, zone=settings.time_zone)

    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    headers = {"Content-Disposition": f'attachment; filename="kypho-audit-{stamp}.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)
