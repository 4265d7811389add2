"""``/api/cases/{case_pk}/documents``: issue patient documents from a plan, list, download.

A consent is the physician's to issue (``DECIDE``); the discharge sheet with its
calendar needs ``ISSUE_DOCUMENTS`` and the time the procedure ended.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from kypho.commands._options import optional_datetime
from kypho.errors import Forbidden
from kypho.store.audit import Actor
from kypho.store.documents import get_document, issue_documents, list_documents
from kypho.store.models import IssuedDocument
from kypho.web.deps import DbSession, settings_of
from kypho.web.pages.documents import download
from kypho.web.row_ids import RowId
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission, allowed
from kypho.workflows.documents import DocumentKind

router = APIRouter(prefix="/cases/{case_pk}/documents", tags=["documents"])

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Issuer = Annotated[Actor, Depends(require(Permission.ISSUE_DOCUMENTS))]
KINDS = {
    "consent": (DocumentKind.CONSENT,),
    "discharge": (DocumentKind.DISCHARGE, DocumentKind.CALENDAR),
}


def summary(doc: IssuedDocument) -> dict[str, Any]:
    return {
        "id": doc.id,
        "case_id": doc.case_id,
        "plan_id": doc.plan_id,
        "kind": doc.kind,
        "filename": doc.filename,
        "media_type": doc.media_type,
        "sha256": doc.sha256,
        "size_bytes": len(doc.content),
        "issued_by": doc.issued_by,
        "issued_at": doc.issued_at.isoformat(),
        "url": f"/api/cases/{doc.case_id}/documents/{doc.id}",
    }


class IssueBody(BaseModel):
    plan_id: RowId
    kind: Literal["consent", "discharge"] = Field(
        description="consent (physician), or discharge: the discharge sheet and the calendar."
    )
    procedure_end: str | None = Field(
        default=None, description="When the procedure ended, YYYY-MM-DDTHH:MM (discharge)."
    )


@router.get("")
def documents(case_pk: int, actor: Reader, db: DbSession) -> dict[str, Any]:
    """Every document issued for the case (each PDF with its HTML print rendering)."""
    return {"items": [summary(d) for d in list_documents(db, actor, case_pk)]}


@router.post("", status_code=201)
def issue(
    request: Request, case_pk: int, body: IssueBody, actor: Issuer, db: DbSession
) -> dict[str, Any]:
    """Issue the documents of a plan that was not refused; the bytes are stored as issued."""
    if body.kind == "consent" and not allowed(actor.role, Permission.DECIDE):
        raise Forbidden(f"your role ({actor.role}) may not {Permission.DECIDE.value}")
    ended_at = optional_datetime("procedure_end", body.procedure_end)
    issued = issue_documents(db, actor, case_pk, body.plan_id, KINDS[body.kind],
                             ended_at=ended_at, settings=settings_of(request),
                             now=datetime.now(UTC))  # fmt: skip
    return {"items": [summary(d) for d in issued]}


@router.get("/{doc_id}", response_class=Response)
def document(case_pk: int, doc_id: int, actor: Reader, db: DbSession) -> Response:
    """The document's bytes exactly as issued (never made again)."""
    return download(get_document(db, actor, case_pk, doc_id))
