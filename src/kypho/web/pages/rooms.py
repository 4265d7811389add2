"""The rooms page: list, add and rename the clinic's rooms (``/admin/rooms``).

A refused name is shown beside the field it was typed in, with the typed text kept.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from kypho.store.audit import Actor
from kypho.store.rooms import ROOM_NAME_MAX_CHARS, create_room, get_room, list_rooms, rename_room
from kypho.web.deps import DbSession
from kypho.web.render import render
from kypho.web.security.guard import require
from kypho.web.security.password_rules import InvalidField
from kypho.web.security.roles import Permission

router = APIRouter(prefix="/admin", include_in_schema=False)

ManageRooms = Annotated[Actor, Depends(require(Permission.MANAGE_ROOMS))]
FormText = Annotated[str, Form()]
PAGE = "/admin/rooms"


def _rooms_page(
    request: Request, db: DbSession, *, form: str = "", typed: str = "",
    error: InvalidField | None = None, status: int = 200,
) -> Response:  # fmt: skip
    """``form`` is "new" or a room id: the form whose ``typed`` text ``error`` is about."""
    context = {
        "rooms": list_rooms(db),
        "form": form,
        "typed": typed,
        "error": error,
        "max_chars": ROOM_NAME_MAX_CHARS,
        "changed": request.query_params.get("changed", ""),
    }
    return render(request, "rooms/page.html", context, status=status)


@router.get("/rooms")
def rooms_page(request: Request, db: DbSession, _actor: ManageRooms) -> Response:
    return _rooms_page(request, db)


@router.post("/rooms")
def add_room_submit(
    request: Request, db: DbSession, actor: ManageRooms, name: FormText = ""
) -> Response:
    try:
        room = create_room(db, actor, name=name)
    except InvalidField as err:
        db.rollback()
        return _rooms_page(request, db, form="new", typed=name, error=err, status=422)
    return RedirectResponse(f"{PAGE}?changed={room.id}", status_code=303)


@router.post("/rooms/{room_id:int}")
def rename_room_submit(
    request: Request, db: DbSession, actor: ManageRooms, room_id: int, name: FormText = ""
) -> Response:
    get_room(db, room_id)  # an unknown room is a 404, not a field message
    try:
        rename_room(db, actor, room_id, name=name)
    except InvalidField as err:
        db.rollback()
        return _rooms_page(request, db, form=str(room_id), typed=name, error=err, status=422)
    return RedirectResponse(f"{PAGE}?changed={room_id}", status_code=303)
