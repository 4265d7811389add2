"""Correct a patient's name, MRN or birth date (record type ``patient``, action ``update``).

The audit detail names the fields that changed, never their values (they are PHI). A
refused MRN says only that the MRN is in use: not by whom.

Optimistic concurrency, as cases have: every correction names the version it was based on
(``expected_version``, required: "whatever is stored now" would overwrite a save made
since the details were read); ``patients.version`` is bumped with ``UPDATE ... WHERE
version = :expected``, so of two people correcting the same version, the second gets
``Conflict`` and nothing of theirs is written. Every correction is kept in
``patient_versions`` (old values recoverable).
"""

from __future__ import annotations

import unicodedata
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kypho.errors import Conflict, NotFound
from kypho.store.audit import Actor, record_event
from kypho.store.base import utcnow
from kypho.store.cases import PatientDetails
from kypho.store.models import Patient, PatientVersion, User
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


def stale_version(patient: Patient, expected_version: int) -> Conflict:
    """The refusal of a correction based on ``expected_version`` when it is no longer current."""
    return Conflict(
        f"expected_version: someone saved this patient's details since you opened them; "
        f"reload them and enter your change again: expected version {patient.version}, "
        f"found {expected_version}"
    )


def _keep_versions(db: Session, actor: Actor, patient: Patient, old: PatientDetails) -> None:
    """Store the state before (once: the first correction's) and after this correction."""
    before = patient.version - 1
    kept = db.scalar(select(PatientVersion.id).where(
        PatientVersion.patient_id == patient.id, PatientVersion.version == before))  # fmt: skip
    if kept is None:
        db.add(PatientVersion(patient_id=patient.id, version=before, mrn=old.mrn, name=old.name,
                              birth_date=old.birth_date, saved_at=patient.created_at))  # fmt: skip
    db.add(PatientVersion(patient_id=patient.id, version=patient.version, mrn=patient.mrn,
                          name=patient.name, birth_date=patient.birth_date,
                          saved_by=actor.user_id, saved_at=utcnow()))  # fmt: skip
    db.flush()


def _store(db: Session, patient: Patient, details: PatientDetails, *, base_version: int) -> bool:
    """Write ``details`` as version ``base_version + 1``; False if ``base_version`` is stale."""
    values = {f: getattr(details, f) for f in FIELDS}
    try:
        with db.begin_nested():  # an MRN stored meanwhile by another request
            bumped = db.execute(
                update(Patient)
                .where(Patient.id == patient.id, Patient.version == base_version)
                .values(version=base_version + 1, **values)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:
        raise InvalidField("mrn", MRN_IN_USE) from None
    db.refresh(patient)
    return int(bumped.rowcount) == 1  # type: ignore[attr-defined]


def update_patient(
    db: Session, actor: Actor, patient_id: int, details: PatientDetails, *, today: date,
    expected_version: int,
) -> tuple[str, ...]:  # fmt: skip
    """Store ``details`` (stripped of surrounding spaces); returns the fields that changed.

    Raises ``InvalidField`` for the first rule broken, before anything changes, ``NotFound``
    for an unknown patient, and ``Conflict`` when ``expected_version`` (the version the
    correction began from; every caller must name it) is no longer current. Nothing
    changed, nothing recorded (the update event stands for the read, too), and details
    equal to those stored are no conflict: nothing of anyone's is overwritten.
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
    if expected_version != patient.version:
        raise stale_version(patient, expected_version)
    old = PatientDetails(name=patient.name, mrn=patient.mrn, birth_date=patient.birth_date)
    if not _store(db, patient, details, base_version=expected_version):  # saved meanwhile
        raise stale_version(patient, expected_version)
    _keep_versions(db, actor, patient, old)
    record_event(db, actor, action="update", record_type="patient", record_id=patient_id,
                 detail=f"fields {','.join(changed)}")  # fmt: skip
    return changed


def patient_history_saved_by(
    db: Session, patient_id: int
) -> list[tuple[PatientVersion, str | None]]:
    """Every saved state of the patient's details, newest first (none if never corrected),
    each with the user name of who saved it (None for the details as first recorded): one
    query. PHI: the caller audits the read."""
    query = (select(PatientVersion, User.username)
             .outerjoin(User, User.id == PatientVersion.saved_by)
             .where(PatientVersion.patient_id == patient_id)
             .order_by(PatientVersion.version.desc()))  # fmt: skip
    return [(row, who) for row, who in db.execute(query)]
