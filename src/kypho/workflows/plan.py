"""Plan a case: assess it under one treatment policy, screen it, and build the plan.

A refusal is a value (``plan.refused`` with its reasons), never an exception. Bad input
(a triage policy, a procedure date before onset, imaging or the assessment date) is
``InvalidInput`` naming the option, raised before anything is built or written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from kypho.domain.case import Case
from kypho.errors import InvalidInput
from kypho.pathway.schedule import osteoporosis_steps
from kypho.planning import ProcedurePlan, build_plan
from kypho.rules import Assessment, Policy, assess


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedCase:
    assessment: Assessment
    plan: ProcedurePlan


def plan_case(
    case: Case,
    policy: Policy,
    *,
    on: date,
    procedure_date: date | None = None,
    override_reason: str | None = None,
    overridden_by: str | None = None,
) -> PlannedCase:
    """Assess ``case`` under ``policy`` as of ``on`` and plan it (or refuse, with reasons).

    An override needs both a reason and the physician who gives it: a refusal is never
    bypassed without a physician, a reason and a record (the plan keeps all three).
    """
    if override_reason is not None and not override_reason.strip():
        raise InvalidInput("--override: expected the physician's reason, got a blank one")
    if (override_reason or "").strip() and not (overridden_by or "").strip():
        raise InvalidInput(
            "--overridden-by: expected the name of the physician who overrides the refusal "
            "(an override needs a physician and a reason); got none"
        )
    assessment = assess(case, policy, on=on)
    plan = build_plan(
        case,
        assessment,
        procedure_date=procedure_date,
        override_reason=override_reason,
        overridden_by=overridden_by,
    )
    if not plan.refused:
        plan = replace(plan, osteoporosis_steps=osteoporosis_steps(case))
    return PlannedCase(assessment=assessment, plan=plan)
