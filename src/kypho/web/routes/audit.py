"""The audit trail over the API (administrators): filtered, paged, newest first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from kypho.config import Settings
from kypho.store.audit import Actor, record_event
from kypho.store.audit_query import event_row, page_of_events, parse_filter
from kypho.web.deps import DbSession
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(prefix="/audit", tags=["audit"])

ViewAudit = Annotated[Actor, Depends(require(Permission.VIEW_AUDIT))]


@router.get("")
def audit(request: Request, db: DbSession, actor: ViewAudit, page: int = 1) -> dict[str, Any]:
    """Events matching ``user``, ``action``, ``record_type``, ``case_id``, ``from``, ``to``."""
    settings: Settings = request.app.state.settings
    wanted = parse_filter(request.query_params)
    result = page_of_events(db, wanted, zone=settings.time_zone, page=page)
    record_event(db, actor, action="read", record_type="audit", record_id="api",
                 detail=f"page {result.page}; rows {len(result.items)}; "
                 f"filters {','.join(wanted.used()) or 'none'}")  # fmt: skip
    return {
        "items": [event_row(event) for event in result.items],
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
    }
