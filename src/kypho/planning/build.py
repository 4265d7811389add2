"""Compose a procedure plan from a case and its candidacy assessment (pure).

The safety screen runs first, whatever the policy; only a treatment policy can plan."""

from __future__ import annotations

from datetime import date

from kypho.domain.case import Case
from kypho.domain.imaging import LevelFinding
from kypho.domain.levels import Level
from kypho.planning.approach import choose_approach
from kypho.planning.cement import estimate_cement
from kypho.planning.checklist import build_checklist
from kypho.planning.coding import billing_codes
from kypho.planning.dates import CASE_FILE_DATE, check_procedure_date, window_warnings
from kypho.planning.logistics import plan_logistics
from kypho.planning.refusal import (
    BLANK_OVERRIDE,
    check_can_plan,
    override_warnings,
    plan_refusal_reasons,
    review_warnings,
    screen_missing,
    screen_warnings,
)
from kypho.planning.risk_factors import patient_risk_factors
from kypho.planning.safety import screen_case
from kypho.planning.types import LevelPlan, ProcedurePlan, ScreenItem
from kypho.rules.types import Assessment

DISCLAIMER = (
    "kypho is decision support only: the treating physician makes every decision and "
    "checks each item against its source."
)


def latest_finding(case: Case, level: Level) -> LevelFinding | None:
    """The level's finding from the most recent imaging study that reports it."""
    studies = sorted(case.imaging or (), key=lambda s: s.study_date or date.min, reverse=True)
    for study in studies:
        finding = study.finding(level)
        if finding is not None and finding.effective_height_loss_pct is not None:
            return finding
    return None


def levels_to_treat(case: Case, assessment: Assessment) -> tuple[Level, ...]:
    """Candidate levels; with an override, every level the engine reviewed."""
    if assessment.candidate_levels:
        return assessment.candidate_levels
    reviewed = tuple(la.level for la in assessment.levels)
    return reviewed or case.levels_under_review


def _level_plans(case: Case, levels: tuple[Level, ...]) -> tuple[tuple[LevelPlan, ...], list[str]]:
    plans, missing = [], []
    for level, code, code_why in billing_codes(levels):
        approach, why, alternative, trade_offs = choose_approach()
        finding = latest_finding(case, level)
        if finding is None:
            missing.append(f"height loss at {level} (imaging finding): cement uses typical volume")
        plans.append(LevelPlan(
            level=level, approach=approach, approach_reason=why, alternative=alternative,
            alternative_trade_offs=trade_offs, cement=estimate_cement(finding, approach=approach),
            billing_code=code, billing_reason=code_why,
        ))  # fmt: skip
    return tuple(plans), missing


def _procedure_day(
    case: Case, procedure_date: date | None, date_option: str
) -> tuple[date | None, str]:
    if procedure_date is not None:
        return procedure_date, date_option
    where = f"{case.source}: procedure.date" if case.source else CASE_FILE_DATE
    return case.procedure.procedure_date, where


def _override(
    reasons: tuple[str, ...], override_reason: str | None, overridden_by: str | None
) -> tuple[str | None, str | None, list[str]]:
    """(override, who, warnings): the override when given with a reason, and what it keeps."""
    override = (override_reason or "").strip() or None
    who = (overridden_by or "").strip() or None
    if not reasons or override is None:  # nothing to override: no override is recorded
        return (override if reasons else None), (who if reasons else None), []
    return override, who, override_warnings(reasons, override=override, overridden_by=who)


def build_plan(
    case: Case,
    assessment: Assessment,
    *,
    procedure_date: date | None = None,
    override_reason: str | None = None,
    overridden_by: str | None = None,
    date_option: str = "--procedure-date",
    policy_option: str = "--policy",
) -> ProcedurePlan:
    """The clinician's procedure plan, or a refusal with every reason (a value, not an error).

    Parameters
    ----------
    procedure_date
        The planned date; defaults to ``case.procedure.procedure_date``.
    override_reason
        The physician's reason to plan despite the refusal reasons; recorded, and the
        reasons are restated under it. A blank reason overrides nothing.
    overridden_by
        The physician who overrides; recorded.
    date_option, policy_option
        How the caller names the procedure date and the policy in messages (a CLI
        option, a form field).

    Raises
    ------
    InvalidInput
        The policy is a triage policy (names ``policy_option``), or the procedure date falls
        before a fracture's onset, the latest imaging relied on, or ``assessment.on``.
    """
    check_can_plan(assessment, option=policy_option)
    proposed = levels_to_treat(case, assessment)
    day, option = _procedure_day(case, procedure_date, date_option)
    if day is not None:
        check_procedure_date(case, proposed, day, on=assessment.on, option=option)
    screen = screen_case(case, proposed, on=day or assessment.on)
    reasons = plan_refusal_reasons(assessment, screen)
    override, who, head = _override(reasons, override_reason, overridden_by)
    refused = bool(reasons) and override is None
    if refused and override_reason is not None:
        reasons += (BLANK_OVERRIDE,)
    return _compose(case, assessment, screen=screen, proposed=proposed, day=day, refused=refused,
                    reasons=reasons, override=override, who=who, head=head)  # fmt: skip


def _compose(
    case: Case,
    assessment: Assessment,
    *,
    screen: tuple[ScreenItem, ...],
    proposed: tuple[Level, ...],
    day: date | None,
    refused: bool,
    reasons: tuple[str, ...],
    override: str | None,
    who: str | None,
    head: list[str],
) -> ProcedurePlan:
    # A refused plan treats no level; its logistics are those of the proposed levels.
    level_plans, missing = _level_plans(case, () if refused else proposed)
    logistics = plan_logistics(case, max(1, len(proposed)))
    warnings = head + review_warnings(assessment) + screen_warnings(screen)
    warnings += list(assessment.warnings)
    warnings += window_warnings(assessment.procedure_window, day, on=assessment.on)
    warnings += [lp.billing_reason.text for lp in level_plans if lp.billing_code is None]
    missing += screen_missing(screen)
    if day is None:
        missing.append("procedure date (imaging age check, recovery dates)")
    return ProcedurePlan(
        case_id=case.case_id, policy_id=assessment.policy_id, decision=assessment.decision,
        assessed_on=assessment.on, refused=refused, refusal_reasons=reasons,
        override_reason=override, overridden_by=who, safety=screen, levels=level_plans,
        duration_low_min=logistics.duration_low_min, duration_high_min=logistics.duration_high_min,
        duration_reason=logistics.duration_reason, anesthesia=logistics.anesthesia,
        setting=logistics.setting, overnight_stay=logistics.overnight_stay,
        observation=logistics.observation, procedure_date=day,
        window=assessment.procedure_window,
        checklist=build_checklist(case, procedure_date=day, anesthesia=logistics.anesthesia.value),
        risk_factors=patient_risk_factors(case, on=day or assessment.on),
        warnings=tuple(warnings), missing=tuple(missing) + logistics.missing,
        disclaimer=DISCLAIMER,
    )  # fmt: skip
