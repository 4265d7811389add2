"""Patient documents: issue them from a plan, download the stored bytes, print them.

The consent is issued by a physician (``DECIDE``); the discharge sheet and the calendar
by whoever issues documents, with the time the procedure ended. A download is the bytes
stored at issue, never made again; the print view shows the HTML issued with the PDF.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from kypho.commands._options import optional_datetime
from kypho.errors import InvalidInput
from kypho.store.audit import Actor
from kypho.store.documents import get_document, issue_documents, print_rendering
from kypho.store.models import IssuedDocument
from kypho.web.deps import DbSession, settings_of
from kypho.web.pages.plan import error_field, plan_page
from kypho.web.render import render
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission
from kypho.workflows.documents import DocumentKind

router = APIRouter(tags=["pages"], include_in_schema=False)

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Physician = Annotated[Actor, Depends(require(Permission.DECIDE))]
Issuer = Annotated[Actor, Depends(require(Permission.ISSUE_DOCUMENTS))]
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def download(doc: IssuedDocument) -> Response:
    """The stored bytes as a file, exactly as issued."""
    name = _UNSAFE_NAME.sub("_", doc.filename)
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store",
        "X-Content-SHA256": doc.sha256,
    }
    return Response(doc.content, media_type=doc.media_type, headers=headers)


def _issue(request: Request, db: Session, actor: Actor, case_pk: int, plan_id: int,
           kinds: tuple[DocumentKind, ...], end: str) -> Response:  # fmt: skip
    try:
        ended_at = optional_datetime("procedure_end", end.strip() or None)
        issue_documents(db, actor, case_pk, plan_id, kinds, ended_at=ended_at,
                        settings=settings_of(request), now=datetime.now(UTC))  # fmt: skip
    except InvalidInput as err:
        db.rollback()
        message = str(err)
        field = error_field(message)
        key = "documents" if field == "plan" else field
        errors = {key: message.removeprefix(f"{field}: ") if key != "documents" else message}
        return plan_page(request, db, actor, case_pk, shown=plan_id, errors=errors,
                         typed={"procedure_end": end}, status=422)  # fmt: skip
    return RedirectResponse(f"/cases/{case_pk}/plan?plan={plan_id}", status_code=303)


@router.post("/cases/{case_pk}/documents/consent")
def issue_consent(
    request: Request, case_pk: int, actor: Physician, db: DbSession,
    plan_id: Annotated[int, Form()],
) -> Response:  # fmt: skip
    return _issue(request, db, actor, case_pk, plan_id, (DocumentKind.CONSENT,), "")


@router.post("/cases/{case_pk}/documents/discharge")
def issue_discharge(
    request: Request, case_pk: int, actor: Issuer, db: DbSession,
    plan_id: Annotated[int, Form()], procedure_end: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    kinds = (DocumentKind.DISCHARGE, DocumentKind.CALENDAR)
    return _issue(request, db, actor, case_pk, plan_id, kinds, procedure_end)


@router.get("/cases/{case_pk}/documents/{doc_id}")
def document(case_pk: int, doc_id: int, actor: Reader, db: DbSession) -> Response:
    return download(get_document(db, actor, case_pk, doc_id))


def _parts(html: str) -> tuple[Markup, Markup]:
    """The style and the body of an issued HTML document (kypho's own, escaped, output)."""
    style = re.search(r"<style>.*?</style>", html, re.S)
    body = re.search(r"<body>(.*)</body>", html, re.S)
    return Markup(style.group(0) if style else ""), Markup(body.group(1) if body else html)


@router.get("/cases/{case_pk}/documents/{doc_id}/print")
def print_view(
    request: Request, case_pk: int, doc_id: int, actor: Reader, db: DbSession
) -> Response:
    rendering = print_rendering(db, actor, case_pk, doc_id)
    style, body = _parts(rendering.content.decode("utf-8"))
    context = {"case_pk": case_pk, "doc": rendering, "doc_id": doc_id, "style": style, "body": body}
    return render(request, "documents/print.html", context)
