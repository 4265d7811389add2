"""Sign-in throttling: per account (lock-out, in settings) and per address (constants here).

Every attempt is a ``SignInAttempt`` row, kept while a window may still count it: each
sign-in first deletes the rows older than both windows (``prune_attempts``); the audit
trail keeps every sign-in for good. An account is locked after
``settings.sign_in_max_failures`` consecutive failures, for ``sign_in_lockout_minutes``.
A name that is no account is "locked" the same way, from its attempt rows, so the answer
does not tell whether a name exists. The address is ``authenticate.client_ip``'s, the one
the audit trail records: behind a trusted reverse proxy (``KYPHO_TRUSTED_PROXIES``), the
client's, not the proxy's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kypho.config import Settings
from kypho.store.models import SignInAttempt

# Project conventions (not from a standard): one address may fail this many sign-ins in
# this window before it is refused; the refusal lasts until its oldest failure leaves the
# window. A clinic behind one NAT address stays well below it in normal use.
IP_MAX_FAILURES = 20
IP_WINDOW_MINUTES = 15

USERNAME_MAX_CHARS = 64  # the users.username column


def prune_attempts(db: Session, settings: Settings, *, now: datetime) -> int:
    """Delete the attempts no window counts any more (older than the address window and
    the lock-out); the number deleted."""
    keep = timedelta(minutes=max(IP_WINDOW_MINUTES, settings.sign_in_lockout_minutes))
    done = db.execute(
        delete(SignInAttempt)
        .where(SignInAttempt.at <= now - keep)
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def record_attempt(
    db: Session, *, username: str, ip: str | None, succeeded: bool, now: datetime
) -> None:
    db.add(
        SignInAttempt(username=username[:USERNAME_MAX_CHARS], ip=ip, at=now, succeeded=succeeded)
    )
    db.flush()


def address_refused_until(db: Session, ip: str | None, *, now: datetime) -> datetime | None:
    """When sign-ins from ``ip`` are accepted again, or None if they are now."""
    if ip is None:
        return None
    since = now - timedelta(minutes=IP_WINDOW_MINUTES)
    failures = db.execute(
        select(func.count(), func.min(SignInAttempt.at)).where(
            SignInAttempt.ip == ip, SignInAttempt.at > since, SignInAttempt.succeeded.is_(False)
        )
    ).one()
    count, oldest = failures
    if count < IP_MAX_FAILURES or oldest is None:
        return None
    until: datetime = oldest + timedelta(minutes=IP_WINDOW_MINUTES)
    return until


def unknown_name_locked_until(
    db: Session, username: str, settings: Settings, *, now: datetime
) -> datetime | None:
    """For a name that is no account: locked as an account would be after as many failures."""
    lockout = timedelta(minutes=settings.sign_in_lockout_minutes)
    times = db.scalars(
        select(SignInAttempt.at)
        .where(
            SignInAttempt.username == username[:USERNAME_MAX_CHARS],
            SignInAttempt.at > now - lockout,
            SignInAttempt.succeeded.is_(False),
        )
        .order_by(SignInAttempt.at)
    ).all()
    if len(times) < settings.sign_in_max_failures:
        return None
    until: datetime = times[settings.sign_in_max_failures - 1] + lockout
    return until
