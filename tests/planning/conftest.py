"""Real case and assessment values shaped like the examples (no mocks)."""

from __future__ import annotations

from datetime import date

import pytest

from kypho.domain import (
    Case,
    Etiology,
    Fracture,
    ImagingStudy,
    Level,
    LevelFinding,
    Modality,
    PainAssessment,
    Patient,
    RiskFactors,
    Sex,
)
from kypho.rules.types import (
    Assessment,
    Citation,
    CriterionResult,
    Decision,
    LevelAssessment,
    Outcome,
    ProcedureWindow,
    Role,
    WindowConstraint,
)
from rules.builders import NO_CONTRAINDICATIONS

ON = date(2026, 3, 2)
ONSET = date(2026, 2, 1)
IMAGING_DAY = date(2026, 2, 20)
FRACTURE_FACTS: dict[str, object] = {
    "etiology": Etiology.OSTEOPOROTIC,
    "pain_attributed_to_fracture": True,
}
WINDOW = ProcedureWindow(
    on=ON,
    earliest=date(2026, 3, 2),
    latest=date(2026, 3, 27),
    constraints=(
        WindowConstraint(
            criterion_id="imaging-recent",
            text="Imaging within 30 days",
            earliest=None,
            latest=date(2026, 3, 27),
            redo_after="repeat imaging",
        ),
    ),
)


def make_case(**patient: object) -> Case:
    """A 78-year-old woman with acute T12 (measured heights) and L1 (reported loss) fractures.

    Every contraindication is recorded absent; tests vary one fact at a time.
    """
    defaults: dict[str, object] = {
        "age_years": 78,
        "sex": Sex.FEMALE,
        "weight_kg": 52.0,
        "on_anticoagulants": False,
        "pregnant": False,
        "asa_class": 2,
        "risk_factors": RiskFactors(smoker=True, chronic_steroid_use=False),
    }
    defaults.update(patient)
    return Case(
        case_id="EX-001",
        patient=Patient(**defaults),  # type: ignore[arg-type]
        fractures=(
            Fracture(level=Level.T12, symptom_onset_date=ONSET, **FRACTURE_FACTS),  # type: ignore[arg-type]
            Fracture(level=Level.L1, symptom_onset_date=ONSET, **FRACTURE_FACTS),  # type: ignore[arg-type]
        ),
        imaging=(
            ImagingStudy(
                modality=Modality.MRI,
                study_date=IMAGING_DAY,
                findings=(
                    LevelFinding(
                        level=Level.T12,
                        marrow_edema=True,
                        anterior_height_mm=14.0,
                        middle_height_mm=18.0,
                        posterior_height_mm=24.0,
                        reference_height_mm=26.0,
                        retropulsion=False,
                        source="kypho measure",
                    ),
                    LevelFinding(
                        level=Level.L1, marrow_edema=True, height_loss_pct=30.0, retropulsion=False
                    ),
                ),
            ),
        ),
        pain=(PainAssessment(score=8, assessed_on=date(2026, 2, 25), hospitalized=False),),
        contraindications=NO_CONTRAINDICATIONS,
    )


def make_assessment(
    decision: Decision = Decision.CANDIDATE,
    levels: tuple[Level, ...] = (Level.T12, Level.L1),
    window: ProcedureWindow | None = WINDOW,
) -> Assessment:
    def criterion(level: Level) -> CriterionResult:
        return CriterionResult(
            id="fracture-age",
            text="Fracture is under 12 weeks old",
            outcome=Outcome.MET if decision is Decision.CANDIDATE else Outcome.NOT_MET,
            role=Role.REQUIRE,
            observed="30 days",
            threshold="<= 84 days",
            citations=(Citation(source="001_ed546894017ef93a.txt"),),
            level=level,
        )

    return Assessment(
        policy_id="practice",
        policy_title="Practice criteria",
        policy_version="1",
        on=ON,
        decision=decision,
        criteria=(),
        levels=tuple(
            LevelAssessment(
                level=lv,
                decision=decision,
                criteria=(criterion(lv),),
            )
            for lv in levels
        ),
        missing=(),
        procedure_window=window,
    )


@pytest.fixture
def case() -> Case:
    return make_case()


@pytest.fixture
def assessment() -> Assessment:
    return make_assessment()


@pytest.fixture
def new_case() -> object:
    """Factory: ``new_case(asa_class=4)`` overrides patient fields."""
    return make_case


@pytest.fixture
def new_assessment() -> object:
    """Factory: ``new_assessment(Decision.NOT_CANDIDATE)``."""
    return make_assessment
