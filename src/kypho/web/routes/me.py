"""The signed-in user: who am I, and a bearer token of my own for the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from kypho.store.audit import Actor
from kypho.store.people import get_user, issue_api_token
from kypho.web.deps import DbSession
from kypho.web.security.guard import require
from kypho.web.security.roles import MATRIX, Permission

router = APIRouter(prefix="/me", tags=["me"])

OwnAccount = Annotated[Actor, Depends(require(Permission.OWN_ACCOUNT))]


class TokenRequest(BaseModel):
    label: str = Field(default="", max_length=100, description="What the token is for.")


def _user_id(actor: Actor) -> int:
    assert actor.user_id is not None  # a session or token always names a user
    return actor.user_id


@router.get("")
def me(db: DbSession, actor: OwnAccount) -> dict[str, Any]:
    """The signed-in user, their role and what it allows."""
    user = get_user(db, _user_id(actor))
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "must_change_password": user.must_change_password,
        "permissions": sorted(p.name.lower() for p, roles in MATRIX.items() if user.role in roles),
    }


@router.post("/tokens", status_code=201)
def new_token(db: DbSession, actor: OwnAccount, body: TokenRequest | None = None) -> dict[str, str]:
    """A new bearer token for the signed-in user, shown only in this answer."""
    user = get_user(db, _user_id(actor))
    label = body.label if body else ""
    token = issue_api_token(db, actor, user, label=label)
    return {"token": token, "label": label, "type": "bearer"}
