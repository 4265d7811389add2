"""Users and their API tokens (the password and token rules live in kypho.web.security).

Every change to a user is an audit event (record type ``user``); no password, typed or
generated, is ever written to it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kypho.errors import InvalidInput, NotFound
from kypho.store.audit import Actor, record_event
from kypho.store.models import ApiToken, User
from kypho.web.security.password_rules import InvalidField, check_new_password, one_time_password
from kypho.web.security.passwords import hash_password, verify_password
from kypho.web.security.roles import Role
from kypho.web.security.sessions import end_user_sessions
from kypho.web.security.tokens import digest, new_token

USERNAME_MAX_CHARS = 64  # users.username
DISPLAY_NAME_MAX_CHARS = 200  # users.display_name


def _check_text(field: str, value: str, *, max_chars: int) -> None:
    if not value.strip() or len(value) > max_chars:
        raise InvalidField(field, f"expected 1 to {max_chars} characters, got {len(value)}")
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise InvalidField(field, "expected printable text, got a control character")


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidField(
            "role", f"expected one of {', '.join(r.value for r in Role)}, got {role!r}"
        ) from None


def create_user(
    db: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: Role | str,
    password: str,
    must_change_password: bool = False,
) -> User:
    """A new user; ``username`` and ``display_name`` are stored exactly as given."""
    checked = _role(role)
    _check_text("username", username, max_chars=USERNAME_MAX_CHARS)
    _check_text("display_name", display_name, max_chars=DISPLAY_NAME_MAX_CHARS)
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidField("username", f"expected a name not yet taken, got {username!r}")
    user = User(
        username=username,
        display_name=display_name,
        role=checked.value,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
        failed_sign_ins=0,
    )
    db.add(user)
    db.flush()
    record_event(db, actor, action="create", record_type="user", record_id=user.id,
                 detail=f"role {checked.value}")  # fmt: skip
    return user


def create_user_with_one_time_password(
    db: Session, actor: Actor, *, username: str, display_name: str, role: Role | str
) -> tuple[User, str]:
    """A new user who must change the returned one-time password at first sign-in."""
    password = one_time_password()
    user = create_user(db, actor, username=username, display_name=display_name, role=role,
                       password=password, must_change_password=True)  # fmt: skip
    return user, password


def list_users(db: Session) -> Sequence[User]:
    return db.scalars(select(User).order_by(User.username)).all()


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id}: no such user")
    return user


def issue_api_token(db: Session, actor: Actor, user: User, *, label: str = "") -> str:
    """A new bearer token for ``user``: returned once, stored as its SHA-256 only."""
    token = new_token()
    db.add(ApiToken(token_sha256=digest(token), user_id=user.id, label=label))
    db.flush()
    record_event(db, actor, action="create", record_type="api_token", record_id=user.id)
    return token


def set_active(db: Session, actor: Actor, user_id: int, *, active: bool, now: datetime) -> User:
    """Deactivate (sessions ended, tokens revoked) or reactivate a user; not oneself."""
    user = get_user(db, user_id)
    if user.id == actor.user_id and not active:
        raise InvalidInput("user: expected another user than yourself, got your own account")
    user.active = active
    if not active:
        end_user_sessions(db, user.id, now=now)
        db.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
    action = "reactivate" if active else "deactivate"
    record_event(db, actor, action=action, record_type="user", record_id=user.id)
    return user


def reset_password(db: Session, actor: Actor, user_id: int, *, now: datetime) -> str:
    """A new one-time password (returned once); unlocks and ends the user's sessions."""
    user = get_user(db, user_id)
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.password_changed_at = now
    user.failed_sign_ins = 0
    user.locked_until = None
    end_user_sessions(db, user.id, now=now)
    record_event(db, actor, action="reset_password", record_type="user", record_id=user.id)
    return password


def unlock(db: Session, actor: Actor, user_id: int) -> User:
    user = get_user(db, user_id)
    user.failed_sign_ins = 0
    user.locked_until = None
    record_event(db, actor, action="unlock", record_type="user", record_id=user.id)
    return user


def change_password(
    db: Session, actor: Actor, user: User, *, current: str, new: str, repeated: str,
    session_id: int | None, now: datetime,
) -> None:  # fmt: skip
    """Check ``current`` and the rules, store ``new``, end the user's other sessions."""
    if not verify_password(user.password_hash, current):
        raise InvalidField("current_password", "expected your current password, got another")
    check_new_password(username=user.username, current=current, new=new, repeated=repeated)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = now
    end_user_sessions(db, user.id, now=now, keep_id=session_id)
    record_event(db, actor, action="password_change", record_type="user", record_id=user.id)
