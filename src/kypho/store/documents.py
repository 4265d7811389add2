"""Patient documents as issued: the bytes ``build_documents`` made, stored and never rebuilt.

A document is issued from a stored plan that was not refused: the plan is built again
from its stored inputs (``plans.plan_again``, refused if it no longer matches), then
``kypho.workflows.documents.build_documents`` makes the documents exactly as
``kypho plan --consent/--discharge/--calendar`` does. Each PDF is stored with its HTML
rendering, made in the same call from the same inputs, for the print view.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kypho.config import Settings
from kypho.errors import InvalidInput, NotFound
from kypho.store.audit import Actor, record_event
from kypho.store.case_records import get_case_record
from kypho.store.models import IssuedDocument
from kypho.store.plans import get_plan, plan_again, web_error
from kypho.workflows.documents import DocumentKind, build_documents

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
}
PRINTABLE = (DocumentKind.CONSENT, DocumentKind.DISCHARGE)


def _wanted(kinds: tuple[DocumentKind, ...], stem: str, *, html: bool) -> dict[DocumentKind, Path]:
    def suffix(kind: DocumentKind) -> str:
        if kind is DocumentKind.CALENDAR:
            return ".ics"
        return ".html" if html else ".pdf"

    chosen = [k for k in kinds if not html or k in PRINTABLE]
    return {k: Path(f"{k.value}-{stem}{suffix(k)}") for k in chosen}


def issue_documents(
    db: Session,
    actor: Actor,
    case_pk: int,
    plan_id: int,
    kinds: tuple[DocumentKind, ...],
    *,
    ended_at: datetime | None,
    settings: Settings,
    now: datetime | None = None,
) -> list[IssuedDocument]:
    """Issue ``kinds`` from plan ``plan_id``; every document or none is stored."""
    row = get_plan(db, actor, case_pk, plan_id)
    if row.refused:
        raise InvalidInput("plan: expected a plan that was not refused; a refused plan has no "
                           "patient documents (override it with a reason first)")  # fmt: skip
    plan = plan_again(db, actor, row)
    at = now or datetime.now(UTC)
    stem = f"{plan.case_id}-plan{plan_id}"
    files: list[tuple[DocumentKind, Path, bytes]] = []
    try:
        for html in (False, True):
            wanted = _wanted(kinds, stem, html=html)
            built = build_documents(plan, wanted, ended_at=ended_at, settings=settings, now=at)
            files += [(kind, path, built[path]) for kind, path in wanted.items()]
    except InvalidInput as err:
        raise web_error(err) from None
    return [_stored(db, actor, (case_pk, plan_id), kind, path, data, at)
            for kind, path, data in files]  # fmt: skip


def _stored(
    db: Session,
    actor: Actor,
    where: tuple[int, int],
    kind: DocumentKind,
    path: Path,
    data: bytes,
    at: datetime,
) -> IssuedDocument:
    case_pk, plan_id = where
    doc = IssuedDocument(
        case_id=case_pk,
        plan_id=plan_id,
        kind=kind.value,
        filename=path.name,
        media_type=MEDIA_TYPES[path.suffix],
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        issued_by=actor.user_id,
        issued_at=at,
    )
    db.add(doc)
    db.flush()
    record_event(db, actor, action="issue", record_type="document", record_id=doc.id,
                 case_id=case_pk, detail=f"plan {plan_id} {doc.kind} {path.suffix}")  # fmt: skip
    return doc


def get_document(db: Session, actor: Actor, case_pk: int, doc_id: int) -> IssuedDocument:
    """One issued document of the case, as stored; the read is audited."""
    return get_case_record(
        db, actor, IssuedDocument, case_pk=case_pk, record_id=doc_id, name="document"
    )


def print_rendering(db: Session, actor: Actor, case_pk: int, doc_id: int) -> IssuedDocument:
    """The HTML issued with document ``doc_id`` (itself, if it is the HTML); audited."""
    doc = get_document(db, actor, case_pk, doc_id)
    if doc.media_type.startswith("text/html"):
        return doc
    html = db.scalar(
        select(IssuedDocument).where(
            IssuedDocument.plan_id == doc.plan_id,
            IssuedDocument.kind == doc.kind,
            IssuedDocument.issued_at == doc.issued_at,
            IssuedDocument.filename == Path(doc.filename).with_suffix(".html").name,
        )
    )
    if html is None:
        raise NotFound(f"document {doc_id}: no print view ({doc.kind} {doc.media_type})")
    record_event(db, actor, action="read", record_type="document", record_id=html.id,
                 case_id=case_pk, detail=f"print view of {doc_id}")  # fmt: skip
    return html


def list_documents(db: Session, actor: Actor, case_pk: int) -> list[IssuedDocument]:
    """Every document issued for the case, newest first; the read is audited."""
    rows = list(
        db.scalars(
            select(IssuedDocument)
            .where(IssuedDocument.case_id == case_pk)
            .order_by(IssuedDocument.id.desc())
        )
    )
    record_event(db, actor, action="read", record_type="document", record_id="*",
                 case_id=case_pk, detail=f"count {len(rows)}")  # fmt: skip
    return rows
