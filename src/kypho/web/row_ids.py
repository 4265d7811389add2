"""Ids out of the database's range are refused at the border, before any query.

A path such as ``/cases/99999999999999999999`` is a well-formed int to FastAPI but no
engine can look it up: SQLite raises ``OverflowError`` past 2**63 - 1 and PostgreSQL
"integer out of range" past 2**31 - 1, both HTTP 500. This ASGI middleware answers any
path segment of digits above ``store.base.MAX_ROW_ID`` with 404 (no such record can
exist) and the JSON error body, for every route, those added later included. Ids and
versions in JSON bodies are typed ``RowId``, bounded the same way.
"""

from __future__ import annotations

from typing import Annotated

from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.types import ASGIApp, Receive, Scope, Send

from kypho.store.base import MAX_ROW_ID
from kypho.web.errors import error_body

MAX_ID_DIGITS = len(str(MAX_ROW_ID))
# An id in a JSON body: 1 to MAX_ROW_ID, else 422 naming the field. A version the edit
# began from: one less, so that the version saved after it still fits its column.
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
RowVersion = Annotated[int, Field(ge=1, le=MAX_ROW_ID - 1)]


def form_version(text: str) -> int | None:
    """A version a form carried as text (``RowVersion``'s range, ASCII digits), or None
    for none, no number or one out of range: never a 500, whatever its length."""
    plain = text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS
    return int(text) if plain and 1 <= int(text) <= MAX_ROW_ID - 1 else None


def out_of_range_id(path: str) -> str | None:
    """The first all-digit path segment above ``MAX_ROW_ID``, or None."""
    for segment in path.split("/"):
        if (
            segment.isascii()
            and segment.isdigit()
            and (len(segment) > MAX_ID_DIGITS or int(segment) > MAX_ROW_ID)
        ):
            return segment
    return None


class RefuseOutOfRangeIds:
    """ASGI middleware: 404 for a path id above ``MAX_ROW_ID`` (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (segment := out_of_range_id(scope["path"])):
            shown = segment if len(segment) <= 24 else f"{segment[:12]}...({len(segment)} digits)"
            message = f"id: expected a record id from 1 to {MAX_ROW_ID:,}, found {shown}"
            await JSONResponse(error_body("not_found", message, field="id"), status_code=404)(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)
