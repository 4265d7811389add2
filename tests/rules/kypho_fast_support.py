"""Seeded, clinically shaped cases that reach every branch the fact readers take.

Unlike ``tests/strategies.py`` (any valid case, dates anywhere in two centuries), these
cases cluster around the assessment date ``ON``: several studies per level (advanced
and plain, some before symptom onset, some undated), acute and chronic appearances,
measured heights and height ranges around the 25 % threshold, planned levels, courses
of care that ended before onset, and every flag true, false or unknown.
"""

from __future__ import annotations

import random
from dataclasses import fields
from datetime import date, timedelta

from kypho.domain import (
    Appearance,
    Case,
    ConservativeTreatment,
    ContinuumOfCare,
    Contraindications,
    Etiology,
    FollowUpVisit,
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
    PlannedProcedure,
    Response,
    Sex,
    SuspicionSigns,
)

ON = date(2026, 11, 21)
LEVELS = (Level.C7, Level.T1, Level.T4, Level.T7, Level.T11, Level.T12, Level.L1, Level.L2)


class ShapedRandom(random.Random):
    """A seeded generator whose chance of an unknown fact is scaled per case."""

    unknown_scale = 1.0


def _flag(rng: random.Random, p_true: float = 0.5, p_unknown: float = 0.25) -> bool | None:
    p_unknown *= getattr(rng, "unknown_scale", 1.0)
    r = rng.random()
    return None if r < p_unknown else r < p_unknown + (1 - p_unknown) * p_true


def _vague(rng: random.Random) -> bool:
    return getattr(rng, "unknown_scale", 1.0) == 1.0


def _day(rng: random.Random, most_days_ago: int, p_undated: float = 0.1) -> date | None:
    return None if rng.random() < p_undated else ON - timedelta(days=rng.randint(0, most_days_ago))


def _finding(rng: random.Random, level: Level) -> LevelFinding:
    loss = rng.choice((None, None, 25.0, round(rng.uniform(0, 60), 2)))
    ranged = loss is not None and rng.random() < 0.3
    heights = rng.random() < 0.2 and loss is None
    return LevelFinding(
        level=level,
        marrow_edema=_flag(rng),
        uptake=_flag(rng, p_unknown=0.6),
        appearance=rng.choice((None, None, Appearance.ACUTE, Appearance.CHRONIC)),
        height_loss_pct=loss,
        height_loss_min_pct=max(0.0, loss - rng.uniform(0, 8)) if ranged and loss else None,
        height_loss_max_pct=min(100.0, loss + rng.uniform(0, 8)) if ranged and loss else None,
        anterior_height_mm=rng.uniform(10, 30) if heights else None,
        middle_height_mm=rng.uniform(10, 30) if heights else None,
        posterior_height_mm=rng.uniform(20, 30) if heights else None,
        kyphotic_deformity=_flag(rng),
        retropulsion=_flag(rng, p_true=0.2),
        progression=_flag(rng),
        source=rng.choice((None, "reader", "kypho measure")),
    )


def _study(rng: random.Random, levels: list[Level]) -> ImagingStudy:
    shown = [lv for lv in levels if rng.random() < 0.8]
    return ImagingStudy(
        modality=rng.choice(list(Modality)),
        study_date=_day(rng, 150),
        study_id=rng.choice((None, "s1", "s2")),
        findings=tuple(_finding(rng, lv) for lv in shown),
    )


def _care(rng: random.Random) -> tuple[ConservativeTreatment, ...] | None:
    if rng.random() < 0.15:
        return None
    out = []
    for _ in range(rng.choice((0, 1, 1, 2) if _vague(rng) else (1, 2))):
        start = _day(rng, 200)
        end = None
        if start is not None and rng.random() < 0.3:
            end = start + timedelta(days=rng.randint(0, 60))
        response = rng.choice((None, *Response))
        modality = rng.choice(list(NsmModality))
        out.append(
            ConservativeTreatment(
                modality=modality, start_date=start, end_date=end, response=response
            )
        )
    return tuple(out)


def _patient(rng: random.Random) -> Patient:
    sex = rng.choice((None, Sex.FEMALE, Sex.MALE))
    born = rng.choice((None, date(1940, 3, 4), date(1960, 11, 22)))
    return Patient(
        birth_date=born,
        age_years=None if born else rng.choice((None, 48, 50, 70, 91)),
        sex=sex,
        pregnant=False if sex is Sex.MALE else _flag(rng, p_true=0.05),
    )


def shaped_case(rng: ShapedRandom, i: int) -> Case:
    """One case; about half are well documented (few unknowns), so every decision occurs."""
    rng.unknown_scale = rng.choice((0.05, 1.0))
    levels = rng.sample(LEVELS, rng.choice((0, 1, 1, 1, 2, 3)))
    fractures = tuple(
        Fracture(
            level=lv,
            etiology=rng.choice((None, Etiology.OSTEOPOROTIC, Etiology.OSTEOPOROTIC, *Etiology)),
            symptom_onset_date=_day(rng, 120),
            pain_attributed_to_fracture=_flag(rng, p_true=0.7),
            needs_reinforcement_before_surgery=_flag(rng),
        )
        for lv in levels
    )
    planned = None
    if levels and rng.random() < 0.2:
        planned = tuple(rng.sample(levels, rng.randint(1, len(levels))))
    pain = tuple(
        PainAssessment(
            score=rng.randint(0 if _vague(rng) else 6, 10),
            assessed_on=_day(rng, 60, 0.2),
            hospitalized=_flag(rng, p_true=0.3),
        )
        for _ in range(rng.choice((0, 1, 2, 3)))
    )
    rdq = tuple(
        FunctionScore(
            instrument=FunctionInstrument.RDQ,
            score=rng.randint(10, 24),
            assessed_on=_day(rng, 60, 0.3),
        )
        for _ in range(rng.choice((0, 1, 2)))
    )
    visits = None
    if rng.random() < 0.1:
        visits = (FollowUpVisit(visit_date=ON - timedelta(days=rng.randint(0, 9))),)
    return Case(
        case_id=f"shaped-{i}",
        patient=_patient(rng),
        fractures=fractures if levels or rng.random() < 0.5 else None,
        imaging=tuple(_study(rng, levels) for _ in range(rng.choice((0, 1, 2, 3)))) or None,
        pain=pain if pain or rng.random() < 0.5 else None,
        function=rdq or None,
        conservative_care=_care(rng),
        contraindications=Contraindications(
            **{f.name: _flag(rng, 0.04, 0.2) for f in fields(Contraindications)}
        ),
        continuum_of_care=ContinuumOfCare(
            bmd_referral_with_education=_flag(rng, 0.7, 0.15),
            osteoporosis_program_instruction=_flag(rng, 0.7, 0.15),
        ),
        suspicion_signs=SuspicionSigns(**{f.name: _flag(rng) for f in fields(SuspicionSigns)}),
        procedure=PlannedProcedure(levels=planned),
        follow_up=visits,
    )


def shaped_cases(n: int, *, seed: int = 13) -> list[Case]:
    rng = ShapedRandom(seed)
    return [shaped_case(rng, i) for i in range(n)]
