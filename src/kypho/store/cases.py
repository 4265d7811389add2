"""Patients and cases with history: every save is a new version; a stale save is refused.

Optimistic concurrency: a save names the version it was based on; the row's version is
bumped with ``UPDATE ... WHERE version = :expected``, so of two people saving the same
version, the second gets ``Conflict`` and nothing of theirs is written.

Assessed on save: when the session carries an ``AssessOnSave`` (``db.info[ASSESS_ON_SAVE]``,
set once per request by the web app), every new version is assessed under its policies
as of its date, in the same transaction (``kypho.store.assessments.assess_and_store``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, defer

from kypho.casefile import dump_case, parse_case
from kypho.domain.case import Case as ClinicalCase
from kypho.errors import Conflict, InvalidInput, NotFound
from kypho.store.audit import Actor, record_event
from kypho.store.base import utcnow
from kypho.store.models import Case, CaseVersion, Patient

if TYPE_CHECKING:
    from kypho.rules import Policy

ASSESS_ON_SAVE = "kypho.assess_on_save"  # key in Session.info


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientDetails:
    """What identifies a patient (PHI: kept in the database, never in logs or audit detail)."""

    mrn: str
    name: str
    birth_date: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessOnSave:
    """Assess every saved version under ``policies`` as of ``on`` (the clinic's today)."""

    policies: Sequence[Policy]
    on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredCase:
    row: Case
    patient: Patient
    version: int
    document: str  # the case file JSON of this version
    case: ClinicalCase


def _stored(db: Session, row: Case, version: CaseVersion) -> StoredCase:
    patient = db.get(Patient, row.patient_id)
    assert patient is not None  # a foreign key guarantees it
    source = f"case {row.case_ref} version {version.version}"
    return StoredCase(
        row=row,
        patient=patient,
        version=version.version,
        document=version.document,
        case=parse_case(version.document, source=source),
    )


def _assessed(db: Session, actor: Actor, stored: StoredCase) -> StoredCase:
    wanted = db.info.get(ASSESS_ON_SAVE)
    if isinstance(wanted, AssessOnSave):
        from kypho.store.assessments import assess_and_store  # it imports this module

        assess_and_store(db, actor, stored, wanted.policies, on=wanted.on)
    return stored


def find_patient(db: Session, mrn: str) -> Patient | None:
    return db.scalar(select(Patient).where(Patient.mrn == mrn))


def create_case(
    db: Session,
    actor: Actor,
    *,
    patient: PatientDetails,
    case: ClinicalCase,
    referred_on: date | None = None,
    note: str = "referral",
) -> StoredCase:
    """A new case (version 1) for a patient found by MRN, or a new patient."""
    if db.scalar(select(Case.id).where(Case.case_ref == case.case_id)) is not None:
        raise InvalidInput(f"case_id: expected a case id not yet used, found {case.case_id!r}")
    person = find_patient(db, patient.mrn)
    if person is None:
        person = Patient(mrn=patient.mrn, name=patient.name, birth_date=patient.birth_date)
        db.add(person)
        db.flush()
        record_event(db, actor, action="create", record_type="patient", record_id=person.id)
    row = Case(case_ref=case.case_id, patient_id=person.id, version=1, referred_on=referred_on)
    db.add(row)
    db.flush()
    version = CaseVersion(
        case_id=row.id, version=1, document=dump_case(case), saved_by=actor.user_id, note=note
    )
    db.add(version)
    db.flush()
    record_event(db, actor, action="create", record_type="case", record_id=row.id,
                 case_id=row.id, detail="version 1")  # fmt: skip
    return _assessed(db, actor, _stored(db, row, version))


def get_case(db: Session, actor: Actor, case_pk: int, *, version: int | None = None) -> StoredCase:
    """The case (its current version, or ``version``); the read is audited.

    One query: the case, its patient and the version (the patient is then in the session,
    so ``_stored`` asks nothing more).
    """
    wanted_version = Case.version if version is None else version
    found = db.execute(
        select(Case, Patient, CaseVersion)
        .join(Patient, Patient.id == Case.patient_id)
        .outerjoin(CaseVersion, (CaseVersion.case_id == Case.id)
                   & (CaseVersion.version == wanted_version))
        .where(Case.id == case_pk)
    ).first()  # fmt: skip
    if found is None:
        raise NotFound(f"case {case_pk}: no such case")
    row, _, joined = found
    stored: CaseVersion | None = joined
    wanted = row.version if version is None else version
    if stored is None or stored.version != wanted:  # the session's row older than the table's
        stored = db.scalar(
            select(CaseVersion).where(CaseVersion.case_id == case_pk, CaseVersion.version == wanted)
        )
    if stored is None:
        raise NotFound(f"case {case_pk}: no version {wanted} (latest {row.version})")
    record_event(db, actor, action="read", record_type="case", record_id=case_pk,
                 case_id=case_pk, detail=f"version {wanted}")  # fmt: skip
    return _stored(db, row, stored)


def save_case(
    db: Session,
    actor: Actor,
    case_pk: int,
    case: ClinicalCase,
    *,
    expected_version: int,
    note: str = "",
) -> StoredCase:
    """Save ``case`` as the next version if ``expected_version`` is still current."""
    row = db.get(Case, case_pk)
    if row is None:
        raise NotFound(f"case {case_pk}: no such case")
    if case.case_id != row.case_ref:
        raise InvalidInput(f"case_id: expected {row.case_ref!r} (this case), got {case.case_id!r}")
    bumped = db.execute(
        update(Case)
        .where(Case.id == case_pk, Case.version == expected_version)
        .values(version=expected_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:  # type: ignore[attr-defined]
        db.refresh(row)
        raise Conflict(
            f"case {row.case_ref}: this edit was based on version {expected_version}, but "
            f"version {row.version} was saved since; reload the case and enter the change again"
        )
    version = CaseVersion(case_id=case_pk, version=expected_version + 1,
                          document=dump_case(case), saved_by=actor.user_id, note=note)  # fmt: skip
    db.add(version)
    db.flush()
    db.refresh(row)
    record_event(db, actor, action="update", record_type="case", record_id=case_pk,
                 case_id=case_pk, detail=f"version {version.version}")  # fmt: skip
    return _assessed(db, actor, _stored(db, row, version))


def case_history(db: Session, case_pk: int, *, documents: bool = True) -> list[CaseVersion]:
    """Every saved version, oldest first (``documents=False``: without their case JSON)."""
    query = select(CaseVersion).where(CaseVersion.case_id == case_pk)
    if not documents:  # a list of versions need not load every version's whole case
        query = query.options(defer(CaseVersion.document, raiseload=True))
    return list(db.scalars(query.order_by(CaseVersion.version)))


def count_cases(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def get_patient(db: Session, actor: Actor, patient_id: int) -> Patient:
    """One patient; the read is audited."""
    patient = db.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"patient {patient_id}: no such patient")
    record_event(db, actor, action="read", record_type="patient", record_id=patient_id)
    return patient


def patient_by_mrn(db: Session, actor: Actor, mrn: str) -> Patient:
    """The patient with ``mrn``; the read (or the failed look-up) is audited."""
    patient = find_patient(db, mrn)
    if patient is None:
        record_event(db, actor, action="search", record_type="patient", record_id="mrn",
                     detail="0 found")  # fmt: skip
        raise NotFound("mrn: no patient has this MRN")
    record_event(db, actor, action="read", record_type="patient", record_id=patient.id)
    return patient


def cases_of_patient(db: Session, patient_id: int) -> list[Case]:
    """The patient's cases, oldest first (not audited: the caller's patient read is)."""
    return list(db.scalars(select(Case).where(Case.patient_id == patient_id).order_by(Case.id)))
