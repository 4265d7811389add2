"""``/cases/{case_pk}/plan``: plan under a treatment policy, override a refusal, sign.

The plan is shown as ``kypho plan`` prints it (``plan_sections``): refusal reasons, the
override, warnings and the safety screen first, then levels, logistics, checklist and
risks. Every plan is stored, refused ones too.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kypho.commands._options import optional_date
from kypho.documents import plan_sections
from kypho.errors import Conflict, InvalidInput
from kypho.store.audit import Actor
from kypho.store.cases import get_case
from kypho.store.documents import list_documents
from kypho.store.models import Plan, User
from kypho.store.plans import (
    TREATMENT_POLICIES,
    PlanRequest,
    get_plan,
    list_plans,
    make_plan,
    plan_again,
    sign_plan,
)
from kypho.web.deps import DbSession, settings_of
from kypho.web.render import render
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission, allowed

router = APIRouter(tags=["pages"], include_in_schema=False)

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Physician = Annotated[Actor, Depends(require(Permission.DECIDE))]
FIELDS = ("policy", "procedure_date", "on", "override_reason", "procedure_end")
# The top of ``plan_sections`` (its ``_top_sections``): shown first, in one warning box.
SAFETY_FIRST = (
    "Procedure plan",
    "Plan refused",
    "Refusal reasons",
    "Refusal reasons (overridden)",
    "Override",
    "Warnings",
    "Safety screen",
)


def today_in_clinic(request: Request) -> date:
    """Today where the clinic is (``Settings.clinic_time_zone``)."""
    return datetime.now(settings_of(request).time_zone).date()


def display_name(db: Session, user_id: int | None) -> str | None:
    user = db.get(User, user_id) if user_id is not None else None
    return None if user is None else user.display_name


def error_field(message: str) -> str:
    """The form field a message names (``field: ...``), else ``plan`` (top of the form)."""
    field = message.split(":", 1)[0].strip()
    return field if field in FIELDS else "plan"


def _sections(db: Session, actor: Actor, row: Plan) -> tuple[list[tuple[str, list[str]]], str]:
    try:
        return plan_sections(plan_again(db, actor, row)), ""
    except (Conflict, InvalidInput) as err:
        kept = json.loads(row.result)
        top = [("Refusal reasons", list(kept.get("refusal_reasons") or []) or ["none"]),
               ("Warnings", list(kept.get("warnings") or []) or ["none"])]  # fmt: skip
        return top, str(err)


def plan_page(
    request: Request,
    db: Session,
    actor: Actor,
    case_pk: int,
    *,
    shown: int | None = None,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The plan page (also re-rendered, with messages, by the documents forms)."""
    stored = get_case(db, actor, case_pk)
    plans = list_plans(db, actor, case_pk)
    chosen = next((p for p in plans if p.id == shown), plans[0] if plans else None)
    sections: list[tuple[str, list[str]]] = []
    stale = ""
    if chosen is not None:
        chosen = get_plan(db, actor, case_pk, chosen.id)
        sections, stale = _sections(db, actor, chosen)
    documents = list_documents(db, actor, case_pk)
    context: dict[str, Any] = {
        "stored": stored,
        "plans": plans,
        "chosen": chosen,
        "sections": sections,
        "safety_first": SAFETY_FIRST,
        "stale": stale,
        "documents": [d for d in documents if chosen and d.plan_id == chosen.id],
        "names": {
            p.id: (display_name(db, p.signed_by), display_name(db, p.overridden_by)) for p in plans
        },  # fmt: skip
        "policies": TREATMENT_POLICIES,
        "today": today_in_clinic(request).isoformat(),
        "can_decide": allowed(actor.role, Permission.DECIDE),
        "can_issue": allowed(actor.role, Permission.ISSUE_DOCUMENTS),
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "plan/page.html", context, status=status)


def _failed(request: Request, db: Session, actor: Actor, case_pk: int, err: InvalidInput,
            typed: dict[str, str], shown: int | None = None) -> Response:  # fmt: skip
    db.rollback()  # nothing of the refused request is kept
    message = str(err)
    field = error_field(message)
    errors = {field: message.removeprefix(f"{field}: ") if field != "plan" else message}
    return plan_page(request, db, actor, case_pk, shown=shown, errors=errors, typed=typed,
                     status=422)  # fmt: skip


@router.get("/cases/{case_pk}/plan")
def show_plan(
    request: Request, case_pk: int, actor: Reader, db: DbSession, plan: int | None = None
) -> Response:
    return plan_page(request, db, actor, case_pk, shown=plan)


@router.post("/cases/{case_pk}/plan")
def new_plan(
    request: Request,
    case_pk: int,
    actor: Physician,
    db: DbSession,
    policy: Annotated[str, Form()] = "practice",
    procedure_date: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
) -> Response:
    typed = {"policy": policy, "procedure_date": procedure_date, "on": on}
    try:
        day = optional_date("procedure_date", procedure_date.strip() or None)
        assessed_on = optional_date("on", on.strip() or None) or today_in_clinic(request)
        row, _ = make_plan(db, actor, case_pk, PlanRequest(policy_id=policy, procedure_date=day),
                           on=assessed_on)  # fmt: skip
    except InvalidInput as err:
        return _failed(request, db, actor, case_pk, err, typed)
    return RedirectResponse(f"/cases/{case_pk}/plan?plan={row.id}", status_code=303)


@router.post("/cases/{case_pk}/plan/{plan_id}/override")
def override(
    request: Request,
    case_pk: int,
    plan_id: int,
    actor: Physician,
    db: DbSession,
    override_reason: Annotated[str, Form()] = "",
) -> Response:
    refused = get_plan(db, actor, case_pk, plan_id)
    request_ = PlanRequest(
        policy_id=refused.policy_id,
        procedure_date=refused.procedure_date,
        override_reason=override_reason,
        overridden_by=display_name(db, actor.user_id),
        overridden_by_id=actor.user_id,
    )
    try:
        row, _ = make_plan(db, actor, case_pk, request_, on=refused.on_date)
    except InvalidInput as err:
        typed = {"override_reason": override_reason}
        return _failed(request, db, actor, case_pk, err, typed, shown=plan_id)
    return RedirectResponse(f"/cases/{case_pk}/plan?plan={row.id}", status_code=303)


@router.post("/cases/{case_pk}/plan/{plan_id}/sign")
def sign(case_pk: int, plan_id: int, actor: Physician, db: DbSession) -> Response:
    sign_plan(db, actor, case_pk, plan_id)
    return RedirectResponse(f"/cases/{case_pk}/plan?plan={plan_id}", status_code=303)
