"""What a procedure plan is made of: choices with reasons, levels, a checklist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    """A plan-wide choice (anesthesia, setting, overnight stay) with its reasons."""

    value: str
    reasons: tuple[Reason, ...]


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

    ``refused`` is true (and ``levels`` empty) when the case is not a candidate and
    no override reason was given; ``refusal_reasons`` then says why.
    """

    case_id: str
    policy_id: str
    decision: Decision
    assessed_on: date
    refused: bool
    refusal_reasons: tuple[str, ...]
    override_reason: str | None
    levels: tuple[LevelPlan, ...]
    duration_low_min: int
    duration_high_min: int
    duration_reason: Reason
    anesthesia: Choice
    setting: Choice
    overnight_stay: Choice
    procedure_date: date | None
    window: ProcedureWindow | None
    checklist: tuple[ChecklistItem, ...]
    risk_factors: tuple[RiskFactorStatus, ...]
    warnings: tuple[str, ...]
    missing: tuple[str, ...]
    disclaimer: str
