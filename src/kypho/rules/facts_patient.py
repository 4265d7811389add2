"""Facts about the whole patient or procedure: pain, function, care, contraindications."""

from __future__ import annotations

from datetime import date
from typing import cast

from kypho.domain.symptoms import (
    ConservativeTreatment,
    FunctionInstrument,
    PainAssessment,
    Response,
)
from kypho.rules.observation import UNKNOWN, Extractor, FactContext, Observation


def _pain_series(ctx: FactContext) -> tuple[PainAssessment, ...]:
    cached = ctx.derived.get("pain")
    if cached is None:
        on = ctx.on
        dated = [p for p in ctx.case.pain or () if p.assessed_on is None or p.assessed_on <= on]
        # undated assessments keep their order in the file, before the dated ones
        cached = tuple(sorted(dated, key=lambda p: (p.assessed_on is not None, p.assessed_on)))
        ctx.derived["pain"] = cached
    return cast(tuple[PainAssessment, ...], cached)


def _latest_pain(ctx: FactContext) -> PainAssessment | None:
    series = _pain_series(ctx)
    return series[-1] if series else None


def pain_score(ctx: FactContext) -> Observation:
    latest = _latest_pain(ctx)
    if latest is None:
        return UNKNOWN
    when = f" on {latest.assessed_on}" if latest.assessed_on else ""
    return Observation(latest.score, f"{latest.scale} {latest.score:g}/10{when}")


def hospitalized(ctx: FactContext) -> Observation:
    latest = _latest_pain(ctx)
    if latest is None or latest.hospitalized is None:
        return UNKNOWN
    return Observation(latest.hospitalized, "hospitalized" if latest.hospitalized else "outpatient")


def pain_trajectory(ctx: FactContext) -> Observation:
    """Worsening, stable or improved: the latest score against the one before it.

    Any rise counts as worsening; the LCD names the trajectory without a size
    (clinical reference 1.2, path B), so no minimum change is imposed.
    """
    series = _pain_series(ctx)
    if len(series) < 2:
        return Observation(None, "only one pain score recorded" if series else "not recorded")
    before, latest = series[-2], series[-1]
    if latest.score > before.score:
        word = "worsening"
    elif latest.score < before.score:
        word = "improved"
    else:
        word = "stable"
    return Observation(word, f"{word} ({before.score:g} -> {latest.score:g})")


def rdq_score(ctx: FactContext) -> Observation:
    scores = [
        s
        for s in ctx.case.function or ()
        if s.instrument is FunctionInstrument.RDQ
        and (s.assessed_on is None or s.assessed_on <= ctx.on)
    ]
    if not scores:
        return UNKNOWN
    latest = max(scores, key=lambda s: (s.assessed_on is not None, s.assessed_on))
    when = f" on {latest.assessed_on}" if latest.assessed_on else ""
    return Observation(latest.score, f"RDQ {latest.score:g}/24{when}")


def _onset(ctx: FactContext) -> date | None:
    """The earliest symptom onset among the fractures under review (None if none dated)."""
    under_review = set(ctx.case.levels_under_review)
    onsets = [
        f.symptom_onset_date
        for f in ctx.case.fractures or ()
        if f.level in under_review and f.symptom_onset_date is not None
    ]
    return min(onsets, default=None)


def _relevant_care(ctx: FactContext) -> tuple[list[ConservativeTreatment], tuple[str, ...]]:
    """Courses started by ``on`` that did not end before symptom onset, and notes on the rest."""
    onset = _onset(ctx)
    started = [
        t
        for t in ctx.case.conservative_care or ()
        if t.start_date is None or t.start_date <= ctx.on
    ]
    if onset is None:
        return started, ()
    ended = [t for t in started if t.end_date is not None and t.end_date < onset]
    notes = tuple(
        f"{_name(t)} ended {t.end_date}, before symptom onset {onset}: "
        "not counted as care for this fracture"
        for t in ended
    )
    return [t for t in started if t not in ended], notes


def _name(t: ConservativeTreatment) -> str:
    return t.modality.value.replace("_", " ")


def nsm_documented(ctx: FactContext) -> Observation:
    if ctx.case.conservative_care is None:
        return UNKNOWN
    care, notes = _relevant_care(ctx)
    if not care:
        return Observation(
            False, "none recorded since symptom onset" if notes else "none recorded", notes=notes
        )
    return Observation(True, ", ".join(sorted({_name(t) for t in care})), notes=notes)


