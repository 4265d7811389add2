"""What a procedure plan is made of: choices with reasons, levels, a checklist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from kypho.domain.levels import Level
from kypho.rules.types import Citation, Decision, ProcedureWindow


class Approach(StrEnum):
    BIPEDICULAR = "bipedicular"
    UNIPEDICULAR = "unipedicular"


class Anesthesia(StrEnum):
    LOCAL_WITH_SEDATION = "local_with_sedation"
    GENERAL = "general"


class Setting(StrEnum):
    OFFICE_SUITE = "office_suite"
    OUTPATIENT_DEPARTMENT = "outpatient_department"
    HOSPITAL = "hospital"


class OvernightStay(StrEnum):
    EXPECTED = "expected"
    NOT_EXPECTED = "not expected"


class Discharge(StrEnum):
    """How the patient leaves after the procedure; the observation time follows from it."""

    SAME_DAY_OFFICE = "same_day_office"  # office suite, local with sedation: a short watch
    SAME_DAY_AFTER_RECOVERY = "same_day_after_recovery"  # hours in recovery, then home
    OVERNIGHT = "overnight"  # recovery, then a night in hospital
    INPATIENT = "inpatient"  # already in hospital: back to the ward


class ContraindicationClass(StrEnum):
    ABSOLUTE = "absolute"  # refuses the plan unless a physician overrides with a reason
    RELATIVE = "relative"  # a warning at the top of the plan


class CheckStatus(StrEnum):
    DONE = "done"
    TO_DO = "to_do"
    NEEDS_ATTENTION = "needs_attention"
    NOT_RECORDED = "not_recorded"
    NOT_NEEDED = "not_needed"


class FactorStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    NOT_RECORDED = "not_recorded"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reason:
    """Why a choice was made, and where the rule behind it comes from."""

    text: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CementEstimate:
    """Balloon size class and expected PMMA volume for one level and approach."""

    balloon_size_class: str  # e.g. "15/x (medium)"
    volume_low_ml: float
    volume_high_ml: float
    basis: str  # "morphometry" or "published typical"
    reason: Reason


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelPlan:
    level: Level
    approach: Approach
    approach_reason: Reason
    alternative: Approach
    alternative_trade_offs: Reason
    cement: CementEstimate
    billing_code: str | None
    billing_reason: Reason


V = TypeVar("V", Anesthesia, Setting, OvernightStay)


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice(Generic[V]):
    """A plan-wide choice (anesthesia, setting, overnight stay) with its reasons."""

    value: V
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """How long staff watch the patient after the procedure, and how the patient leaves.

    ``low_min``/``high_min`` are the minutes of observation before discharge home (same
    day) or before transfer to the ward (overnight, inpatient).
    """

    discharge: Discharge
    low_min: int
    high_min: int
    reason: Reason


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenItem:
    """One contraindication checked before planning: present, absent or not recorded.

    ``field`` is where the case file records it; ``level`` is set for per-level items.
    """

    name: str
    status: FactorStatus
    contraindication_class: ContraindicationClass
    detail: str
    citations: tuple[Citation, ...]
    field: str
    level: Level | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistItem:
    item: str
    status: CheckStatus
    detail: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskFactorStatus:
    """One of the patient's risk factors: present, absent or not recorded."""

    name: str
    status: FactorStatus
    detail: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcedurePlan:
    """The clinician's plan, or the refusal to plan, with every reason.

    ``refusal_reasons`` lists everything that would refuse the plan: the policy's
    blocking criteria when the decision is not "candidate", and every absolute
    contraindication present in ``safety``. ``refused`` is true (and ``levels`` empty)
    when there is such a reason and no physician's override reason was given. After an
    override the reasons are kept, and ``warnings`` restates them under the override.
    """

    case_id: str
    policy_id: str
    decision: Decision
    assessed_on: date
    refused: bool
    refusal_reasons: tuple[str, ...]
    override_reason: str | None
    overridden_by: str | None
    safety: tuple[ScreenItem, ...]
    levels: tuple[LevelPlan, ...]
    duration_low_min: int
    duration_high_min: int
    duration_reason: Reason
    anesthesia: Choice[Anesthesia]
    setting: Choice[Setting]
    overnight_stay: Choice[OvernightStay]
    observation: Observation
    procedure_date: date | None
    window: ProcedureWindow | None
    checklist: tuple[ChecklistItem, ...]
    risk_factors: tuple[RiskFactorStatus, ...]
    warnings: tuple[str, ...]
    missing: tuple[str, ...]
    disclaimer: str
    # The osteoporosis follow-through for this case (pathway.osteoporosis_steps), filled
    # by workflows.plan_case: a CT's low bone density flag makes its first step name it.
    osteoporosis_steps: tuple[str, ...] = ()
