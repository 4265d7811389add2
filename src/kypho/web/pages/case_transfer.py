"""A case file in and out: export one case's JSON (``/cases/{pk}/export.json``) and
import a case file as a new referral (``/cases/import``). Both are audited.

The case file is the CLI's own format (docs/case-format.md): ``parse_case`` reads it and
the stored version is written by ``dump_case``, so an exported file imports unchanged.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from kypho.casefile import parse_case
from kypho.config import Settings
from kypho.domain import Case
from kypho.errors import InvalidInput
from kypho.store.audit import Actor, record_event
from kypho.store.cases import create_case, get_case
from kypho.web.deps import DbSession
from kypho.web.forms.page import PERSON_FIELDS, PERSON_LABELS, EditActor, text_values, today
from kypho.web.forms.person import MRN, check_person, mrn_clash
from kypho.web.forms.view import input_id
from kypho.web.render import render
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

# No ``router`` here: case_form includes this one, so that ``/cases/import`` is matched
# before the case page's ``/cases/{case_pk}`` (routers are included in module-name order).
transfer_router = APIRouter(tags=["pages"], include_in_schema=False)
FILE_FIELD = "case_file"
TEMPLATE = "case_form/import.html"
ReadActor = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class _FileRefused(Exception):  # noqa: N818 (a message for the file field, with its status)
    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@transfer_router.get("/cases/{case_pk:int}/export.json")
def export_case(case_pk: int, actor: ReadActor, db: DbSession) -> Response:
    stored = get_case(db, actor, case_pk)
    record_event(db, actor, action="export", record_type="case", record_id=case_pk,
                 case_id=case_pk, detail=f"version {stored.version}")  # fmt: skip
    filename = _UNSAFE_FILENAME.sub("_", stored.row.case_ref)[:64] or "case"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}.json"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(stored.document, media_type="application/json", headers=headers)


def _page(request: Request, values: dict[str, str], errors: dict[str, str],
          status: int = 200) -> Response:  # fmt: skip
    context: dict[str, Any] = {
        "values": values,
        "errors": errors,
        "input_id": input_id,
        "field_label": lambda name: PERSON_LABELS.get(name, "Case file"),
        "person_fields": PERSON_FIELDS,
        "file_field": FILE_FIELD,
    }
    return render(request, TEMPLATE, context, status=status)


@transfer_router.get("/cases/import")
def import_form(request: Request, actor: EditActor) -> Response:  # noqa: ARG001
    return _page(request, {}, {})


async def _read_case(upload: object, settings: Settings) -> Case:
    """The case in the uploaded file; its size is checked before its content is read."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise _FileRefused("expected a case file (.json), got none")
    limit = settings.max_case_file_bytes
    too_big = f"expected a case file of at most {limit} bytes (KYPHO_MAX_CASE_FILE_BYTES)"
    if upload.size is not None and upload.size > limit:
        raise _FileRefused(f"{too_big}, got {upload.size} bytes", 413)
    raw = await upload.read(limit + 1)
    if len(raw) > limit:
        raise _FileRefused(f"{too_big}, got more", 413)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _FileRefused(f"expected UTF-8 text, got byte 0x{raw[err.start]:02x} "
                           f"at offset {err.start}") from None  # fmt: skip
    try:
        return parse_case(text, source=upload.filename)
    except InvalidInput as err:
        raise _FileRefused(str(err)) from None


async def _read_form(
    request: Request, settings: Settings
) -> tuple[dict[str, str], Case | None, _FileRefused | None]:
    """(the typed values, the case in the file or None, why the file was refused)."""
    async with request.form() as form:  # closes the spooled upload afterwards
        values = text_values(form)
        try:
            return values, await _read_case(form.get(FILE_FIELD), settings), None
        except _FileRefused as err:
            return values, None, err


@transfer_router.post("/cases/import")
async def import_submit(request: Request, actor: EditActor, db: DbSession) -> Response:
    settings: Settings = request.app.state.settings
    values, case, refused = await _read_form(request, settings)
    person = check_person(values, today=today(settings))
    errors = dict(person.errors)
    if refused is not None:
        errors[FILE_FIELD] = str(refused)
        return _page(request, values, errors, refused.status)
    if person.details is not None and (clash := mrn_clash(db, person)):
        errors[MRN] = clash
    if errors or person.details is None or case is None:
        return _page(request, values, errors, 422)
    try:
        with db.begin_nested():
            stored = create_case(db, actor, patient=person.details, case=case,
                                 referred_on=person.referred_on, note="imported")  # fmt: skip
    except InvalidInput as err:
        return _page(request, values, {FILE_FIELD: str(err)}, 422)
    record_event(db, actor, action="import", record_type="case", record_id=stored.row.id,
                 case_id=stored.row.id, detail="version 1")  # fmt: skip
    return RedirectResponse(f"/cases/{stored.row.id}", status_code=303)
