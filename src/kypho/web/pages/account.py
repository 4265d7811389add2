"""Sign-in, sign-out and one's own password: the pages every role uses.

Sign-in starts a new session with a new random token whatever cookie came with the
request (session fixation), and ends the session that cookie named. The cookie is
HttpOnly, ``SameSite=Lax`` (Strict would drop the cookie when a colleague follows a link
to a case from another site, such as the hospital record, and show the sign-in page to a
signed-in user; every state change carries a CSRF token anyway), Secure when
``settings.cookie_secure``, Path=/.

The sign-in form has a token of its own (login CSRF: another site must not sign a
colleague in as someone else): the page sets it in a short-lived HttpOnly,
``SameSite=Strict`` cookie and in a hidden field, and a post whose two differ is
refused (403) with a fresh form. Nobody is signed in yet, so there is no session to
hang it on: the pair is the double-submit pattern.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kypho.config import Settings
from kypho.store.audit import Actor, record_event
from kypho.store.base import utcnow
from kypho.store.people import change_password, get_user
from kypho.web.deps import DbSession
from kypho.web.render import render
from kypho.web.security.authenticate import SESSION_COOKIE, client_ip, live_session
from kypho.web.security.guard import PASSWORD_PAGE, CsrfRejected, require
from kypho.web.security.password_rules import PASSWORD_MIN_CHARS, InvalidField
from kypho.web.security.roles import Permission, Role
from kypho.web.security.sessions import (
    SessionState,
    end_session,
    find_session,
    start_session,
    state_of,
)
from kypho.web.security.signin import sign_in

router = APIRouter(include_in_schema=False)

ADMIN_HOME = "/admin/users"

OwnAccount = Annotated[Actor, Depends(require(Permission.OWN_ACCOUNT))]
FormText = Annotated[str, Form()]
NextQuery = Annotated[str, Query(alias="next")]
NextForm = Annotated[str, Form(alias="next")]


def local_path(target: str | None) -> str:
    """``target`` if it is a path on this site, else "/" (no open redirect)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 0x20 for c in target)
    ):
        return "/"
    return target


def _ended_message(request: Request, db: DbSession, settings: Settings) -> str:
    cookie = request.cookies.get(SESSION_COOKIE)
    session = find_session(db, cookie) if cookie else None
    if session is None:
        return ""
    state = state_of(session, settings, now=utcnow())
    if state is SessionState.IDLE:
        return (f"You were signed out after {settings.session_idle_minutes} minutes "
                "without activity. Sign in again.")  # fmt: skip
    if state is SessionState.TOO_OLD:
        return (f"Your session reached its limit of {settings.session_max_hours} hours. "
                "Sign in again.")  # fmt: skip
    return ""


SIGN_IN_COOKIE = "kypho_sign_in"
SIGN_IN_FIELD = "sign_in_token"
SIGN_IN_FORM_MAX_AGE_S = 3600  # project convention: a sign-in page left open an hour still works


def _sign_in_form(request: Request, context: dict[str, str], *, status: int = 200) -> Response:
    """The sign-in page with a new form token, in its hidden field and its cookie."""
    settings: Settings = request.app.state.settings
    token = secrets.token_urlsafe(32)
    answer = render(request, "account/sign_in.html", {**context, "sign_in_token": token},
                    status=status)  # fmt: skip
    answer.set_cookie(SIGN_IN_COOKIE, token, max_age=SIGN_IN_FORM_MAX_AGE_S, path="/sign-in",
                      httponly=True, samesite="strict", secure=settings.cookie_secure)  # fmt: skip
    return answer


@router.get("/sign-in")
def sign_in_page(request: Request, db: DbSession, next_: NextQuery = "/") -> Response:
    settings: Settings = request.app.state.settings
    message = _ended_message(request, db, settings)
    if request.query_params.get("signed_out"):
        message = "You have signed out."
    return _sign_in_form(request, {"username": "", "message": message, "next": local_path(next_)})


@router.post("/sign-in")
def sign_in_submit(
    request: Request, db: DbSession, username: FormText = "", password: FormText = "",
    next_: NextForm = "/", sign_in_token: FormText = "",
) -> Response:  # fmt: skip
    settings: Settings = request.app.state.settings
    now = utcnow()
    cookie = request.cookies.get(SIGN_IN_COOKIE, "")
    if not (cookie and hmac.compare_digest(cookie.encode(), sign_in_token.encode())):
        message = ("This sign-in form has expired or did not come from this site "
                   f"({SIGN_IN_FIELD}: expected the form's token). Sign in again.")  # fmt: skip
        context = {"username": username, "message": message, "next": local_path(next_)}
        return _sign_in_form(request, context, status=403)
    result = sign_in(db, settings, username=username, password=password,
                     ip=client_ip(request), now=now)  # fmt: skip
    if result.user is None:
        context = {"username": username, "message": result.message, "next": local_path(next_)}
        return _sign_in_form(request, context, status=429 if result.throttled else 401)
    if (old := request.cookies.get(SESSION_COOKIE)) and (before := find_session(db, old)):
        end_session(before, now=now)  # a cookie set before sign-in never becomes a session
    token = start_session(db, result.user.id, ip=client_ip(request), now=now)
    target = local_path(next_)
    if target == "/" and result.user.role == Role.ADMINISTRATOR:
        target = ADMIN_HOME  # the worklist shows patient data, which administrators may not see
    if result.user.must_change_password:
        target = PASSWORD_PAGE
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.cookie_secure, path="/")  # fmt: skip
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in", httponly=True, samesite="strict",
                           secure=settings.cookie_secure)  # fmt: skip
    return response


@router.post("/sign-out")
def sign_out(request: Request, db: DbSession, csrf_token: FormText = "") -> Response:
    settings: Settings = request.app.state.settings
    cookie = request.cookies.get(SESSION_COOKIE)
    session = live_session(db, settings, cookie) if cookie else None
    if session is not None:
        if not hmac.compare_digest(csrf_token.encode(), session.csrf_token.encode()):
            raise CsrfRejected()
        end_session(session, now=utcnow())
        user = get_user(db, session.user_id)
        actor = Actor(user_id=user.id, username=user.username, role=user.role,
                      ip=client_ip(request))  # fmt: skip
        record_event(db, actor, action="sign_out", record_type="user", record_id=user.id)
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=settings.cookie_secure)  # fmt: skip
    return response


def _password_form(
    request: Request, *, error: InvalidField | None = None, changed: bool = False,
    status: int = 200,
) -> Response:  # fmt: skip
    context = {"error": error, "changed": changed, "min_chars": PASSWORD_MIN_CHARS}
    return render(request, "account/password.html", context, status=status)


@router.get("/account/password")
def password_page(request: Request, _actor: OwnAccount, changed: int = 0) -> Response:
    return _password_form(request, changed=bool(changed))


@router.post("/account/password")
def password_submit(
    request: Request, db: DbSession, actor: OwnAccount, current_password: FormText = "",
    new_password: FormText = "", repeat_password: FormText = "",
) -> Response:  # fmt: skip
    assert actor.user_id is not None  # a session or token always names a user
    user = get_user(db, actor.user_id)
    try:
        change_password(db, actor, user, current=current_password, new=new_password,
                        repeated=repeat_password, session_id=request.state.session_id,
                        now=utcnow())  # fmt: skip
    except InvalidField as err:
        db.rollback()
        return _password_form(request, error=err, status=422)
    return RedirectResponse(f"{PASSWORD_PAGE}?changed=1", status_code=303)
