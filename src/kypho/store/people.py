"""Users and their API tokens (the password and token rules live in kypho.web.security)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kypho.errors import InvalidInput
from kypho.store.audit import Actor, record_event
from kypho.store.models import ApiToken, User
from kypho.web.security.passwords import hash_password
from kypho.web.security.roles import Role
from kypho.web.security.tokens import digest, new_token


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
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(
            f"role: expected one of {', '.join(r.value for r in Role)}, got {role!r}"
        ) from None
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"username: expected a name not yet taken, got {username!r}")
    user = User(
        username=username,
        display_name=display_name,
        role=role.value,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    db.add(user)
    db.flush()
    record_event(db, actor, action="create", record_type="user", record_id=user.id,
                 detail=f"role {role.value}")  # fmt: skip
    return user


def issue_api_token(db: Session, actor: Actor, user: User, *, label: str = "") -> str:
    """A new bearer token for ``user``: returned once, stored as its SHA-256 only."""
    token = new_token()
    db.add(ApiToken(token_sha256=digest(token), user_id=user.id, label=label))
    db.flush()
    record_event(db, actor, action="create", record_type="api_token", record_id=user.id)
    return token
