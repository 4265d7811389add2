"""The case JSON API: create, read, update (optimistic), list with stages, assess.

Validation of a case goes through ``kypho.casefile.parse_case``; its ``InvalidCaseFile``
names the field, and the app's one error handler answers 422 with it. Every save is
assessed under the clinic's policies as of the clinic's today, in the same transaction.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from kypho.casefile import case_to_dict, parse_case
from kypho.domain.case import Case as ClinicalCase
from kypho.store.assessments import assess_and_store, list_assessments, result_of
from kypho.store.audit import Actor
from kypho.store.cases import (
    ASSESS_ON_SAVE,
    AssessOnSave,
    PatientDetails,
    StoredCase,
    create_case,
    get_case,
    save_case,
)
from kypho.store.models import Assessment
from kypho.store.stage_table import CLINIC_NOW
from kypho.store.stages import Stage
from kypho.store.worklist import PER_PAGE, CaseRow, case_rows, worklist
from kypho.web.deps import DbSession, Now, Policies
from kypho.web.row_ids import RowVersion
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(tags=["cases"])

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Editor = Annotated[Actor, Depends(require(Permission.EDIT_CASE))]


def assessing_session(db: DbSession, now: Now, policies: Policies) -> Session:
    """The request's session, set to assess every saved case version (store.cases)."""
    db.info[ASSESS_ON_SAVE] = AssessOnSave(policies=policies, on=now.date())
    db.info[CLINIC_NOW] = now  # the stored stages are computed on the clinic's clock
    return db


AssessingDb = Annotated[Session, Depends(assessing_session)]


class PatientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mrn: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    birth_date: date | None = None


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patient: PatientIn
    case: dict[str, Any]
    referred_on: date | None = None


class CaseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case: dict[str, Any]
    expected_version: RowVersion
    note: str = Field(default="", max_length=500)


class AssessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: date | None = None


def case_from_json(data: dict[str, Any]) -> ClinicalCase:
    """The case file in a request body, validated as a case file (422 naming the field)."""
    return parse_case(json.dumps(data), source="case")


def assessment_out(row: Assessment) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_version": row.case_version,
        "policy": row.policy_id,
        "policy_version": row.policy_version,
        "on": row.on_date.isoformat(),
        "decision": row.decision,
        "created_at": row.created_at.isoformat(),
        "result": result_of(row),
    }


def _row_out(row: CaseRow) -> dict[str, Any]:
    return {
        "id": row.case_pk,
        "case_ref": row.case_ref,
        "version": row.version,
        "patient": {"id": row.patient_id, "mrn": row.mrn, "name": row.patient_name},
        "stage": row.stage.stage.value,
        "next_action": row.stage.next_action,
        "overdue": list(row.stage.overdue),
        "decisions": row.decisions,
    }


def stage_of_case(db: DbSession, pk: int, now: datetime) -> str:
    """The stage of one case (read with the worklist's own query, restricted to it)."""
    found = case_rows(db, today=now.date(), now=now, only=pk)
    return found[0].stage.stage.value if found else Stage.NEW_REFERRAL.value


def _case_out(stored: StoredCase, stage: str) -> dict[str, Any]:
    p = stored.patient
    birth = p.birth_date.isoformat() if p.birth_date else None
    return {
        "id": stored.row.id,
        "case_ref": stored.row.case_ref,
        "version": stored.version,
        "patient": {"id": p.id, "mrn": p.mrn, "name": p.name, "birth_date": birth},
        "case": case_to_dict(stored.case),
        "stage": stage,
    }


@router.post("/cases", status_code=201)
def create(body: CaseCreate, db: AssessingDb, actor: Editor) -> dict[str, Any]:
    """A new case (version 1) for the patient with this MRN (created if new); assessed."""
    case = case_from_json(body.case)
    details = PatientDetails(mrn=body.patient.mrn, name=body.patient.name,
                             birth_date=body.patient.birth_date)  # fmt: skip
    stored = create_case(db, actor, patient=details, case=case, referred_on=body.referred_on)
    return {"id": stored.row.id, "case_ref": stored.row.case_ref, "version": stored.version}


@router.get("/cases")
def list_cases(
    db: DbSession,
    actor: Reader,
    now: Now,
    q: Annotated[str, Query(max_length=200)] = "",
    stage: Stage | None = None,
    overdue: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
) -> dict[str, Any]:
    """Cases matching ``q`` (case ref, patient name, MRN), by ``stage``; counts per stage."""
    found = worklist(db, actor, now=now, q=q, stage=stage, overdue_only=overdue, page=page,
                     per_page=PER_PAGE)  # fmt: skip
    return {
        "items": [_row_out(r) for r in found.rows],
        "counts": {s.value: n for s, n in found.counts.items()},
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
    }


@router.get("/cases/{case_pk:int}")
def read(case_pk: int, db: DbSession, actor: Reader, now: Now) -> dict[str, Any]:
    stored = get_case(db, actor, case_pk)
    return _case_out(stored, stage_of_case(db, case_pk, now))


@router.put("/cases/{case_pk:int}")
def update(case_pk: int, body: CaseUpdate, db: AssessingDb, actor: Editor) -> dict[str, Any]:
    """Save a new version if ``expected_version`` is still current (else 409); assessed."""
    case = case_from_json(body.case)
    stored = save_case(db, actor, case_pk, case, expected_version=body.expected_version,
                       note=body.note)  # fmt: skip
    return {"id": stored.row.id, "version": stored.version}


@router.get("/cases/{case_pk:int}/assessments")
def assessments(case_pk: int, db: DbSession, actor: Reader) -> dict[str, Any]:
    """Every stored assessment of the case, oldest first."""
    return {"items": [assessment_out(r) for r in list_assessments(db, actor, case_pk)]}


@router.post("/cases/{case_pk:int}/assessments", status_code=201)
def assess_now(
    case_pk: int,
    db: DbSession,
    actor: Editor,
    now: Now,
    policies: Policies,
    body: AssessRequest | None = None,
) -> dict[str, Any]:
    """Assess the current version now (or as of ``on``) under the clinic's policies."""
    stored = get_case(db, actor, case_pk)
    on = body.on if body is not None and body.on is not None else now.date()
    rows = assess_and_store(db, actor, stored, policies, on=on)
    return {"items": [assessment_out(r) for r in rows]}
