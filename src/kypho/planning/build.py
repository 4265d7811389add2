"""Compose a procedure plan from a case and its candidacy assessment (pure)."""

from __future__ import annotations

from datetime import date

from kypho.domain.case import Case
from kypho.domain.imaging import LevelFinding
from kypho.domain.levels import Level
from kypho.planning.approach import choose_approach
from kypho.planning.cement import estimate_cement
from kypho.planning.checklist import build_checklist
from kypho.planning.coding import billing_codes
from kypho.planning.logistics import plan_logistics
from kypho.planning.risk_factors import patient_risk_factors
from kypho.planning.types import Anesthesia, LevelPlan, ProcedurePlan
from kypho.rules.types import Assessment, CriterionResult, Decision, Outcome, Role

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


def _blocking(c: CriterionResult) -> str | None:
    where = f"{c.level}: " if c.level else ""
    detail = f" (observed: {c.observed}; threshold: {c.threshold})"
    if c.role is Role.REQUIRE and c.outcome is Outcome.NOT_MET:
        return f"{where}not met: {c.text}{detail}"
    if c.role is Role.REQUIRE and c.outcome is Outcome.UNKNOWN:
        return f"{where}unknown: {c.text}{detail}"
    if c.role in (Role.EXCLUDE, Role.REVIEW) and c.outcome is Outcome.MET:
        kind = "contraindication" if c.role is Role.EXCLUDE else "needs review"
        return f"{where}{kind}: {c.text}{detail}"
    return None


def refusal_reasons(assessment: Assessment) -> tuple[str, ...]:
    """Why the case is not a candidate: blocking criteria, then missing facts."""
    criteria = list(assessment.criteria)
    for la in assessment.levels:
        criteria += la.criteria
    reasons = [f"decision under policy {assessment.policy_id}: {assessment.decision}"]
    reasons += [r for r in map(_blocking, criteria) if r is not None]
    reasons += [
        f"missing: {m.fact}" + (f" at {m.level}" if m.level else "") + f" (from {m.document})"
        for m in assessment.missing
    ]
    return tuple(reasons)


def levels_to_treat(case: Case, assessment: Assessment) -> tuple[Level, ...]:
    """Candidate levels; with an override, every level the engine reviewed."""
    if assessment.candidate_levels:
        return assessment.candidate_levels
    reviewed = tuple(la.level for la in assessment.levels)
    return reviewed or case.levels_under_review


def window_warnings(assessment: Assessment, procedure_date: date | None) -> list[str]:
    """Warnings about the procedure date against the engine's window."""
    window = assessment.procedure_window
    if window is None:
        return ["the candidacy engine gave no procedure window; check timing criteria by hand"]
    if window.empty:
        return [f"the procedure window is empty ({window.earliest} > {window.latest})"]
    if procedure_date is not None and not window.contains(procedure_date):
        return [
            f"procedure date {procedure_date} is outside the window "
            f"{window.earliest or 'open'} to {window.latest or 'open'}; "
            + "; ".join(f"{c.text}: {c.redo_after}" for c in window.constraints)
        ]
    return []


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


def build_plan(
    case: Case,
    assessment: Assessment,
    *,
    procedure_date: date | None = None,
    override_reason: str | None = None,
) -> ProcedurePlan:
    """The clinician's procedure plan, or a refusal with reasons.

    Parameters
    ----------
    procedure_date
        The planned date; defaults to ``case.procedure.procedure_date``.
    override_reason
        The clinician's reason to plan a case that is not a candidate; recorded.
    """
    day = procedure_date or case.procedure.procedure_date
    override = (override_reason or "").strip() or None
    refused = assessment.decision is not Decision.CANDIDATE and override is None
    reasons = refusal_reasons(assessment) if assessment.decision is not Decision.CANDIDATE else ()
    levels = () if refused else levels_to_treat(case, assessment)
    level_plans, missing = _level_plans(case, levels)
    logistics = plan_logistics(case, max(1, len(levels)))
    warnings = list(assessment.warnings) + window_warnings(assessment, day)
    warnings += [lp.billing_reason.text for lp in level_plans if lp.billing_code is None]
    if override is not None and assessment.decision is not Decision.CANDIDATE:
        warnings.insert(0, f"planned against decision {assessment.decision}: override: {override}")
    if day is None:
        missing.append("procedure date (imaging age check, recovery dates)")
    return ProcedurePlan(
        case_id=case.case_id, policy_id=assessment.policy_id, decision=assessment.decision,
        assessed_on=assessment.on, refused=refused, refusal_reasons=reasons,
        override_reason=override, levels=level_plans,
        duration_low_min=logistics.duration_low_min, duration_high_min=logistics.duration_high_min,
        duration_reason=logistics.duration_reason, anesthesia=logistics.anesthesia,
        setting=logistics.setting, overnight_stay=logistics.overnight_stay, procedure_date=day,
        window=assessment.procedure_window,
        checklist=build_checklist(case, procedure_date=day,
                                  anesthesia=Anesthesia(logistics.anesthesia.value)),
        risk_factors=patient_risk_factors(case, on=day or assessment.on),
        warnings=tuple(warnings), missing=tuple(missing) + logistics.missing,
        disclaimer=DISCLAIMER,
    )  # fmt: skip
