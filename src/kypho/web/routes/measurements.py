"""``/api/cases/{case_pk}/measurements``: upload a study, read its results, add it to the case.

The measuring and storing is ``kypho.store.measurements``; this module reads the upload
(stopping at ``Settings.max_upload_bytes``) and answers JSON. The pages reuse
``read_upload`` and ``checked_layout``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kypho.domain.imaging import Modality
from kypho.errors import InvalidInput
from kypho.store.audit import Actor
from kypho.store.measurements import (
    StudyDetails,
    UploadedStudy,
    add_to_case,
    get_measurement,
    list_measurements,
    store_measurement,
)
from kypho.store.models import Measurement
from kypho.web.deps import DbSession, settings_of
from kypho.web.errors import error_body
from kypho.web.row_ids import RowVersion
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(prefix="/cases/{case_pk}/measurements", tags=["measurements"])

READ_CHUNK_BYTES = 1 << 20
LAYOUTS = ("auto", "total", "verse")  # a zip is always a per-structure folder (total-files)

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Measurer = Annotated[Actor, Depends(require(Permission.MEASURE))]


class UploadTooLarge(InvalidInput):
    """An upload over ``Settings.max_upload_bytes`` (413)."""


async def read_upload(file: UploadFile, *, max_bytes: int) -> UploadedStudy:
    """The uploaded file's name and bytes, read in chunks; refused past ``max_bytes``."""
    data = bytearray()
    while chunk := await file.read(READ_CHUNK_BYTES):
        data += chunk
        if len(data) > max_bytes:
            raise UploadTooLarge(
                f"file: expected at most {max_bytes:,} bytes (KYPHO_MAX_UPLOAD_BYTES), "
                "found more; upload a smaller file (a .nii.gz compresses well)"
            )
    name = (file.filename or "").strip()
    if not data or not name:
        raise InvalidInput("file: expected a label mask, a zip or a landmarks file; got none")
    return UploadedStudy(filename=name, data=bytes(data))


def checked_layout(value: str | None) -> str | None:
    """``None`` for auto-detection, else ``total`` or ``verse``."""
    chosen = (value or "auto").strip().lower()
    if chosen not in LAYOUTS:
        raise InvalidInput(f"layout: expected one of {', '.join(LAYOUTS)}; got {value!r}")
    return None if chosen == "auto" else chosen


def summary(row: Measurement) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "filename": row.filename,
        "kind": row.kind,
        "upload_sha256": row.upload_sha256,
        "added_in_version": row.added_in_version,
        "created_at": row.created_at.isoformat(),
        "picture_url": f"/cases/{row.case_id}/imaging/{row.id}/picture.png",
    }


def detail(row: Measurement) -> dict[str, Any]:
    return {**summary(row), "results": json.loads(row.results)}


@router.get("")
def measurements(case_pk: int, actor: Reader, db: DbSession) -> dict[str, Any]:
    """Every measurement of the case, newest first (no results: GET one for them)."""
    return {"items": [summary(r) for r in list_measurements(db, actor, case_pk)]}


@router.post("", status_code=201, response_model=None)
async def upload(
    request: Request,
    case_pk: int,
    actor: Measurer,
    db: DbSession,
    file: Annotated[UploadFile, File(description="NIfTI labels, zip of a folder, or landmarks")],
    layout: Annotated[str, Form()] = "auto",
) -> dict[str, Any] | JSONResponse:
    """Measure an uploaded study and store it (upload, results JSON, picture)."""
    settings = settings_of(request)
    try:
        sent = await read_upload(file, max_bytes=settings.max_upload_bytes)
    except UploadTooLarge as err:
        return JSONResponse(error_body("too_large", str(err), field="file"), status_code=413)
    study = UploadedStudy(filename=sent.filename, data=sent.data, layout=checked_layout(layout))
    row = store_measurement(db, actor, case_pk, study, settings=settings)
    return detail(row)


@router.get("/{m_id}")
def measurement(case_pk: int, m_id: int, actor: Reader, db: DbSession) -> dict[str, Any]:
    """One measurement with its results (the ``kypho measure --format json`` document)."""
    return detail(get_measurement(db, actor, case_pk, m_id))


class AddToCase(BaseModel):
    study_date: date
    modality: Modality = Modality.CT
    study_id: str | None = Field(default=None, max_length=200)
    expected_version: RowVersion = Field(description="The case version this addition is based on.")


@router.post("/{m_id}/add-to-case")
def add_measurement(
    request: Request, case_pk: int, m_id: int, body: AddToCase, actor: Measurer, db: DbSession
) -> dict[str, Any]:
    """Add the measured study to the case's imaging: a new case version (409 if stale)."""
    study = StudyDetails(
        study_date=body.study_date, modality=body.modality, study_id=body.study_id or None
    )
    saved = add_to_case(db, actor, case_pk, m_id, study, expected_version=body.expected_version,
                        settings=settings_of(request))  # fmt: skip
    return {"id": case_pk, "version": saved.version, "measurement_id": m_id}
