"""Correct a patient's details: ``/patients/{patient_id}/edit`` (name, MRN, birth date).

A broken rule is shown beside its field with what was typed kept, and nothing is stored;
a saved correction goes back to ``next`` (a path on this site) or to the worklist. The form
carries the version it showed (``expected_version``), and a post must send it: one without
it is a 422 with what was typed kept and nothing stored (checking it against the version
stored when it arrives would silently overwrite a save made since). If someone saved
since the version sent, the answer is 409 with what was typed kept and the details now on
file shown beside it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kypho.domain.calendar_dates import calendar_date
from kypho.errors import Conflict
from kypho.store.audit import Actor
from kypho.store.base import utc_minute
from kypho.store.cases import PatientDetails, cases_of_patient, get_patient
from kypho.store.models import Patient
from kypho.store.patients import (
    EARLIEST_BIRTH_DATE,
    MRN_MAX_CHARS,
    NAME_MAX_CHARS,
    details_errors,
    patient_history_saved_by,
    stripped,
    update_patient,
)
from kypho.web.deps import DbSession, Now
from kypho.web.pages.account import local_path
from kypho.web.render import render
from kypho.web.row_ids import form_version
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(include_in_schema=False)

Editor = Annotated[Actor, Depends(require(Permission.EDIT_CASE))]
FormText = Annotated[str, Form()]
NextQuery = Annotated[str, Query(alias="next")]
NextForm = Annotated[str, Form(alias="next")]
VERSION = "expected_version"  # the hidden field: the version the form showed
VERSION_MESSAGE = "expected the version number the form was opened at"
RELOAD = "reload the page and enter your change again"


def _parsed_date(text: str) -> tuple[date | None, str | None]:
    """(the date, None), (None, None) for nothing typed, or (None, the message)."""
    if not text:
        return None, None
    try:
        return calendar_date(text), None
    except ValueError:
        pass
    return None, f'expected a real calendar date written YYYY-MM-DD, got "{text}"'


def _parsed_version(text: str) -> tuple[int, None] | tuple[None, str]:
    """(the version, None), or (None, the message) for none sent or no version number."""
    if (version := form_version(text)) is not None:
        return version, None
    found = f'"{text[:20]}"' if text else "none"
    return None, f"{VERSION_MESSAGE}, got {found}; {RELOAD}"


def _on_file(patient: Patient) -> dict[str, str]:
    birth = patient.birth_date.isoformat() if patient.birth_date else ""
    return {"name": patient.name, "mrn": patient.mrn, "birth_date": birth,
            VERSION: str(patient.version)}  # fmt: skip


def _history(db: DbSession, patient_id: int) -> list[dict[str, str]]:
    """Every saved state of the details, newest first (empty if never corrected)."""
    return [
        {"version": str(row.version), "who": who or "as first recorded",
         "when": utc_minute(row.saved_at), "name": row.name, "mrn": row.mrn,
         "birth_date": row.birth_date.isoformat() if row.birth_date else "not known"}
        for row, who in patient_history_saved_by(db, patient_id)
    ]  # fmt: skip


def _edit_page(
    request: Request, db: DbSession, patient: Patient, *, typed: dict[str, str],
    next_path: str, errors: dict[str, str] | None = None, today: date,
    conflict: str | None = None,
) -> Response:  # fmt: skip
    context = {
        "patient_id": patient.id,
        "cases": cases_of_patient(db, patient.id),
        "history": _history(db, patient.id),
        "typed": typed,
        "errors": errors or {},
        "conflict": conflict,
        "on_file": _on_file(patient) if conflict else None,
        "next": next_path,
        "today": today.isoformat(),
        "earliest": EARLIEST_BIRTH_DATE.isoformat(),
        "limits": {"name": NAME_MAX_CHARS, "mrn": MRN_MAX_CHARS},
    }
    status = 409 if conflict else 422 if errors else 200
    return render(request, "patients/edit.html", context, status=status)


@router.get("/patients/{patient_id:int}/edit")
def edit_page(
    request: Request, db: DbSession, actor: Editor, now: Now, patient_id: int,
    next_: NextQuery = "/",
) -> Response:  # fmt: skip
    patient = get_patient(db, actor, patient_id)
    return _edit_page(request, db, patient, typed=_on_file(patient), next_path=local_path(next_),
                      today=now.date())  # fmt: skip


@router.post("/patients/{patient_id:int}/edit")
def edit_submit(
    request: Request, db: DbSession, actor: Editor, now: Now, patient_id: int,
    name: FormText = "", mrn: FormText = "", birth_date: FormText = "", next_: NextForm = "/",
    expected_version: FormText = "",
) -> Response:  # fmt: skip
    typed = {"name": name, "mrn": mrn, "birth_date": birth_date, VERSION: expected_version}
    born, date_error = _parsed_date(birth_date.strip())
    expected, version_error = _parsed_version(expected_version.strip())
    details = stripped(PatientDetails(name=name, mrn=mrn, birth_date=born))
    errors = details_errors(db, patient_id, details, today=now.date())
    if date_error:
        errors["birth_date"] = date_error
    if version_error:
        errors[VERSION] = version_error
    back, today = local_path(next_), now.date()
    if errors or expected is None:
        patient = get_patient(db, actor, patient_id)  # the page shows the patient's cases
        return _edit_page(request, db, patient, typed=typed, errors=errors, next_path=back,
                          today=today)  # fmt: skip
    try:
        update_patient(db, actor, patient_id, details, today=today, expected_version=expected)
    except Conflict as err:
        patient = get_patient(db, actor, patient_id)  # the details now on file are shown
        return _edit_page(request, db, patient, typed=typed, next_path=back, today=today,
                          conflict=str(err).split(": ", 1)[1])  # fmt: skip
    return RedirectResponse(local_path(next_), status_code=303)
