"""Why a plan would be refused, what an override keeps, and the warnings that head the plan.

Everything that would refuse a plan: the policy's blocking criteria when its decision is
not "candidate", and every absolute contraindication present on the safety screen. A
physician may override with a non-blank reason; the reasons are then kept and restated
under the override, never replaced by it.
"""

from __future__ import annotations

from kypho.errors import InvalidInput
from kypho.planning.safety import describe, present
from kypho.planning.types import ContraindicationClass, FactorStatus, ScreenItem
from kypho.rules.types import Assessment, CriterionResult, Decision, Outcome, Role
from kypho.rules.words import VERDICT_WORDS, human

BLANK_OVERRIDE = (
    "override not accepted: a physician's reason is required (the reason given was blank)"
)


def check_can_plan(assessment: Assessment, *, option: str = "--policy") -> None:
    """Raise ``InvalidInput`` naming ``option`` unless the policy decides on treatment.

    A triage policy's "candidate" means "advanced imaging indicated", not "may be treated".
    """
    if assessment.policy_kind.can_plan:
        return
    raise InvalidInput(
        f"{option}: expected a candidacy or coverage policy to plan under (e.g. practice or "
        f"medicare-l34106); got {assessment.policy_id}, a {assessment.policy_kind} policy whose "
        f"decision ({VERDICT_WORDS[assessment.verdict]}) says what to do next, not whether to "
        "treat"
    )


def _blocking(c: CriterionResult) -> str | None:
    where = f"{c.level}: " if c.level else ""
    detail = human(f" (observed: {c.observed}; threshold: {c.threshold})")
    if c.role is Role.REQUIRE and c.outcome is Outcome.NOT_MET:
        return f"{where}not met: {c.text}{detail}"
    if c.role is Role.REQUIRE and c.outcome is Outcome.UNKNOWN:
        return f"{where}unknown: {c.text}{detail}"
    if c.role in (Role.EXCLUDE, Role.REVIEW) and c.outcome is Outcome.MET:
        kind = "contraindication" if c.role is Role.EXCLUDE else "needs review"
        return f"{where}{kind}: {c.text}{detail}"
    return None


def refusal_reasons(assessment: Assessment) -> tuple[str, ...]:
    """Why the policy does not make the case a candidate: decision, blocking criteria, gaps."""
    criteria = list(assessment.criteria)
    for la in assessment.levels:
        criteria += la.criteria
    verdict = VERDICT_WORDS[assessment.verdict]
    reasons = [f"decision under policy {assessment.policy_id}: {verdict}"]
    reasons += [r for r in map(_blocking, criteria) if r is not None]
    reasons += [
        "missing: " + human(m.document) + (f" (for {m.level})" if m.level else "")
        for m in assessment.missing
    ]
    return tuple(dict.fromkeys(reasons))


# Decisions that refuse a plan. "Needs review" does not: each reason for review is a
# warning at the top of the plan, and the physician who plans it reviews them (issue 9:
# relative contraindications warn, absolute ones refuse).
REFUSING = (Decision.NOT_CANDIDATE, Decision.NEEDS_INFORMATION)


def review_warnings(assessment: Assessment) -> list[str]:
    """Under a "needs review" decision, each criterion that calls for the physician's review."""
    if assessment.decision is not Decision.NEEDS_REVIEW:
        return []
    criteria = list(assessment.criteria)
    for la in assessment.levels:
        criteria += la.criteria
    found = [
        (f"{c.level}: " if c.level else "")
        + "needs the physician's review: "
        + human(f"{c.text} (observed: {c.observed})")
        for c in criteria
        if c.role is Role.REVIEW and c.outcome is Outcome.MET
    ]
    return list(dict.fromkeys(found))


def plan_refusal_reasons(assessment: Assessment, screen: tuple[ScreenItem, ...]) -> tuple[str, ...]:
    """Everything that would refuse the plan: policy reasons, then absolute contraindications."""
    policy = refusal_reasons(assessment) if assessment.decision in REFUSING else ()
    absolute = tuple(describe(i) for i in present(screen, ContraindicationClass.ABSOLUTE))
    return policy + absolute


def override_warnings(
    reasons: tuple[str, ...], *, override: str, overridden_by: str | None
) -> list[str]:
    """The override (who, why) followed by every reason it overrides."""
    who = overridden_by or "physician not named"
    head = (
        f"OVERRIDE by {who}: {override}; without it the plan is refused for "
        f"{len(reasons)} reason(s):"
    )
    return [head, *(f"overridden: {r}" for r in reasons)]


def screen_warnings(screen: tuple[ScreenItem, ...]) -> list[str]:
    """Relative contraindications present, then absolute ones nobody recorded."""
    out = [describe(i) for i in present(screen, ContraindicationClass.RELATIVE)]
    out += [
        f"not recorded: {i.name}, an absolute contraindication: check before the procedure "
        f"(case file field {i.field})"
        for i in screen
        if i.status is FactorStatus.NOT_RECORDED
        and i.contraindication_class is ContraindicationClass.ABSOLUTE
    ]
    return out


def screen_missing(screen: tuple[ScreenItem, ...]) -> list[str]:
    """Every contraindication not recorded, as a fact to collect."""
    return [
        f"{i.name}: not recorded (safety screen; case file field {i.field})"
        for i in screen
        if i.status is FactorStatus.NOT_RECORDED
    ]
