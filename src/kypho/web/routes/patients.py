"""Patients in the JSON API: one by id, or found by MRN; each with their cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from kypho.store.audit import Actor
from kypho.store.cases import cases_of_patient, get_patient, patient_by_mrn
from kypho.store.models import Patient
from kypho.web.deps import DbSession
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(tags=["patients"])

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]


def _patient_out(db: DbSession, patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.id,
        "mrn": patient.mrn,
        "name": patient.name,
        "birth_date": patient.birth_date.isoformat() if patient.birth_date else None,
        "version": patient.version,  # a correction's expected_version (PUT, patient_details)
        "cases": [
            {"id": c.id, "case_ref": c.case_ref, "version": c.version}
            for c in cases_of_patient(db, patient.id)
        ],
    }


@router.get("/patients")
def find_by_mrn(
    db: DbSession, actor: Reader, mrn: Annotated[str, Query(min_length=1, max_length=64)]
) -> dict[str, Any]:
    """The patient with this MRN (404 if none)."""
    return _patient_out(db, patient_by_mrn(db, actor, mrn))


@router.get("/patients/{patient_id:int}")
def read(patient_id: int, db: DbSession, actor: Reader) -> dict[str, Any]:
    return _patient_out(db, get_patient(db, actor, patient_id))
