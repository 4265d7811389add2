"""``/api/cases/{case_pk}/plans``: plan a case (or refuse, with reasons), override, sign.

The same store functions as the plan page; the plan is the ``kypho plan --format json``
document. Planning, overriding and signing are the physician's (``DECIDE``).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from kypho.store.audit import Actor
from kypho.store.models import Plan, User
from kypho.store.plans import PlanRequest, get_plan, list_plans, make_plan, sign_plan
from kypho.web.deps import DbSession
from kypho.web.pages.plan import today_in_clinic
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(prefix="/cases/{case_pk}/plans", tags=["plans"])

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Physician = Annotated[Actor, Depends(require(Permission.DECIDE))]


def summary(row: Plan) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "case_version": row.case_version,
        "policy_id": row.policy_id,
        "on": row.on_date.isoformat(),
        "procedure_date": None if row.procedure_date is None else row.procedure_date.isoformat(),
        "refused": row.refused,
        "override_reason": row.override_reason,
        "overridden_by": row.overridden_by,
        "signed_by": row.signed_by,
        "signed_at": None if row.signed_at is None else row.signed_at.isoformat(),
        "created_at": row.created_at.isoformat(),
    }


class PlanBody(BaseModel):
    policy: str = Field(default="practice", description="practice or medicare-l34106.")
    procedure_date: date | None = None
    on: date | None = Field(default=None, description="Assess as of (default: clinic today).")
    override_reason: str | None = Field(
        default=None, max_length=2000, description="The physician's reason to plan a refusal."
    )


@router.get("")
def plans(case_pk: int, actor: Reader, db: DbSession) -> dict[str, Any]:
    """Every plan of the case, newest first."""
    return {"items": [summary(p) for p in list_plans(db, actor, case_pk)]}


@router.post("", status_code=201)
def new_plan(
    request: Request, case_pk: int, body: PlanBody, actor: Physician, db: DbSession
) -> dict[str, Any]:
    """Plan the current case version; a refusal is stored and answered (``refused``)."""
    who = db.get(User, actor.user_id) if body.override_reason is not None else None
    wanted = PlanRequest(
        policy_id=body.policy,
        procedure_date=body.procedure_date,
        override_reason=body.override_reason,
        overridden_by=None if who is None else who.display_name,
        overridden_by_id=actor.user_id,
    )
    row, _ = make_plan(db, actor, case_pk, wanted, on=body.on or today_in_clinic(request))
    return {**summary(row), "plan": json.loads(row.result)}


@router.get("/{plan_id}")
def plan(case_pk: int, plan_id: int, actor: Reader, db: DbSession) -> dict[str, Any]:
    """One plan with its ``kypho plan --format json`` document."""
    row = get_plan(db, actor, case_pk, plan_id)
    return {**summary(row), "plan": json.loads(row.result)}


@router.post("/{plan_id}/sign")
def sign(case_pk: int, plan_id: int, actor: Physician, db: DbSession) -> dict[str, Any]:
    """The physician signs the plan (409 if already signed, 422 for a refused plan)."""
    return summary(sign_plan(db, actor, case_pk, plan_id))