def nsm_duration_days(ctx: FactContext) -> Observation:
    """Days since non-surgical management began (anchor: that day).

    It begins at the earliest start, or at symptom onset when care started before it:
    days before the fracture hurt are not days of care for it.
    """
    if ctx.case.conservative_care is None:
        return UNKNOWN
    care, notes = _relevant_care(ctx)
    starts = [t.start_date for t in care if t.start_date is not None]
    if not starts:
        return Observation(
            None if care else 0, "no start date recorded" if care else "none", notes=notes
        )
    first = min(starts)
    onset = _onset(ctx)
    if onset is not None and first < onset:
        days = (ctx.on - onset).days
        note = (
            f"conservative care started {first}, before symptom onset {onset}: counted from onset"
        )
        shown = f"{days} days since symptom onset {onset} (care started earlier, {first})"
        return Observation(days, shown, anchor=onset, notes=(*notes, note))
    days = (ctx.on - first).days
    return Observation(days, f"{days} days since {first}", anchor=first, notes=notes)


def nsm_failed(ctx: FactContext) -> Observation:
    """True when some course left the pain unchanged or worse; False when all improved it."""
    care, notes = _relevant_care(ctx)
    responses = [t.response for t in care if t.response is not None]
    if not responses:
        return Observation(None, "not recorded", notes=notes)
    failed = [r for r in responses if r is not Response.IMPROVED]
    if failed:
        words = ", ".join(sorted({r.value.replace("_", " ") for r in failed}))
        return Observation(True, f"no relief ({words})", notes=notes)
    return Observation(False, "pain improved with conservative care", notes=notes)


def _flag(value: bool | None, yes: str, no: str) -> Observation:
    if value is None:
        return UNKNOWN
    return Observation(value, yes if value else no)


def any_of_flags(ctx: FactContext, names: tuple[str, ...], label: str) -> Observation:
    """Kleene OR of several contraindication flags, naming the ones present."""
    values = {n: getattr(ctx.case.contraindications, n) for n in names}
    present = [n.replace("_", " ") for n, v in values.items() if v]
    if present:
        return Observation(True, ", ".join(present))
    if any(v is None for v in values.values()):
        missing = [n.replace("_", " ") for n, v in values.items() if v is None]
        return Observation(None, f"not recorded: {', '.join(missing)}")
    return Observation(False, f"no {label}")


def infection(ctx: FactContext) -> Observation:
    names = ("osteomyelitis", "discitis", "systemic_infection", "surgical_site_infection")
    return any_of_flags(ctx, names, "infection")


def cement_or_contrast_allergy(ctx: FactContext) -> Observation:
    return any_of_flags(ctx, ("cement_allergy", "contrast_allergy"), "allergy")


def contraindication(name: str) -> Extractor:
    def extract(ctx: FactContext) -> Observation:
        value: bool | None = getattr(ctx.case.contraindications, name)
        label = name.replace("_", " ")
        return _flag(value, label, f"no {label}")

    return extract


def pregnant(ctx: FactContext) -> Observation:
    """Recorded pregnancy status; a patient recorded as male is not pregnant."""
    patient = ctx.case.patient
    if patient.pregnant is not None:
        return _flag(patient.pregnant, "pregnant", "not pregnant")
    if patient.sex is not None and patient.sex.value == "male":
        return Observation(False, "male patient")
    return UNKNOWN


def age_years(ctx: FactContext) -> Observation:
    age = ctx.case.patient.age_on(ctx.on)
    return UNKNOWN if age is None else Observation(age, f"{age} years")


def bmd_referral(ctx: FactContext) -> Observation:
    value = ctx.case.continuum_of_care.bmd_referral_with_education
    return _flag(value, "referred, with education", "not referred")


def osteoporosis_program(ctx: FactContext) -> Observation:
    value = ctx.case.continuum_of_care.osteoporosis_program_instruction
    return _flag(value, "instructed", "not instructed")


def levels_in_procedure(ctx: FactContext) -> Observation:
    """Planned levels, or every fractured level under review when nothing is planned."""
    planned = ctx.case.procedure.levels
    levels = planned or tuple(f.level for f in ctx.case.fractures or ())
    if not levels:
        return UNKNOWN
    source = "planned" if planned else "fractured, no plan yet"
    return Observation(len(levels), f"{len(levels)} ({', '.join(levels)}; {source})")


def suspicion_sign(name: str) -> Extractor:
    def extract(ctx: FactContext) -> Observation:
        value: bool | None = getattr(ctx.case.suspicion_signs, name)
        label = name.replace("_", " ")
        return _flag(value, f"{label}: present", f"{label}: absent")

    return extract
