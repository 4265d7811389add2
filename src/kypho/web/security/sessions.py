"""Server-side sessions: started at sign-in, ended by sign-out, idle time-out or maximum age.

The cookie carries a random token; the table keeps its SHA-256 only, so a copy of the
database does not sign anyone in. Each session has its own CSRF token.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kypho.config import Settings
from kypho.store.models import WebSession
from kypho.web.security.tokens import digest, new_token


class SessionState(StrEnum):
    LIVE = "live"
    IDLE = "idle"  # no request for longer than settings.session_idle_minutes
    TOO_OLD = "too_old"  # started longer ago than settings.session_max_hours
    ENDED = "ended"  # signed out, password changed, account deactivated


def find_session(db: Session, token: str) -> WebSession | None:
    """The session a cookie names, live or not; None if it names none."""
    return db.scalar(select(WebSession).where(WebSession.token_sha256 == digest(token)))


def state_of(session: WebSession, settings: Settings, *, now: datetime) -> SessionState:
    if session.ended_at is not None:
        return SessionState.ENDED
    if now - session.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        return SessionState.IDLE
    if now - session.created_at > timedelta(hours=settings.session_max_hours):
        return SessionState.TOO_OLD
    return SessionState.LIVE


def start_session(db: Session, user_id: int, *, ip: str | None, now: datetime) -> str:
    """A new session with a fresh token and CSRF token; returns the cookie's token."""
    token = new_token()
    db.add(
        WebSession(
            token_sha256=digest(token),
            user_id=user_id,
            csrf_token=new_token(),
            created_at=now,
            last_seen_at=now,
            ip=ip,
        )
    )
    db.flush()
    return token


def end_session(session: WebSession, *, now: datetime) -> None:
    if session.ended_at is None:
        session.ended_at = now


def end_user_sessions(
    db: Session, user_id: int, *, now: datetime, keep_id: int | None = None
) -> None:
    """End every live session of ``user_id`` (but ``keep_id``, the one asking)."""
    query = update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
    if keep_id is not None:
        query = query.where(WebSession.id != keep_id)
    db.execute(query.values(ended_at=now).execution_options(synchronize_session=False))
