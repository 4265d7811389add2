"""Seeded synthetic cases for benchmarks: varied facts, some unknown, one to two levels."""

from __future__ import annotations

import random
from datetime import date, timedelta

from kypho.domain import (
    Case,
    ConservativeTreatment,
    ContinuumOfCare,
    Contraindications,
    Etiology,
    Fracture,
    FunctionInstrument,
    FunctionScore,
    ImagingStudy,
    Level,
    LevelFinding,
    Modality,
    NsmModality,
    PainAssessment,
    Patient,
    Response,
    Sex,
)

ON = date(2026, 11, 21)
LEVEL_CHOICES = (Level.T4, Level.T7, Level.T11, Level.T12, Level.L1, Level.L2, Level.L4, Level.C7)
ETIOLOGIES = (Etiology.OSTEOPOROTIC,) * 8 + (Etiology.STEROID_INDUCED, Etiology.METASTASIS, None)


def _patient(rng: random.Random) -> Patient:
    sex = rng.choice(list(Sex))
    pregnant = False if sex is Sex.MALE else _flag(rng, 0.01)  # male and pregnant is refused
    return Patient(age_years=rng.randint(55, 95), sex=sex, pregnant=pregnant)


def _maybe(rng: random.Random, value: object, p_unknown: float = 0.1) -> object:
    return None if rng.random() < p_unknown else value


def _flag(rng: random.Random, p_true: float = 0.05, p_unknown: float = 0.05) -> bool | None:
    r = rng.random()
    return None if r < p_unknown else r < p_unknown + p_true


def _level_parts(rng: random.Random, level: Level) -> tuple[Fracture, LevelFinding]:
    fracture = Fracture(
        level=level,
        etiology=rng.choice(ETIOLOGIES),
        symptom_onset_date=_maybe(rng, ON - timedelta(days=rng.randint(3, 110))),  # type: ignore[arg-type]
        pain_attributed_to_fracture=_flag(rng, p_true=0.95),
    )
    finding = LevelFinding(
        level=level,
        marrow_edema=_flag(rng, p_true=0.85),
        height_loss_pct=_maybe(rng, round(rng.uniform(5, 50), 1), 0.3),  # type: ignore[arg-type]
        kyphotic_deformity=_flag(rng, p_true=0.3, p_unknown=0.3),
        progression=_flag(rng, p_true=0.3, p_unknown=0.3),
        retropulsion=_flag(rng, p_true=0.05),
    )
    return fracture, finding


def generated_case(rng: random.Random, i: int) -> Case:
    levels = rng.sample(LEVEL_CHOICES, rng.choice((1, 1, 1, 2)))
    parts = [_level_parts(rng, lv) for lv in levels]
    hospitalized = _flag(rng, p_true=0.3)
    pain = tuple(
        PainAssessment(
            score=rng.randint(3, 10), assessed_on=ON - timedelta(days=d), hospitalized=hospitalized
        )
        for d in (20, 2)[: rng.choice((1, 2, 2))]
    )
    care = (
        None
        if rng.random() < 0.1
        else (
            ConservativeTreatment(
                modality=rng.choice(list(NsmModality)),
                start_date=ON - timedelta(days=rng.randint(5, 60)),
                response=rng.choice(list(Response)),
            ),
        )
    )
    flags = {
        name: _flag(rng, p_true=0.02, p_unknown=0.03)
        for name in Contraindications.__dataclass_fields__
    }
    return Case(
        case_id=f"bench-{i}",
        patient=_patient(rng),
        fractures=tuple(f for f, _ in parts),
        imaging=(
            ImagingStudy(
                modality=Modality.MRI,
                study_date=ON - timedelta(days=rng.randint(1, 40)),
                findings=tuple(g for _, g in parts),
            ),
        ),
        pain=pain,
        function=(FunctionScore(instrument=FunctionInstrument.RDQ, score=rng.randint(8, 24)),)
        if rng.random() < 0.7
        else None,
        conservative_care=care,
        contraindications=Contraindications(**flags),
        continuum_of_care=ContinuumOfCare(
            bmd_referral_with_education=_flag(rng, p_true=0.9),
            osteoporosis_program_instruction=_flag(rng, p_true=0.9),
        ),
    )


def generated_cases(n: int, *, seed: int = 20261121) -> list[Case]:
    rng = random.Random(seed)
    return [generated_case(rng, i) for i in range(n)]
