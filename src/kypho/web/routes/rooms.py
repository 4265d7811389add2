"""Rooms in the JSON API: list them (anyone who books), add and rename (room managers)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from kypho.store.audit import Actor
from kypho.store.models import Room
from kypho.store.rooms import create_room, list_rooms, rename_room
from kypho.web.deps import DbSession
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(tags=["rooms"])

# Listing needs only READ_PATIENT_DATA so every booking client (and reader) can show rooms.
Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Manager = Annotated[Actor, Depends(require(Permission.MANAGE_ROOMS))]


class RoomIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str


def _out(room: Room) -> dict[str, Any]:
    return {"id": room.id, "name": room.name}


@router.get("/rooms")
def rooms(db: DbSession, _actor: Reader) -> dict[str, Any]:
    """Every room, by name."""
    return {"items": [_out(room) for room in list_rooms(db)]}


@router.post("/rooms", status_code=201)
def add(body: RoomIn, db: DbSession, actor: Manager) -> dict[str, Any]:
    """A new room; a blank name or one in use is a 422 naming the field ``name``."""
    return _out(create_room(db, actor, name=body.name))


@router.put("/rooms/{room_id:int}")
def rename(room_id: int, body: RoomIn, db: DbSession, actor: Manager) -> dict[str, Any]:
    return _out(rename_room(db, actor, room_id, name=body.name))
