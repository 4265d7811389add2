"""Correct a patient's details in the JSON API: ``PUT /api/patients/{id}``.

Each rule broken is a 422 naming the field; an MRN on file for someone else says only
that it is in use. The change is audited with the changed field names, never values.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from kypho.store.audit import Actor
from kypho.store.cases import PatientDetails
from kypho.store.patients import update_patient
from kypho.web.deps import DbSession, Now
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(tags=["patients"])

Editor = Annotated[Actor, Depends(require(Permission.EDIT_CASE))]


class PatientIn(BaseModel):
    """The whole of a patient's details; ``birth_date`` null means not known."""

    model_config = ConfigDict(extra="forbid")

    name: str
    mrn: str
    birth_date: date | None


@router.put("/patients/{patient_id:int}")
def correct(
    patient_id: int, body: PatientIn, db: DbSession, actor: Editor, now: Now
) -> dict[str, Any]:
    """Store the corrected details; ``changed`` lists the fields that differed."""
    details = PatientDetails(name=body.name, mrn=body.mrn, birth_date=body.birth_date)
    changed = update_patient(db, actor, patient_id, details, today=now.date())
    return {"id": patient_id, "changed": list(changed)}
