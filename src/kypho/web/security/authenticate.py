"""Who is asking: a bearer token (API) or a session cookie (pages), or nobody.

SKELETON (lead): looks the token or session up. The sign-in work adds idle time-out,
maximum age, lock-out and the rest; callers only use ``authenticate`` and
``SESSION_COOKIE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from kypho.store.audit import Actor
from kypho.store.base import utcnow
from kypho.store.models import ApiToken, User, WebSession
from kypho.web.security.tokens import digest

SESSION_COOKIE = "kypho_session"


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    actor: Actor
    session: WebSession | None  # None: a bearer token (no cookie, so no CSRF check)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _from_token(db: Session, token: str) -> User | None:
    row = db.scalar(
        select(ApiToken).where(
            ApiToken.token_sha256 == digest(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    row.last_used_at = utcnow()
    return db.get(User, row.user_id)


def authenticate(request: Request, db: Session) -> Identity | None:
    user: User | None = None
    session: WebSession | None = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = _from_token(db, header[7:].strip())
    elif cookie := request.cookies.get(SESSION_COOKIE):
        session = db.scalar(
            select(WebSession).where(
                WebSession.token_sha256 == digest(cookie), WebSession.ended_at.is_(None)
            )
        )
        if session is not None:
            session.last_seen_at = utcnow()
            user = db.get(User, session.user_id)
    if user is None or not user.active:
        return None
    actor = Actor(user_id=user.id, username=user.username, role=user.role, ip=client_ip(request))
    return Identity(actor=actor, session=session)
