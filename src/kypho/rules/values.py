"""Every fact as a bare value (and its bounds), for decisions without explanations.

``value_reader(fact)`` returns a function of a ``FactContext`` giving
``(value, bounds)``, equal to the full extractor's ``(obs.value, obs.bounds)`` but
without building its text. Facts without a text-free version here fall back to the
full extractor, so every fact in ``FACTS`` has one; the differential tests
(``tests/rules/test_fast_differential.py``) hold every reader to its extractor.

The ``*_of`` and ``*_in`` forms take plain arguments (the case, the date, a pain
series) instead of a context, for the generated code of ``kypho.rules.codegen``; the
context readers here call them, so each fact is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from kypho.domain.case import Case
from kypho.domain.levels import Level
from kypho.domain.patient import Patient
from kypho.domain.symptoms import FunctionInstrument, PainAssessment
from kypho.rules import facts_patient as pt
from kypho.rules import values_level as lv
from kypho.rules.facts import FACTS
from kypho.rules.observation import FactContext, FactValue

Bounds = tuple[float, float] | None
Reader = Callable[[FactContext], tuple[FactValue, Bounds]]
ValueOnly = Callable[[FactContext], FactValue]


def levels_under_review(case: Case) -> tuple[Level, ...]:
    """``case.levels_under_review``, without the generator the property builds."""
    return case.procedure.levels or tuple([f.level for f in case.fractures or ()])


def pain_series_of(case: Case, on: date) -> tuple[PainAssessment, ...]:
    """``facts_patient._pain_series`` without a context: undated first, then by date."""
    dated = [p for p in case.pain or () if p.assessed_on is None or p.assessed_on <= on]
    if len(dated) > 1:
        dated.sort(key=_pain_day)
    return tuple(dated)


def _pain_day(p: PainAssessment) -> tuple[bool, date | None]:
    return p.assessed_on is not None, p.assessed_on


def _latest_pain_field(name: str) -> ValueOnly:
    def read(ctx: FactContext) -> FactValue:
        series = pt._pain_series(ctx)
        return getattr(series[-1], name) if series else None

    return read


def pain_trajectory(ctx: FactContext) -> FactValue:
    return trajectory_in(pt._pain_series(ctx))


def trajectory_in(series: Sequence[PainAssessment]) -> FactValue:
    if len(series) < 2:
        return None
    before, latest = series[-2].score, series[-1].score
    return "worsening" if latest > before else ("improved" if latest < before else "stable")


def rdq_score(ctx: FactContext) -> FactValue:
    return rdq_of(ctx.case, ctx.on)


def rdq_of(case: Case, on: date) -> FactValue:
    scores = [
        s
        for s in case.function or ()
        if s.instrument is FunctionInstrument.RDQ and (s.assessed_on is None or s.assessed_on <= on)
    ]
    if not scores:
        return None
    return max(scores, key=lambda s: (s.assessed_on is not None, s.assessed_on)).score


def nsm_documented(ctx: FactContext) -> FactValue:
    if ctx.case.conservative_care is None:
        return None
    care, _ = pt._relevant_care(ctx)
    return bool(care)


def nsm_documented_of(case: Case, on: date) -> FactValue:
    """``nsm_documented`` without a context: a course started by ``on`` that did not end
    before the earliest symptom onset of the levels under review."""
    care = case.conservative_care
    if care is None:
        return None
    onset: date | None = None
    if case.fractures:
        under_review = levels_under_review(case)
        for f in case.fractures:
            day = f.symptom_onset_date
            if day is not None and f.level in under_review and (onset is None or day < onset):
                onset = day
    for t in care:
        if t.start_date is not None and t.start_date > on:
            continue
        if onset is None or t.end_date is None or t.end_date >= onset:
            return True
    return False


def kleene_any(values: Sequence[bool | None]) -> FactValue:
    """Kleene OR: yes if one is yes, unknown if one is unknown, else no."""
    if True in values:
        return True
    return None if None in values else False


def _any_flag(names: tuple[str, ...]) -> ValueOnly:
    """Kleene OR of contraindication flags: yes if one is yes, unknown if one is unknown."""

    def read(ctx: FactContext) -> FactValue:
        flags = ctx.case.contraindications
        return kleene_any([getattr(flags, n) for n in names])

    return read


def _attribute(holder: str, name: str) -> ValueOnly:
    def read(ctx: FactContext) -> FactValue:
        value: FactValue = getattr(getattr(ctx.case, holder), name)
        return value

    return read


def pregnant(ctx: FactContext) -> FactValue:
    return pregnant_of(ctx.case.patient)


def pregnant_of(patient: Patient) -> FactValue:
    if patient.pregnant is not None:
        return patient.pregnant
    if patient.sex is not None and patient.sex.value == "male":
        return False
    return None


def levels_in_procedure(ctx: FactContext) -> FactValue:
    levels = ctx.case.procedure.levels or ctx.case.fractures
    return len(levels) if levels else None


INFECTION = ("osteomyelitis", "discitis", "systemic_infection", "surgical_site_infection")
CONTRA = (
    "uncorrected_coagulopathy",
    "spinal_instability",
    "myelopathy",
    "neurologic_deficit",
    "neural_impingement",
)
VALUE_ONLY: dict[str, ValueOnly] = {
    "level": lv.level_name,
    "etiology": lv.etiology,
    "fracture_age_days": lv.fracture_age_days,
    "advanced_imaging_confirms": lv.advanced_imaging_confirms,
    "acute_imaging_found": lv.acute_imaging_found,
    "acute_imaging_age_days": lv.acute_imaging_age_days,
    "chronic_on_imaging": lv.chronic_on_imaging,
    "height_progression": lv.height_progression,
    "kyphotic_deformity": lv.kyphotic_deformity,
    "retropulsion": lv.retropulsion,
    "pain_attributed_to_fracture": lv.pain_attributed,
    "reinforcement_before_surgery": lv.reinforcement_before_surgery,
    "pain_score": _latest_pain_field("score"),
    "hospitalized": _latest_pain_field("hospitalized"),
    "pain_trajectory": pain_trajectory,
    "rdq_score": rdq_score,
    "nsm_documented": nsm_documented,
    "infection": _any_flag(INFECTION),
    "cement_or_contrast_allergy": _any_flag(("cement_allergy", "contrast_allergy")),
    "pregnant": pregnant,
    "bmd_referral_with_education": _attribute("continuum_of_care", "bmd_referral_with_education"),
    "osteoporosis_program_instruction": _attribute(
        "continuum_of_care", "osteoporosis_program_instruction"
    ),
    "levels_in_procedure": levels_in_procedure,
    **{name: _attribute("contraindications", name) for name in CONTRA},
    **{
        name: _attribute("suspicion_signs", name.removeprefix("sign_"))
        for name in FACTS
        if name.startswith("sign_")
    },
}
WITH_BOUNDS: dict[str, Reader] = {"height_loss_pct": lv.height_loss_pct}


def value_only(fact: str) -> ValueOnly | None:
    """The text-free value of ``fact``, when it never has bounds (else None)."""
    return VALUE_ONLY.get(fact)


def value_reader(fact: str) -> Reader:
    """``(value, bounds)`` of ``fact``: text-free where written here, else the full extractor."""
    if fact in WITH_BOUNDS:
        return WITH_BOUNDS[fact]
    plain = VALUE_ONLY.get(fact)
    if plain is not None:
        return lambda ctx: (plain(ctx), None)
    extract = FACTS[fact].extract

    def full(ctx: FactContext) -> tuple[FactValue, Bounds]:
        obs = extract(ctx)
        return obs.value, obs.bounds

    return full
