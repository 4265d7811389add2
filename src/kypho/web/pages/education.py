"""``/cases/{pk}/education``: the planned procedure on the patient's own vertebra.

The page ``kypho educate`` writes (an offline 3D view with play/pause and captions), and
its GIF, for the case's current version under a candidacy policy (``policy``, default the
practice's). The model is the newest stored NIfTI mask of the case; without one, the
newest stored six-point landmarks (a 2-D side view, labelled "drawn from landmarks");
else a standard vertebra scaled to the measured heights, which the page says. Nothing is
stored; the read of the case and of its mask or landmarks is audited. A case with no
level to treat, or whose plan is refused, is an error page naming why.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kypho.education.sideview import LandmarkFile
from kypho.errors import InvalidInput
from kypho.imaging.landmarks import parse_landmarks
from kypho.imaging.nifti import LabelImage, load_labels
from kypho.store.audit import Actor, record_event
from kypho.store.cases import get_case
from kypho.store.models import Measurement
from kypho.web.deps import DbSession, Now, settings_of
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission
from kypho.workflows.educate import Education, educate_case

router = APIRouter(include_in_schema=False)

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
PolicyQuery = Annotated[str, Query(max_length=64)]
LevelQuery = Annotated[str | None, Query(max_length=8)]
PRIVATE = {"Cache-Control": "private, no-store"}


def _newest(db: Session, case_pk: int, kind: str) -> Measurement | None:
    return db.scalar(
        select(Measurement)
        .where(Measurement.case_id == case_pk, Measurement.kind == kind)
        .order_by(Measurement.id.desc())
        .limit(1)
    )


def _landmarks(db: Session, actor: Actor, case_pk: int) -> LandmarkFile | None:
    """The newest six-point landmarks stored for the case, read from its bytes (audited)."""
    row = _newest(db, case_pk, "landmarks")
    if row is None:
        return None
    record_event(db, actor, action="read", record_type="measurement", record_id=row.id,
                 case_id=case_pk, detail="landmarks for education")  # fmt: skip
    path = Path(row.filename)
    try:
        text = row.upload.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: expected UTF-8 landmarks text") from None
    return LandmarkFile(path=path, spine=parse_landmarks(path, text))


def _mask(request: Request, db: Session, actor: Actor, case_pk: int) -> LabelImage | None:
    """The newest NIfTI mask stored for the case, read from its bytes (audited), or None."""
    row = _newest(db, case_pk, "nifti")
    if row is None:
        return None
    record_event(db, actor, action="read", record_type="measurement", record_id=row.id,
                 case_id=case_pk, detail="mask for education")  # fmt: skip
    settings = settings_of(request)
    suffix = ".nii.gz" if row.filename.lower().endswith(".gz") else ".nii"
    with tempfile.TemporaryDirectory(prefix="kypho-education-") as folder:
        path = Path(folder) / f"mask{suffix}"
        path.write_bytes(row.upload)
        return load_labels(path, max_voxels=settings.max_image_voxels,
                           max_file_bytes=settings.max_image_file_bytes)  # fmt: skip


def _education(
    request: Request, db: Session, actor: Actor, case_pk: int, now: Now, policy: str,
    level: str | None,
) -> Education:  # fmt: skip
    from kypho.workflows.policies import resolve_policies

    stored = get_case(db, actor, case_pk)
    (chosen,) = resolve_policies((policy,), (), settings=settings_of(request))
    mask = _mask(request, db, actor, case_pk)
    points = _landmarks(db, actor, case_pk) if mask is None else None
    return educate_case(stored.case, chosen, on=now.date(), mask=mask, level=level,
                        landmarks=points)  # fmt: skip


@router.get("/cases/{case_pk}/education")
def education_page(
    request: Request, case_pk: int, db: DbSession, actor: Reader, now: Now,
    policy: PolicyQuery = "practice", level: LevelQuery = None,
) -> Response:  # fmt: skip
    made = _education(request, db, actor, case_pk, now, policy, level)
    return HTMLResponse(made.html, headers=PRIVATE)


@router.get("/cases/{case_pk}/education.gif")
def education_gif(
    request: Request, case_pk: int, db: DbSession, actor: Reader, now: Now,
    policy: PolicyQuery = "practice", level: LevelQuery = None,
) -> Response:  # fmt: skip
    made = _education(request, db, actor, case_pk, now, policy, level)
    return Response(made.animation.gif, media_type="image/gif", headers=PRIVATE)
