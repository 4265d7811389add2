"""``/cases/{case_pk}/imaging``: upload a study, see its measurements and picture, add it.

A bad file is shown beside the file field (kypho's own message) and nothing is stored.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kypho.commands._options import optional_date
from kypho.domain.imaging import Modality
from kypho.errors import InvalidInput, NotFound
from kypho.store.audit import Actor
from kypho.store.cases import get_case
from kypho.store.measurements import (
    StudyDetails,
    UploadedStudy,
    add_to_case,
    checked_uid,
    get_measurement,
    list_measurements,
    store_measurement,
    store_pacs_measurement,
)
from kypho.web.deps import DbSession, settings_of
from kypho.web.render import render
from kypho.web.routes.measurements import LAYOUTS, UploadTooLarge, checked_layout, read_upload
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission, allowed

router = APIRouter(tags=["pages"], include_in_schema=False)

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Measurer = Annotated[Actor, Depends(require(Permission.MEASURE))]
ADD_FIELDS = ("study_date", "modality", "study_id")


def _page(
    request: Request,
    db: Session,
    actor: Actor,
    case_pk: int,
    *,
    shown: int | None = None,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    stored = get_case(db, actor, case_pk)
    rows = list_measurements(db, actor, case_pk)
    chosen = next((r for r in rows if r.id == shown), rows[0] if rows else None)
    if chosen is not None:
        chosen = get_measurement(db, actor, case_pk, chosen.id)
    context: dict[str, Any] = {
        "stored": stored,
        "measurements": rows,
        "chosen": chosen,
        "results": json.loads(chosen.results) if chosen is not None else None,
        "layouts": LAYOUTS,
        "modalities": [m.value for m in Modality],
        "can_measure": allowed(actor.role, Permission.MEASURE),
        "pacs": bool(settings_of(request).dicomweb_url),
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "imaging/page.html", context, status=status)


@router.get("/cases/{case_pk}/imaging")
def imaging_page(
    request: Request, case_pk: int, actor: Reader, db: DbSession, m: int | None = None
) -> Response:
    return _page(request, db, actor, case_pk, shown=m)


@router.post("/cases/{case_pk}/imaging")
async def upload_study(
    request: Request,
    case_pk: int,
    actor: Measurer,
    db: DbSession,
    file: Annotated[UploadFile | None, File()] = None,
    layout: Annotated[str, Form()] = "auto",
) -> Response:
    settings = settings_of(request)
    typed = {"layout": layout}
    status = 422
    try:
        if file is None:
            raise InvalidInput("file: expected a label mask, a zip or a landmarks file; got none")
        sent = await read_upload(file, max_bytes=settings.max_upload_bytes)
        upload = UploadedStudy(
            filename=sent.filename, data=sent.data, layout=checked_layout(layout)
        )
        row = store_measurement(db, actor, case_pk, upload, settings=settings)
    except UploadTooLarge as err:
        status, message = 413, str(err)
    except InvalidInput as err:
        message = str(err)
    else:
        return RedirectResponse(f"/cases/{case_pk}/imaging?m={row.id}", status_code=303)
    db.rollback()
    field = "layout" if message.startswith("layout:") else "file"
    errors = {field: message.removeprefix(f"{field}: ")}
    return _page(request, db, actor, case_pk, errors=errors, typed=typed, status=status)


@router.post("/cases/{case_pk}/imaging/pacs")
def import_from_pacs(
    request: Request,
    case_pk: int,
    actor: Measurer,
    db: DbSession,
    study_uid: Annotated[str, Form()] = "",
    series_uid: Annotated[str, Form()] = "",
) -> Response:
    """Pull a study's CT and its SEG from the configured PACS (DICOMweb) and measure it."""
    if not settings_of(request).dicomweb_url:
        raise NotFound("import from PACS: no PACS is configured (KYPHO_DICOMWEB_URL)")
    typed = {"study_uid": study_uid, "series_uid": series_uid}
    try:
        study = checked_uid("study_uid", study_uid)
        series = checked_uid("series_uid", series_uid) if series_uid.strip() else None
        row = store_pacs_measurement(db, actor, case_pk, study, series_uid=series,
                                     settings=settings_of(request))  # fmt: skip
    except InvalidInput as err:
        db.rollback()
        message = str(err)
        field = "series_uid" if message.startswith("series_uid:") else "study_uid"
        errors = {field: message.removeprefix(f"{field}: ")}
        return _page(request, db, actor, case_pk, errors=errors, typed=typed, status=422)
    return RedirectResponse(f"/cases/{case_pk}/imaging?m={row.id}", status_code=303)


@router.post("/cases/{case_pk}/imaging/{m_id}/add")
def add_study(
    request: Request,
    case_pk: int,
    m_id: int,
    actor: Measurer,
    db: DbSession,
    expected_version: Annotated[int, Form()],
    study_date: Annotated[str, Form()] = "",
    modality: Annotated[str, Form()] = "ct",
    study_id: Annotated[str, Form()] = "",
) -> Response:
    typed = {"study_date": study_date, "modality": modality, "study_id": study_id}
    try:
        day = optional_date("study_date", study_date.strip() or None)
        if day is None:
            raise InvalidInput("study_date: expected the date of the study, YYYY-MM-DD; got none")
        if modality not in {m.value for m in Modality}:
            raise InvalidInput(f"modality: expected one of the listed modalities; got {modality!r}")
        study = StudyDetails(study_date=day, modality=Modality(modality),
                             study_id=study_id.strip() or None)  # fmt: skip
        add_to_case(db, actor, case_pk, m_id, study, expected_version=expected_version,
                    settings=settings_of(request))  # fmt: skip
    except InvalidInput as err:
        db.rollback()
        message = str(err)
        field = message.split(":", 1)[0]
        errors = {field if field in ADD_FIELDS else "add": message}
        return _page(request, db, actor, case_pk, shown=m_id, errors=errors, typed=typed,
                     status=422)  # fmt: skip
    return RedirectResponse(f"/cases/{case_pk}/imaging?m={m_id}", status_code=303)


@router.get("/cases/{case_pk}/imaging/{m_id}/picture.png")
def picture(case_pk: int, m_id: int, actor: Reader, db: DbSession) -> Response:
    row = get_measurement(db, actor, case_pk, m_id)
    if row.picture_png is None:
        raise NotFound(f"measurement {m_id}: no picture stored")
    return Response(row.picture_png, media_type="image/png",
                    headers={"Cache-Control": "private, no-store"})  # fmt: skip
