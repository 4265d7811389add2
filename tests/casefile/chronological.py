"""Whole cases whose dates add up, for the round-trip properties.

``strategies.cases()`` draws each date on its own, so it can draw a male patient who
is pregnant, an event before birth or a follow-up visit before the procedure: all
refused by the domain since the chronology checks. This strategy draws the same
parts and then orders their dates. (It belongs in ``tests/strategies.py``; kept here
until that file takes it.)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import strategies as st

from kypho.domain import (
    Case,
    ContinuumOfCare,
    Contraindications,
    FollowUpVisit,
    Patient,
    PlannedProcedure,
    RiskFactors,
    Sex,
    SuspicionSigns,
)
from kypho.domain.chronology import EARLIEST_DATE, clinical_events
from strategies import (
    _all_flags,
    clinical_dates,
    conservative_treatments,
    flags,
    follow_up_visits,
    fractures,
    function_scores,
    imaging_studies,
    numbers,
    optional,
    pain_assessments,
    procedures,
    recorded,
)


@st.composite
def patients(draw: st.DrawFn) -> Patient:
    """As ``strategies.patients()``, but a male patient is never recorded pregnant."""
    sex = draw(optional(st.sampled_from(Sex)))
    return draw(
        st.builds(
            Patient,
            birth_date=optional(clinical_dates),
            age_years=optional(st.integers(0, 130)),
            sex=st.just(sex),
            weight_kg=optional(numbers(0, 400, exclude_min=True)),
            height_cm=optional(numbers(30, 250)),
            pregnant=st.none() | st.just(False) if sex is Sex.MALE else flags,
            on_anticoagulants=flags,
            asa_class=optional(st.integers(1, 6)),
            risk_factors=_all_flags(RiskFactors),
        )
    )


def _procedure_before_visits(
    procedure: PlannedProcedure, visits: tuple[FollowUpVisit, ...] | None
) -> PlannedProcedure:
    done = procedure.procedure_date
    if done is None or not visits:
        return procedure
    first_visit = min(v.visit_date for v in visits)
    if done < first_visit:
        return procedure
    if first_visit == EARLIEST_DATE:
        return replace(procedure, procedure_date=None)
    return replace(procedure, procedure_date=first_visit - timedelta(days=1))


@st.composite
def chronological_cases(draw: st.DrawFn) -> Case:
    """A whole case: any mix of known, unknown and recorded-as-none facts, dates in order."""
    patient = draw(patients())
    visits = draw(recorded(follow_up_visits()))
    case = Case(
        case_id=draw(st.text(min_size=1, max_size=16).filter(str.strip)),
        patient=replace(patient, birth_date=None),
        fractures=draw(recorded(fractures(), unique_by=lambda f: f.level)),
        imaging=draw(recorded(imaging_studies())),
        pain=draw(recorded(pain_assessments())),
        function=draw(recorded(function_scores())),
        conservative_care=draw(recorded(conservative_treatments())),
        contraindications=draw(_all_flags(Contraindications)),
        continuum_of_care=draw(_all_flags(ContinuumOfCare)),
        suspicion_signs=draw(_all_flags(SuspicionSigns)),
        procedure=_procedure_before_visits(draw(procedures()), visits),
        follow_up=visits,
    )
    born = patient.birth_date
    events = [day for _, day in clinical_events(case)]
    if born is not None and events:
        born = min(born, *events)
    return replace(case, patient=replace(patient, birth_date=born))
