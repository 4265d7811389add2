"""Hypothesis strategies for domain objects: valid, spine-shaped, and quick to shrink.

``cases()`` builds a whole ``Case``; the component strategies are public so other
tests can build just a fracture or a pain history. Every value respects the domain's
invariants, so anything drawn here can be constructed, written and read back.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import date
from typing import TypeVar

from hypothesis import strategies as st

from kypho.domain import (
    LEVELS,
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
    PainScale,
    Patient,
    PlannedProcedure,
    Response,
    RiskFactors,
    Sex,
    SuspicionSigns,
)
from kypho.domain.symptoms import NRS_MAX, ODI_MAX_PCT, RDQ_MAX

T = TypeVar("T")

MAX_ITEMS = 3  # small collections keep examples fast and readable when they fail

levels = st.sampled_from(LEVELS)
clinical_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
flags = st.none() | st.booleans()
short_text = st.text(max_size=12)


def optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


def numbers(lo: float, hi: float, *, exclude_min: bool = False) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, exclude_min=exclude_min, allow_nan=False, allow_infinity=False)


def recorded(
    strategy: st.SearchStrategy[T], *, unique_by: Callable[[T], Hashable] | None = None
) -> st.SearchStrategy[tuple[T, ...] | None]:
    """``None`` (not recorded), ``()`` (recorded: none) or a few items."""
    items = st.lists(strategy, max_size=MAX_ITEMS, unique_by=unique_by)
    return st.none() | items.map(tuple)


def level_sets() -> st.SearchStrategy[tuple[Level, ...] | None]:
    return recorded(levels, unique_by=lambda level: level)


def _all_flags(cls: Callable[..., T]) -> st.SearchStrategy[T]:
    """Every field of a flags-only record (risk factors, contraindications...) as a flag."""
    names = inspect.signature(cls).parameters
    return st.builds(cls, **dict.fromkeys(names, flags))


def patients() -> st.SearchStrategy[Patient]:
    return st.builds(
        Patient,
        birth_date=optional(clinical_dates),
        age_years=optional(st.integers(0, 130)),
        sex=optional(st.sampled_from(Sex)),
        weight_kg=optional(numbers(0, 400, exclude_min=True)),
        height_cm=optional(numbers(30, 250)),
        pregnant=flags,
        on_anticoagulants=flags,
        asa_class=optional(st.integers(1, 6)),
        risk_factors=_all_flags(RiskFactors),
    )


def fractures(level: st.SearchStrategy[Level] = levels) -> st.SearchStrategy[Fracture]:
    return st.builds(
        Fracture,
        level=level,
        etiology=optional(st.sampled_from(Etiology)),
        symptom_onset_date=optional(clinical_dates),
        pain_attributed_to_fracture=flags,
        needs_reinforcement_before_surgery=flags,
    )


@st.composite
def _with_loss_range(draw: st.DrawFn, finding: LevelFinding) -> LevelFinding:
    """Sometimes a measured range around the height loss (both ends, or neither)."""
    value = finding.height_loss_pct
    if value is None or not draw(st.booleans()):
        return finding
    below, above = draw(numbers(0, 20)), draw(numbers(0, 20))
    return replace(
        finding,
        height_loss_min_pct=max(0.0, value - below),
        height_loss_max_pct=min(100.0, value + above),
    )


def level_findings() -> st.SearchStrategy[LevelFinding]:
    heights_mm = optional(numbers(0, 100))
    return st.builds(
        LevelFinding,
        level=levels,
        marrow_edema=flags,
        uptake=flags,
        appearance=optional(st.sampled_from(Appearance)),
        height_loss_pct=optional(numbers(0, 100)),
        anterior_height_mm=heights_mm,
        middle_height_mm=heights_mm,
        posterior_height_mm=heights_mm,
        reference_height_mm=optional(numbers(0, 100, exclude_min=True)),
        kyphotic_deformity=flags,
        wedge_angle_deg=optional(numbers(-90, 90)),
        retropulsion=flags,
        retropulsion_mm=optional(numbers(0, 50)),
        progression=flags,
        source=optional(short_text),
    ).flatmap(_with_loss_range)


def imaging_studies() -> st.SearchStrategy[ImagingStudy]:
    return st.builds(
        ImagingStudy,
        modality=st.sampled_from(Modality),
        study_date=optional(clinical_dates),
        study_id=optional(short_text),
        findings=st.lists(level_findings(), max_size=2, unique_by=lambda f: f.level).map(tuple),
    )


def pain_assessments() -> st.SearchStrategy[PainAssessment]:
    return st.builds(
        PainAssessment,
        score=numbers(0, NRS_MAX),
        scale=st.sampled_from(PainScale),
        assessed_on=optional(clinical_dates),
        hospitalized=flags,
    )


def function_scores() -> st.SearchStrategy[FunctionScore]:
    rdq = st.builds(
        FunctionScore,
        instrument=st.just(FunctionInstrument.RDQ),
        score=st.integers(0, RDQ_MAX).map(float),
        assessed_on=optional(clinical_dates),
    )
    odi = st.builds(
        FunctionScore,
        instrument=st.just(FunctionInstrument.ODI),
        score=numbers(0, ODI_MAX_PCT),
        assessed_on=optional(clinical_dates),
    )
    return rdq | odi


@st.composite
def conservative_treatments(draw: st.DrawFn) -> ConservativeTreatment:
    start, end = draw(optional(clinical_dates)), draw(optional(clinical_dates))
    if start and end and end < start:
        start, end = end, start
    return ConservativeTreatment(
        modality=draw(st.sampled_from(NsmModality)),
        start_date=start,
        end_date=end,
        response=draw(optional(st.sampled_from(Response))),
    )


def follow_up_visits() -> st.SearchStrategy[FollowUpVisit]:
    return st.builds(
        FollowUpVisit,
        visit_date=clinical_dates,
        nrs=optional(numbers(0, NRS_MAX)),
        odi_pct=optional(numbers(0, ODI_MAX_PCT)),
        rdq=optional(st.integers(0, RDQ_MAX)),
        new_fractures=level_sets(),
        complications=recorded(short_text),
    )


def procedures() -> st.SearchStrategy[PlannedProcedure]:
    return st.builds(PlannedProcedure, procedure_date=optional(clinical_dates), levels=level_sets())


def cases() -> st.SearchStrategy[Case]:
    """A whole case: any mix of known, unknown and recorded-as-none facts."""
    return st.builds(
        Case,
        case_id=st.text(min_size=1, max_size=16).filter(str.strip),
        patient=patients(),
        fractures=recorded(fractures(), unique_by=lambda f: f.level),
        imaging=recorded(imaging_studies()),
        pain=recorded(pain_assessments()),
        function=recorded(function_scores()),
        conservative_care=recorded(conservative_treatments()),
        contraindications=_all_flags(Contraindications),
        continuum_of_care=_all_flags(ContinuumOfCare),
        suspicion_signs=_all_flags(SuspicionSigns),
        procedure=procedures(),
        follow_up=recorded(follow_up_visits()),
    )
