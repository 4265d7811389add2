"""Correct a patient's name, MRN or birth date (record type ``patient``, action ``update``).

The audit detail names the fields that changed, never their values (they are PHI). A
refused MRN says only that the MRN is in use: not by whom.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kypho.errors import NotFound
from kypho.store.audit import Actor, record_event
from kypho.store.cases import PatientDetails
from kypho.store.models import Patient
from kypho.web.security.password_rules import InvalidField

NAME_MAX_CHARS = 200  # the width of patients.name (kypho.store.models.cases)
MRN_MAX_CHARS = 64  # the width of patients.mrn
# Project convention (issue 10): no patient of the clinic was born before 1900; an earlier
# date is a typing slip (1800 for 1980), not a patient.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
FIELDS = ("name", "mrn", "birth_date")
MRN_IN_USE = "expected an MRN no other patient has, got one that is already on file"


def _text_error(value: str, *, max_chars: int) -> str | None:
    if not value or len(value) > max_chars:
        return f"expected 1 to {max_chars} characters, got {len(value)}"
    if any(unicodedata.category(c) == "Cc" for c in value):
        return "expected printable text, got a control character"
    return None


def _birth_date_error(birth_date: date | None, *, today: date) -> str | None:
    if birth_date is None:
        return None
    if birth_date > today:
        return f"expected a date on or before today ({today}), got {birth_date}"
    if birth_date < EARLIEST_BIRTH_DATE:
        return f"expected a date on or after {EARLIEST_BIRTH_DATE}, got {birth_date}"
    return None


def details_errors(
    db: Session, patient_id: int, details: PatientDetails, *, today: date
) -> dict[str, str]:
    """Field name → message for each rule ``details`` breaks (empty if none)."""
    found = {
        "name": _text_error(details.name, max_chars=NAME_MAX_CHARS),
        "mrn": _text_error(details.mrn, max_chars=MRN_MAX_CHARS),
        "birth_date": _birth_date_error(details.birth_date, today=today),
    }
    if found["mrn"] is None:
        holder = db.scalar(select(Patient.id).where(Patient.mrn == details.mrn))
        if holder is not None and holder != patient_id:
            found["mrn"] = MRN_IN_USE
    return {field: message for field, message in found.items() if message}


def stripped(details: PatientDetails) -> PatientDetails:
    """``details`` with surrounding spaces off the name and MRN (as they are stored)."""
    return PatientDetails(
        name=details.name.strip(), mrn=details.mrn.strip(), birth_date=details.birth_date
    )


def update_patient(
    db: Session, actor: Actor, patient_id: int, details: PatientDetails, *, today: date
) -> tuple[str, ...]:
    """Store ``details`` (stripped of surrounding spaces); returns the fields that changed.

    Raises ``InvalidField`` for the first rule broken, before anything changes, and
    ``NotFound`` for an unknown patient. Nothing changed, nothing recorded (the update
    event stands for the read, too).
    """
    details = stripped(details)
    patient = db.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"patient {patient_id}: no such patient")
    errors = details_errors(db, patient_id, details, today=today)
    if errors:
        field, message = next(iter(errors.items()))
        raise InvalidField(field, message)
    changed = tuple(f for f in FIELDS if getattr(patient, f) != getattr(details, f))
    if not changed:
        return changed
    try:
        with db.begin_nested():  # an MRN stored meanwhile by another request
            for field in changed:
                setattr(patient, field, getattr(details, field))
            db.flush()
    except IntegrityError:
        raise InvalidField("mrn", MRN_IN_USE) from None
    record_event(db, actor, action="update", record_type="patient", record_id=patient_id,
                 detail=f"fields {','.join(changed)}")  # fmt: skip
    return changed
