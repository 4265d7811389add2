"""The one place that says who may call a route: ``require(permission)``.

Every route that shows or changes patient data declares ``Depends(require(...))``; the
security tests read the app's routes and fail on any route without a guard that is not
in ``PUBLIC_PATHS``. A state-changing request made with a session cookie must carry the
session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``). A user still
on a one-time password gets 403 (``PasswordChangeRequired``) from every route but the
``Permission.OWN_ACCOUNT`` ones.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from kypho.errors import Forbidden
from kypho.store.audit import Actor
from kypho.web.deps import SAFE_METHODS, DbSession
from kypho.web.security.authenticate import Identity, authenticate
from kypho.web.security.roles import Permission, allowed

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

# Routes that need no sign-in: they show or change no patient data. (CDS Hooks discovery
# lists the services; the hook calls themselves need a trusted client JWT.)
PUBLIC_PATHS = frozenset(
    {"/sign-in", "/sign-out", "/health", "/static", "/openapi.json", "/docs", "/redoc",
     "/docs/oauth2-redirect", "/cds-services"}
)  # fmt: skip


class Unauthenticated(Exception):  # noqa: N818 (an HTTP answer, not an error of kypho's)
    """No valid session or token: 401 on the API, a redirect to sign-in on pages."""


class CsrfRejected(Exception):  # noqa: N818
    """A state-changing request with a session cookie but no valid CSRF token."""


class PasswordChangeRequired(Forbidden):
    """A one-time password is in use: only the user's own account pages answer."""


PASSWORD_PAGE = "/account/password"
# A case form has ~150-230 fields, each extra finding row ~20 (project convention).
MAX_FORM_FIELDS = 5000


async def _csrf_token_sent(request: Request) -> str:
    if header := request.headers.get(CSRF_HEADER):
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form(max_fields=MAX_FORM_FIELDS)
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def require(permission: Permission) -> Callable[..., object]:
    """A dependency that returns the ``Actor`` if signed in with ``permission``."""

    async def guard(request: Request, db: DbSession) -> Actor:
        # In the threadpool: authenticate may write (last_used_at, last_seen_at), and a
        # write that waits for a lock must not block the event loop the holder needs.
        identity: Identity | None = await run_in_threadpool(authenticate, request, db)
        if identity is None:
            raise Unauthenticated()
        if identity.session is not None and request.method not in SAFE_METHODS:
            sent = await _csrf_token_sent(request)
            if not hmac.compare_digest(sent.encode(), identity.session.csrf_token.encode()):
                raise CsrfRejected()
        if identity.must_change_password and permission is not Permission.OWN_ACCOUNT:
            raise PasswordChangeRequired(
                "password: expected a password of your own, found the one-time password; "
                f"change it first at {PASSWORD_PAGE}"
            )
        if not allowed(identity.actor.role, permission):
            raise Forbidden(f"your role ({identity.actor.role}) may not {permission.value}")
        request.state.actor = identity.actor
        request.state.csrf_token = identity.session.csrf_token if identity.session else ""
        request.state.session_id = identity.session.id if identity.session else None
        return identity.actor

    guard.kypho_permission = permission  # type: ignore[attr-defined]  # read by the tests
    return guard
