"""Correct a patient's details: ``/patients/{patient_id}/edit`` (name, MRN, birth date).

A broken rule is shown beside its field with what was typed kept, and nothing is stored;
a saved correction goes back to ``next`` (a path on this site) or to the worklist.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kypho.store.audit import Actor
from kypho.store.cases import PatientDetails, cases_of_patient, get_patient
from kypho.store.models import Patient
from kypho.store.patients import (
    EARLIEST_BIRTH_DATE,
    MRN_MAX_CHARS,
    NAME_MAX_CHARS,
    details_errors,
    stripped,
    update_patient,
)
from kypho.web.deps import DbSession, Now
from kypho.web.pages.account import local_path
from kypho.web.render import render
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(include_in_schema=False)

Editor = Annotated[Actor, Depends(require(Permission.EDIT_CASE))]
FormText = Annotated[str, Form()]
NextQuery = Annotated[str, Query(alias="next")]
NextForm = Annotated[str, Form(alias="next")]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parsed_date(text: str) -> tuple[date | None, str | None]:
    """(the date, None), (None, None) for nothing typed, or (None, the message)."""
    if not text:
        return None, None
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text), None
        except ValueError:
            pass
    return None, f'expected a real calendar date written YYYY-MM-DD, got "{text}"'


def _edit_page(
    request: Request, db: DbSession, patient: Patient, *, typed: dict[str, str],
    next_path: str, errors: dict[str, str] | None = None, today: date,
) -> Response:  # fmt: skip
    context = {
        "patient_id": patient.id,
        "cases": cases_of_patient(db, patient.id),
        "typed": typed,
        "errors": errors or {},
        "next": next_path,
        "today": today.isoformat(),
        "earliest": EARLIEST_BIRTH_DATE.isoformat(),
        "limits": {"name": NAME_MAX_CHARS, "mrn": MRN_MAX_CHARS},
    }
    return render(request, "patients/edit.html", context, status=422 if errors else 200)


@router.get("/patients/{patient_id:int}/edit")
def edit_page(
    request: Request, db: DbSession, actor: Editor, now: Now, patient_id: int,
    next_: NextQuery = "/",
) -> Response:  # fmt: skip
    patient = get_patient(db, actor, patient_id)
    birth = patient.birth_date.isoformat() if patient.birth_date else ""
    typed = {"name": patient.name, "mrn": patient.mrn, "birth_date": birth}
    return _edit_page(request, db, patient, typed=typed, next_path=local_path(next_),
                      today=now.date())  # fmt: skip


@router.post("/patients/{patient_id:int}/edit")
def edit_submit(
    request: Request, db: DbSession, actor: Editor, now: Now, patient_id: int,
    name: FormText = "", mrn: FormText = "", birth_date: FormText = "", next_: NextForm = "/",
) -> Response:  # fmt: skip
    typed = {"name": name, "mrn": mrn, "birth_date": birth_date}
    born, date_error = _parsed_date(birth_date.strip())
    details = stripped(PatientDetails(name=name, mrn=mrn, birth_date=born))
    errors = details_errors(db, patient_id, details, today=now.date())
    if date_error:
        errors["birth_date"] = date_error
    if errors:
        patient = get_patient(db, actor, patient_id)  # the page shows the patient's cases
        return _edit_page(request, db, patient, typed=typed, errors=errors,
                          next_path=local_path(next_), today=now.date())  # fmt: skip
    update_patient(db, actor, patient_id, details, today=now.date())
    return RedirectResponse(local_path(next_), status_code=303)
