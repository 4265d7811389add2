"""Procedure planning: safety screen, levels, approach, cement, codes, logistics, checklist."""

from kypho.planning.build import DISCLAIMER, build_plan
from kypho.planning.cement import VOLUME_BY_GRADE, estimate_cement
from kypho.planning.coding import billing_codes
from kypho.planning.observation import plan_observation
from kypho.planning.refusal import refusal_reasons
from kypho.planning.risk_factors import patient_risk_factors
from kypho.planning.risks import ALTERNATIVES, BENEFITS, RISKS, Option, Risk
from kypho.planning.safety import MIN_AGE_YEARS, screen_case
from kypho.planning.safety_levels import MAX_LEVELS_ONE_SESSION
from kypho.planning.types import (
    Anesthesia,
    Approach,
    CementEstimate,
    ChecklistItem,
    CheckStatus,
    Choice,
    ContraindicationClass,
    Discharge,
    FactorStatus,
    LevelPlan,
    Observation,
    OvernightStay,
    ProcedurePlan,
    Reason,
    RiskFactorStatus,
    ScreenItem,
    Setting,
)

__all__ = [
    "ALTERNATIVES",
    "BENEFITS",
    "DISCLAIMER",
    "MAX_LEVELS_ONE_SESSION",
    "MIN_AGE_YEARS",
    "RISKS",
    "VOLUME_BY_GRADE",
    "Anesthesia",
    "Approach",
    "CementEstimate",
    "CheckStatus",
    "ChecklistItem",
    "Choice",
    "ContraindicationClass",
    "Discharge",
    "FactorStatus",
    "LevelPlan",
    "Observation",
    "Option",
    "OvernightStay",
    "ProcedurePlan",
    "Reason",
    "Risk",
    "RiskFactorStatus",
    "ScreenItem",
    "Setting",
    "billing_codes",
    "build_plan",
    "estimate_cement",
    "patient_risk_factors",
    "plan_observation",
    "refusal_reasons",
    "screen_case",
]
