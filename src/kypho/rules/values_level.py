"""Level facts as bare values, for decisions without explanations.

Each function here returns exactly ``facts_level.<same name>(ctx).value`` (the
differential tests in ``tests/rules/test_fast_differential.py`` hold them to it), but
builds no text: no "shown", no conflicts, no notes. ``height_loss_pct`` also returns its
bounds, which decide an ordering comparison.

What they derive (the fracture, the findings) is kept in ``ctx.derived``, which must
therefore belong to this level alone: ``kypho.rules.fast`` gives each level its own.
"""

from __future__ import annotations

from datetime import date

from kypho.domain.fracture import Fracture
from kypho.domain.imaging import Appearance, ImagingStudy, LevelFinding
from kypho.rules.facts_level import _shows_acute
from kypho.rules.observation import FactContext, FactValue

Found = list[tuple[ImagingStudy, LevelFinding]]
_FRACTURE, _FOUND, _SINCE = "values: fracture", "values: findings", "values: since onset"
_UNSEEN = object()


def _fracture(ctx: FactContext) -> Fracture | None:
    found = ctx.derived.get(_FRACTURE, _UNSEEN)
    if found is _UNSEEN:
        level = ctx.level
        found = ctx.derived[_FRACTURE] = None if level is None else ctx.case.fracture(level)
    return found  # type: ignore[return-value]


def _study_day(pair: tuple[ImagingStudy, LevelFinding]) -> date:
    return pair[0].study_date or date.min


def findings(ctx: FactContext) -> Found:
    """This level's findings, most recent study first, ignoring studies after ``on``."""
    cached = ctx.derived.get(_FOUND)
    if cached is not None:
        return cached  # type: ignore[return-value]
    out: Found = []
    level, on = ctx.level, ctx.on
    if level is not None:
        for study in ctx.case.imaging or ():
            if study.study_date is not None and study.study_date > on:
                continue
            finding = study.finding(level)
            if finding is not None:
                out.append((study, finding))
        if len(out) > 1:
            out.sort(key=_study_day, reverse=True)
    ctx.derived[_FOUND] = out
    return out


def since_onset(ctx: FactContext) -> Found:
    """Findings from studies not dated before this level's symptom onset."""
    cached = ctx.derived.get(_SINCE)
    if cached is not None:
        return cached  # type: ignore[return-value]
    fracture = _fracture(ctx)
    onset = fracture.symptom_onset_date if fracture is not None else None
    found = findings(ctx)
    if onset is not None:
        found = [sf for sf in found if sf[0].study_date is None or sf[0].study_date >= onset]
    ctx.derived[_SINCE] = found
    return found


def level_name(ctx: FactContext) -> FactValue:
    return None if ctx.level is None else ctx.level.value


def etiology(ctx: FactContext) -> FactValue:
    fracture = _fracture(ctx)
    if fracture is None or fracture.etiology is None:
        return None
    return fracture.etiology.value


def fracture_age_days(ctx: FactContext) -> FactValue:
    fracture = _fracture(ctx)
    if fracture is None or fracture.symptom_onset_date is None:
        return None
    return (ctx.on - fracture.symptom_onset_date).days


def pain_attributed(ctx: FactContext) -> FactValue:
    fracture = _fracture(ctx)
    return None if fracture is None else fracture.pain_attributed_to_fracture


def reinforcement_before_surgery(ctx: FactContext) -> FactValue:
    fracture = _fracture(ctx)
    return None if fracture is None else fracture.needs_reinforcement_before_surgery


def advanced_imaging_confirms(ctx: FactContext) -> FactValue:
    for study, f in since_onset(ctx):
        if study.modality.is_advanced and (f.marrow_edema is not None or f.uptake is not None):
            return bool(f.marrow_edema or f.uptake)
    return None


def acute_imaging_found(ctx: FactContext) -> FactValue:
    for study, f in since_onset(ctx):
        shows = _shows_acute(study, f)
        if shows is not None:
            return shows
    return None


def acute_imaging_age_days(ctx: FactContext) -> FactValue:
    for study, f in since_onset(ctx):
        if _shows_acute(study, f) and study.study_date is not None:
            return (ctx.on - study.study_date).days
    return None


def chronic_on_imaging(ctx: FactContext) -> FactValue:
    for study, f in since_onset(ctx):
        if f.appearance is not None:
            return f.appearance is Appearance.CHRONIC
        if study.modality.is_advanced and (f.marrow_edema or f.uptake):
            return False
    return None


def height_loss_pct(ctx: FactContext) -> tuple[FactValue, tuple[float, float] | None]:
    for _, f in since_onset(ctx):
        value = f.effective_height_loss_pct
        if value is not None:
            return value, f.height_loss_range_pct
    return None, None


def height_progression(ctx: FactContext) -> FactValue:
    """As ``facts_level.height_progression``: "no progression" contradicted by later loss is
    unknown."""
    found = since_onset(ctx)
    stated = next(((s, f) for s, f in found if f.progression is not None), None)
    if stated is None or stated[1].progression:
        return None if stated is None else True
    study, finding = stated
    before, day = finding.effective_height_loss_pct, study.study_date
    if before is None or day is None:
        return False
    for s, f in found:
        later = f.effective_height_loss_pct
        if (
            s.study_date
            and s.study_date > day
            and later is not None
            and (round(later, 1) > round(before, 1))
        ):
            return None
    return False


def kyphotic_deformity(ctx: FactContext) -> FactValue:
    for _, f in since_onset(ctx):
        if f.kyphotic_deformity is not None:
            return f.kyphotic_deformity
    return None


def retropulsion(ctx: FactContext) -> FactValue:
    """Present if any study (before onset included) shows it; absent if some study says no."""
    seen: bool | None = None
    for _, f in findings(ctx):
        if f.retropulsion:
            return True
        if f.retropulsion is False:
            seen = False
    return seen
