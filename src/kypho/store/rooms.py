"""The clinic's procedure and consult rooms: list, add, rename (record type ``room``).

A room name is stored as typed, less surrounding spaces. Two rooms may not share a name,
compared without regard to case or runs of spaces ("Room 1" and "room  1" are one name),
so a booking form never offers two rooms that read alike. Rooms hold no patient data:
adding and renaming are audit events, listing is not.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kypho.errors import NotFound
from kypho.store.audit import Actor, record_event
from kypho.store.models import Room
from kypho.web.security.password_rules import InvalidField

ROOM_NAME_MAX_CHARS = 100  # the width of rooms.name (kypho.store.models.schedule)
NAME = "name"


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def list_rooms(db: Session) -> list[Room]:
    """Every room, by name."""
    return list(db.scalars(select(Room).order_by(Room.name, Room.id)))


def get_room(db: Session, room_id: int) -> Room:
    room = db.get(Room, room_id)
    if room is None:
        raise NotFound(f"room {room_id}: no such room")
    return room


def checked_name(db: Session, name: str, *, room_id: int | None = None) -> str:
    """``name`` less surrounding spaces, or ``InvalidField`` (field ``name``) saying why not."""
    text = name.strip()
    if not text or len(text) > ROOM_NAME_MAX_CHARS:
        raise InvalidField(NAME, f"expected 1 to {ROOM_NAME_MAX_CHARS} characters, "
                                 f"got {len(text)}")  # fmt: skip
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise InvalidField(NAME, "expected printable text, got a control character")
    taken = any(_key(other.name) == _key(text) and other.id != room_id for other in list_rooms(db))
    if taken:
        raise InvalidField(NAME, "expected a name no other room has, got one already in use")
    return text


def _save(db: Session, room: Room, name: str) -> None:
    """Name and flush ``room`` in a savepoint: a room of that name added meanwhile is refused."""
    try:
        with db.begin_nested():
            room.name = name
            db.add(room)
            db.flush()
    except IntegrityError:
        raise InvalidField(
            NAME, "expected a name no other room has, got one already in use"
        ) from None


def create_room(db: Session, actor: Actor, *, name: str) -> Room:
    """A new room named ``name`` (checked by ``checked_name``)."""
    room = Room()
    _save(db, room, checked_name(db, name))
    record_event(db, actor, action="create", record_type="room", record_id=room.id)
    return room


def rename_room(db: Session, actor: Actor, room_id: int, *, name: str) -> Room:
    """Give room ``room_id`` a new name; the same name again changes (and records) nothing."""
    room = get_room(db, room_id)
    text = checked_name(db, name, room_id=room_id)
    if text == room.name:
        return room
    _save(db, room, text)
    record_event(db, actor, action="update", record_type="room", record_id=room.id,
                 detail="fields name")  # fmt: skip
    return room
