"""Plans: a case version planned under one policy, stored with its JSON, override and signature.

The plan is ``kypho.workflows.plan.plan_case``'s, as ``kypho plan`` makes it; the stored
result is the JSON ``kypho plan --format json`` prints (``plan_json``). Every plan is
kept, refused ones too. A stored plan can be built again from what is stored (the case
version, the policy, the dates, the override) for its documents; if the rebuilt plan is
not the stored one (a policy changed since) the documents are refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kypho.documents import plan_json
from kypho.domain.case import Case as ClinicalCase
from kypho.errors import Conflict, InvalidInput, NotFound
from kypho.planning import ProcedurePlan
from kypho.policyfile import load_policy
from kypho.rules import Policy
from kypho.store.audit import Actor, record_event
from kypho.store.base import utc_minute, utcnow
from kypho.store.case_records import get_case_record
from kypho.store.cases import get_case
from kypho.store.models import Plan
from kypho.workflows.plan import plan_case

TREATMENT_POLICIES = ("practice", "medicare-l34106")  # the form's choices; triage cannot plan

# The workflows name the CLI's options in their messages; the app names its form fields.
FIELD_NAMES = {
    "--override:": "override_reason:",
    "--overridden-by:": "override_reason:",
    "--procedure-date:": "procedure_date:",
    "--policy:": "policy:",
    "--procedure-end:": "procedure_end:",
}


def web_error(err: InvalidInput) -> InvalidInput:
    """The workflow's message, with the CLI option it names replaced by the form field."""
    text = str(err)
    for option, field in FIELD_NAMES.items():
        text = text.replace(option, field)
    return InvalidInput(text)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRequest:
    """What the physician asks for: a policy, a date, and (to plan a refusal) a reason."""

    policy_id: str
    procedure_date: date | None = None
    override_reason: str | None = None
    overridden_by: str | None = None  # the physician's display name, as the plan records it
    overridden_by_id: int | None = None


def _policy(policy_id: str) -> Policy:
    try:
        return load_policy(policy_id)
    except NotFound:
        raise InvalidInput(
            f"policy: expected one of {', '.join(TREATMENT_POLICIES)}, got {policy_id!r}"
        ) from None


def _planned(case: ClinicalCase, request: PlanRequest, on: date) -> ProcedurePlan:
    try:
        return plan_case(
            case,
            _policy(request.policy_id),
            on=on,
            procedure_date=request.procedure_date,
            override_reason=request.override_reason,
            overridden_by=request.overridden_by,
        ).plan
    except InvalidInput as err:
        raise web_error(err) from None


def make_plan(
    db: Session, actor: Actor, case_pk: int, request: PlanRequest, *, on: date
) -> tuple[Plan, ProcedurePlan]:
    """Plan the case's current version as of ``on``; store the plan (refused or not)."""
    stored = get_case(db, actor, case_pk)
    plan = _planned(stored.case, request, on)
    row = Plan(
        case_id=case_pk,
        case_version=stored.version,
        policy_id=plan.policy_id,
        on_date=on,
        procedure_date=plan.procedure_date,
        refused=plan.refused,
        result=plan_json(plan),
        override_reason=plan.override_reason,
        overridden_by=request.overridden_by_id if plan.override_reason is not None else None,
        created_by=actor.user_id,
    )
    db.add(row)
    db.flush()
    detail = f"version {stored.version} policy {plan.policy_id} refused {plan.refused}"
    if plan.override_reason is not None:
        detail += " override"
    record_event(db, actor, action="create", record_type="plan", record_id=row.id,
                 case_id=case_pk, detail=detail)  # fmt: skip
    return row, plan


def get_plan(db: Session, actor: Actor, case_pk: int, plan_id: int) -> Plan:
    """One plan of case ``case_pk``; the read is audited."""
    return get_case_record(db, actor, Plan, case_pk=case_pk, record_id=plan_id, name="plan")


def list_plans(db: Session, actor: Actor, case_pk: int) -> list[Plan]:
    """Every plan of the case, newest first; the read is audited."""
    rows = list(db.scalars(select(Plan).where(Plan.case_id == case_pk).order_by(Plan.id.desc())))
    record_event(db, actor, action="read", record_type="plan", record_id="*",
                 case_id=case_pk, detail=f"count {len(rows)}")  # fmt: skip
    return rows


def sign_plan(
    db: Session, actor: Actor, case_pk: int, plan_id: int, *, at: datetime | None = None
) -> Plan:
    """The physician signs the plan (once); a refused plan has nothing to sign."""
    row = get_plan(db, actor, case_pk, plan_id)
    if row.refused:
        raise InvalidInput(
            "plan: expected a plan that was not refused (plan again, or override the "
            "refusal with a reason); found a refused plan"
        )
    if row.signed_at is not None:
        raise Conflict(f"plan {plan_id}: already signed at {utc_minute(row.signed_at)}")
    row.signed_by = actor.user_id
    row.signed_at = at or utcnow()
    record_event(db, actor, action="sign", record_type="plan", record_id=plan_id,
                 case_id=case_pk)  # fmt: skip
    return row


def plan_again(db: Session, actor: Actor, row: Plan) -> ProcedurePlan:
    """The stored plan built again from its stored inputs; ``Conflict`` if it differs."""
    stored = get_case(db, actor, row.case_id, version=row.case_version)
    kept = json.loads(row.result)
    request = PlanRequest(
        policy_id=row.policy_id,
        procedure_date=row.procedure_date,
        override_reason=row.override_reason,
        overridden_by=kept.get("overridden_by"),
    )
    plan = _planned(stored.case, request, row.on_date)
    if plan_json(plan) != row.result:
        raise Conflict(
            f"plan {row.id}: built again it differs from the stored plan (a policy changed "
            "since); plan the case again and issue the documents from the new plan"
        )
    return plan
