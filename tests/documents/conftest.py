"""A real plan and pathway for document tests; textstat's FK grade that works offline."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kypho.domain import (
    Case,
    Fracture,
    ImagingStudy,
    Level,
    LevelFinding,
    Modality,
    Patient,
    RiskFactors,
    Sex,
)
from kypho.pathway import RecoveryPathway, recovery_pathway
from kypho.planning import ProcedurePlan, build_plan
from kypho.rules.types import Assessment, Decision, LevelAssessment, ProcedureWindow

PROCEDURE_END = datetime(2026, 3, 10, 10, 15)


@pytest.fixture
def plan() -> ProcedurePlan:
    case = Case(
        case_id="EX-DOC-7",
        patient=Patient(age_years=81, sex=Sex.FEMALE, weight_kg=50.0, on_anticoagulants=False,
                        asa_class=2, risk_factors=RiskFactors(smoker=True)),
        fractures=(Fracture(level=Level.L1),),
        imaging=(ImagingStudy(modality=Modality.MRI, study_date=date(2026, 3, 1),
                              findings=(LevelFinding(level=Level.L1, height_loss_pct=30.0),)),),
    )  # fmt: skip
    assessment = Assessment(
        policy_id="practice", policy_title="Practice", policy_version="1", on=date(2026, 3, 2),
        decision=Decision.CANDIDATE, criteria=(), missing=(),
        levels=(LevelAssessment(level=Level.L1, decision=Decision.CANDIDATE, criteria=()),),
        procedure_window=ProcedureWindow(earliest=date(2026, 3, 2), latest=date(2026, 3, 31),
                                         constraints=()),
    )  # fmt: skip
    return build_plan(case, assessment, procedure_date=date(2026, 3, 10))


@pytest.fixture
def pathway() -> RecoveryPathway:
    return recovery_pathway(PROCEDURE_END)


@pytest.fixture
def fk_grade(monkeypatch: pytest.MonkeyPatch) -> object:
    """textstat's Flesch-Kincaid grade.

    textstat counts syllables with NLTK's CMU dictionary, downloaded on first use; where
    it is not installed (offline CI) textstat's own fallback, pyphen, counts them.
    """
    import nltk
    import textstat
    import textstat.backend.counts._count_syllables as counting

    try:
        nltk.data.find("corpora/cmudict")
    except LookupError:
        monkeypatch.setattr(counting, "get_cmudict", lambda lang: None)
    return textstat.flesch_kincaid_grade
