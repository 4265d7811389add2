"""Checking a sign-in: throttling, lock-out, argon2id verification, rehash, audit events.

The answer for a name that is no account is the same, in words and in work done (one
argon2 verification against a dummy hash), as for a wrong password; no password is
ever written to the audit trail or the attempt table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kypho.config import Settings
from kypho.store.audit import Actor, record_event
from kypho.store.base import zone_minute
from kypho.store.models import User
from kypho.web.security import throttle
from kypho.web.security.passwords import hash_password, needs_rehash, verify_password
from kypho.web.security.tokens import new_token

WRONG = "Wrong username or password."
INACTIVE = "This account is deactivated; ask an administrator."
DUMMY_HASH = hash_password(new_token())  # verified for unknown names: same work, same time


@dataclass(frozen=True, slots=True, kw_only=True)
class SignInResult:
    user: User | None  # None: refused, see message
    message: str = ""
    throttled: bool = False  # refused for the address, not the account


def locked_message(until: datetime, settings: Settings) -> str:
    return (
        f"This account is locked after {settings.sign_in_max_failures} failed sign-ins, "
        f"until {zone_minute(until, settings.time_zone)}. An administrator can unlock it sooner."
    )


def _actor_of(user: User | None, ip: str | None) -> Actor:
    if user is None:
        return Actor(user_id=None, username="(unknown name)", role="none", ip=ip)
    return Actor(user_id=user.id, username=user.username, role=user.role, ip=ip)


def _refuse(db: Session, user: User | None, ip: str | None, *, action: str, detail: str) -> None:
    record_id = user.id if user is not None else "unknown"
    record_event(db, _actor_of(user, ip), action=action, record_type="user",
                 record_id=record_id, detail=detail)  # fmt: skip


def _unknown_name(
    db: Session, settings: Settings, username: str, password: str, ip: str | None, now: datetime
) -> SignInResult:
    verify_password(DUMMY_HASH, password)
    throttle.record_attempt(db, username=username, ip=ip, succeeded=False, now=now)
    _refuse(db, None, ip, action="sign_in_failed", detail="no such account")
    until = throttle.unknown_name_locked_until(db, username, settings, now=now)
    return SignInResult(user=None, message=locked_message(until, settings) if until else WRONG)


def _wrong_password(
    db: Session, settings: Settings, user: User, ip: str | None, now: datetime
) -> SignInResult:
    # one UPDATE, so two wrong passwords sent at once both count (the row is locked on PostgreSQL)
    db.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_sign_ins=User.failed_sign_ins + 1)
        .execution_options(synchronize_session=False)
    )
    db.refresh(user, ["failed_sign_ins"])
    _refuse(db, user, ip, action="sign_in_failed", detail=f"failure {user.failed_sign_ins}")
    if user.failed_sign_ins < settings.sign_in_max_failures:
        return SignInResult(user=None, message=WRONG)
    user.locked_until = now + timedelta(minutes=settings.sign_in_lockout_minutes)
    user.failed_sign_ins = 0
    _refuse(db, user, ip, action="lock", detail=f"{settings.sign_in_lockout_minutes} minutes")
    return SignInResult(user=None, message=locked_message(user.locked_until, settings))


def sign_in(
    db: Session, settings: Settings, *, username: str, password: str, ip: str | None,
    now: datetime,
) -> SignInResult:  # fmt: skip
    """The user if ``username`` and ``password`` are right and nothing refuses them."""
    throttle.prune_attempts(db, settings, now=now)
    if until := throttle.address_refused_until(db, ip, now=now):
        throttle.record_attempt(db, username=username, ip=ip, succeeded=False, now=now)
        _refuse(db, None, ip, action="sign_in_throttled", detail="address")
        after = zone_minute(until, settings.time_zone)
        message = f"Too many failed sign-ins from this address; try again after {after}."
        return SignInResult(user=None, message=message, throttled=True)
    user = None
    if len(username) <= throttle.USERNAME_MAX_CHARS:
        user = db.scalar(select(User).where(User.username == username))
    if user is None:
        return _unknown_name(db, settings, username, password, ip, now)
    right = verify_password(user.password_hash, password)
    if user.locked_until is not None and user.locked_until > now:
        throttle.record_attempt(db, username=username, ip=ip, succeeded=False, now=now)
        _refuse(db, user, ip, action="sign_in_refused", detail="locked")
        return SignInResult(user=None, message=locked_message(user.locked_until, settings))
    throttle.record_attempt(db, username=username, ip=ip, succeeded=right, now=now)
    if not right:
        return _wrong_password(db, settings, user, ip, now)
    if not user.active:
        _refuse(db, user, ip, action="sign_in_refused", detail="deactivated")
        return SignInResult(user=None, message=INACTIVE)
    user.failed_sign_ins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record_event(db, _actor_of(user, ip), action="sign_in", record_type="user", record_id=user.id)
    return SignInResult(user=user)
