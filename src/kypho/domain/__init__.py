"""Value types of a kyphoplasty case: immutable, typed, units in their names."""

from kypho.domain.care import (
    AnalgesicUse,
    ContinuumOfCare,
    Contraindications,
    FollowUpVisit,
    NewFracture,
    OsteoporosisTreatment,
    PlannedProcedure,
    SuspicionSigns,
)
from kypho.domain.case import Case
from kypho.domain.fracture import Etiology, Fracture
from kypho.domain.imaging import Appearance, ImagingStudy, LevelFinding, Modality
from kypho.domain.levels import LEVELS, Level, Region, level_range, parse_level
from kypho.domain.patient import Patient, RiskFactors, Sex
from kypho.domain.symptoms import (
    ConservativeTreatment,
    FunctionInstrument,
    FunctionScore,
    NsmModality,
    PainAssessment,
    PainScale,
    Response,
)

__all__ = [
    "LEVELS",
    "AnalgesicUse",
    "Appearance",
    "Case",
    "ConservativeTreatment",
    "Contraindications",
    "ContinuumOfCare",
    "Etiology",
    "FollowUpVisit",
    "Fracture",
    "FunctionInstrument",
    "FunctionScore",
    "ImagingStudy",
    "Level",
    "LevelFinding",
    "Modality",
    "NewFracture",
    "NsmModality",
    "OsteoporosisTreatment",
    "PainAssessment",
    "PainScale",
    "Patient",
    "Region",
    "Response",
    "RiskFactors",
    "Sex",
    "SuspicionSigns",
    "PlannedProcedure",
    "level_range",
    "parse_level",
]
