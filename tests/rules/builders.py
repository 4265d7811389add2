"""Synthetic cases for rule tests: a fully documented candidate, varied one fact at a time."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, timedelta

from kypho.domain import (
    Case,
    ConservativeTreatment,
    ContinuumOfCare,
    Contraindications,
    Etiology,
    Fracture,
    ImagingStudy,
    Level,
    LevelFinding,
    Modality,
    NsmModality,
    PainAssessment,
    Patient,
    Response,
    Sex,
    SuspicionSigns,
)

ON = date(2026, 11, 21)
NO_CONTRAINDICATIONS = Contraindications(**{f.name: False for f in fields(Contraindications)})


def days_ago(n: int) -> date:
    return ON - timedelta(days=n)


def finding(level: Level = Level.L1, **kw: object) -> LevelFinding:
    base: dict[str, object] = {"marrow_edema": True, "retropulsion": False}
    base.update(kw)
    return LevelFinding(level=level, **base)  # type: ignore[arg-type]


def candidate(
    *,
    level: Level = Level.L1,
    onset_days: int = 35,
    pain: tuple[float, float] = (6, 8),
    hospitalized: bool | None = False,
    **finding_kw: object,
) -> Case:
    """Qualifies under both Medicare (path B, worsening pain) and the practice criteria."""
    return Case(
        case_id="test",
        patient=Patient(age_years=78, sex=Sex.FEMALE, pregnant=False),
        fractures=(
            Fracture(
                level=level,
                etiology=Etiology.OSTEOPOROTIC,
                symptom_onset_date=days_ago(onset_days),
                pain_attributed_to_fracture=True,
            ),
        ),
        imaging=(
            ImagingStudy(
                modality=Modality.MRI,
                study_date=days_ago(10),
                study_id="MR1",
                findings=(finding(level, **finding_kw),),
            ),
        ),
        pain=(
            PainAssessment(score=pain[0], assessed_on=days_ago(21), hospitalized=hospitalized),
            PainAssessment(score=pain[1], assessed_on=days_ago(1), hospitalized=hospitalized),
        ),
        conservative_care=(
            ConservativeTreatment(
                modality=NsmModality.ANALGESICS,
                start_date=days_ago(28),
                response=Response.UNCHANGED,
            ),
            ConservativeTreatment(
                modality=NsmModality.BRACING, start_date=days_ago(20), response=Response.WORSE
            ),
        ),
        contraindications=NO_CONTRAINDICATIONS,
        continuum_of_care=ContinuumOfCare(
            bmd_referral_with_education=True, osteoporosis_program_instruction=True
        ),
    )


def with_signs(case: Case, present: int, *, unknown: int = 0) -> Case:
    """Set the first ``present`` suspicion signs true, the next ``unknown`` unknown, rest false."""
    names = [f.name for f in fields(SuspicionSigns)]
    values: dict[str, bool | None] = {}
    for i, name in enumerate(names):
        values[name] = True if i < present else (None if i < present + unknown else False)
    return replace(case, suspicion_signs=SuspicionSigns(**values))


def multi_level(levels: tuple[Level, ...]) -> Case:
    """The candidate, with the same documented fracture at each of ``levels``, all planned."""
    from kypho.domain import PlannedProcedure

    base = candidate()
    template = base.fractures[0]  # type: ignore[index]
    study = base.imaging[0]  # type: ignore[index]
    return replace(
        base,
        fractures=tuple(replace(template, level=lv) for lv in levels),
        imaging=(replace(study, findings=tuple(finding(lv) for lv in levels)),),
        procedure=PlannedProcedure(levels=levels),
    )
