"""Procedure planning: levels, approach, cement volume, codes, logistics, risks, checklist."""

from kypho.planning.build import DISCLAIMER, build_plan, refusal_reasons
from kypho.planning.cement import VOLUME_BY_GRADE, estimate_cement
from kypho.planning.coding import billing_codes
from kypho.planning.risk_factors import patient_risk_factors
from kypho.planning.risks import ALTERNATIVES, BENEFITS, RISKS, Option, Risk
from kypho.planning.types import (
    Anesthesia,
    Approach,
    CementEstimate,
    ChecklistItem,
    CheckStatus,
    Choice,
    FactorStatus,
    LevelPlan,
    ProcedurePlan,
    Reason,
    RiskFactorStatus,
    Setting,
)

__all__ = [
    "ALTERNATIVES",
    "BENEFITS",
    "DISCLAIMER",
    "RISKS",
    "VOLUME_BY_GRADE",
    "Anesthesia",
    "Approach",
    "CementEstimate",
    "CheckStatus",
    "ChecklistItem",
    "Choice",
    "FactorStatus",
    "LevelPlan",
    "Option",
    "ProcedurePlan",
    "Reason",
    "Risk",
    "RiskFactorStatus",
    "Setting",
    "billing_codes",
    "build_plan",
    "estimate_cement",
    "patient_risk_factors",
    "refusal_reasons",
]
