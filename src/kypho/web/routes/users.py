"""Users over the API (administrators): list, create, deactivate, reactivate, reset, unlock."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from kypho.store.audit import Actor
from kypho.store.base import utcnow
from kypho.store.models import User
from kypho.store.people import (
    create_user_with_one_time_password,
    get_user,
    list_users,
    reset_password,
    set_active,
    unlock,
)
from kypho.web.deps import DbSession
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission, Role

router = APIRouter(prefix="/users", tags=["users"])

ManageUsers = Annotated[Actor, Depends(require(Permission.MANAGE_USERS))]


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    role: Role


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "active": user.active,
        "must_change_password": user.must_change_password,
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
        "created_at": user.created_at.isoformat(),
    }


@router.get("")
def users(db: DbSession, _actor: ManageUsers) -> dict[str, Any]:
    return {"items": [user_json(user) for user in list_users(db)]}


@router.post("", status_code=201)
def create(db: DbSession, actor: ManageUsers, body: NewUser) -> dict[str, Any]:
    """A new user with a one-time password (in this answer only)."""
    user, password = create_user_with_one_time_password(
        db, actor, username=body.username, display_name=body.display_name, role=body.role
    )
    return user_json(user) | {"one_time_password": password}


@router.post("/{user_id}/reset-password")
def reset(db: DbSession, actor: ManageUsers, user_id: int) -> dict[str, Any]:
    password = reset_password(db, actor, user_id, now=utcnow())
    return user_json(get_user(db, user_id)) | {"one_time_password": password}


@router.post("/{user_id}/{change}")
def change(
    db: DbSession,
    actor: ManageUsers,
    user_id: int,
    change: Literal["deactivate", "reactivate", "unlock"],
) -> dict[str, Any]:
    if change == "unlock":
        return user_json(unlock(db, actor, user_id))
    user = set_active(db, actor, user_id, active=change == "reactivate", now=utcnow())
    return user_json(user)
