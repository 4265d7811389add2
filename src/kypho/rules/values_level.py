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

from kypho.domain.case import Case
from kypho.domain.fracture import Fracture
from kypho.domain.imaging import Appearance, ImagingStudy, LevelFinding
from kypho.domain.levels import Level
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
    out = [] if ctx.level is None else findings_at(ctx.case, ctx.level, ctx.on)
    ctx.derived[_FOUND] = out
    return out


def fracture_at(case: Case, level: Level) -> Fracture | None:
    """``case.fracture(level)``, as a plain loop."""
    for fracture in case.fractures or ():
        if fracture.level == level:
            return fracture
    return None


def findings_at(case: Case, level: Level, on: date) -> Found:
    """``findings`` without a context: the level's findings, most recent study first."""
    out: Found = []
    for study in case.imaging or ():
        if study.study_date is not None and study.study_date > on:
            continue
        for finding in study.findings:  # ``study.finding(level)``, as a plain loop
            if finding.level == level:
                out.append((study, finding))
                break
    if len(out) > 1:
        out.sort(key=_study_day, reverse=True)
    return out


def since_onset(ctx: FactContext) -> Found:
    """Findings from studies not dated before this level's symptom onset."""
    cached = ctx.derived.get(_SINCE)
    if cached is not None:
        return cached  # type: ignore[return-value]
    found = ctx.derived[_SINCE] = since_onset_in(findings(ctx), _fracture(ctx))
    return found


def since_onset_in(found: Found, fracture: Fracture | None) -> Found:
    """``since_onset`` from the level's findings and fracture."""
    onset = fracture.symptom_onset_date if fracture is not None else None
    if onset is None:
        return found
    return [sf for sf in found if sf[0].study_date is None or sf[0].study_date >= onset]


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


# Each imaging fact below reads a list of findings (``since_onset``, or ``findings`` for
# retropulsion); its ``*_in`` form takes that list, for code that keeps it itself
# (``kypho.rules.codegen``).


def advanced_imaging_confirms(ctx: FactContext) -> FactValue:
    return confirms_in(since_onset(ctx))


def confirms_in(found: Found) -> FactValue:
    for study, f in found:
        if study.modality.is_advanced and (f.marrow_edema is not None or f.uptake is not None):
            return bool(f.marrow_edema or f.uptake)
    return None


def acute_imaging_found(ctx: FactContext) -> FactValue:
    return acute_found_in(since_onset(ctx))


def acute_found_in(found: Found) -> FactValue:
    for study, f in found:
        shows = _shows_acute(study, f)
        if shows is not None:
            return shows
    return None


def acute_imaging_age_days(ctx: FactContext) -> FactValue:
    return acute_age_in(since_onset(ctx), ctx.on)


def acute_age_in(found: Found, on: date) -> FactValue:
    for study, f in found:
        if _shows_acute(study, f) and study.study_date is not None:
            return (on - study.study_date).days
    return None


def chronic_on_imaging(ctx: FactContext) -> FactValue:
    return chronic_in(since_onset(ctx))


def chronic_in(found: Found) -> FactValue:
    for study, f in found:
        if f.appearance is not None:
            return f.appearance is Appearance.CHRONIC
        if study.modality.is_advanced and (f.marrow_edema or f.uptake):
            return False
    return None


def height_loss_pct(ctx: FactContext) -> tuple[FactValue, tuple[float, float] | None]:
    return height_loss_in(since_onset(ctx))


def height_loss_in(found: Found) -> tuple[FactValue, tuple[float, float] | None]:
    for _, f in found:
        value = f.effective_height_loss_pct
        if value is not None:
            return value, f.height_loss_range_pct
    return None, None


def height_progression(ctx: FactContext) -> FactValue:
    return progression_in(since_onset(ctx))


def progression_in(found: Found) -> FactValue:
    """As ``facts_level.height_progression``: "no progression" contradicted by later loss is
    unknown."""
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
    return kyphotic_in(since_onset(ctx))


def kyphotic_in(found: Found) -> FactValue:
    for _, f in found:
        if f.kyphotic_deformity is not None:
            return f.kyphotic_deformity
    return None


def retropulsion(ctx: FactContext) -> FactValue:
    return retropulsion_in(findings(ctx))


def retropulsion_in(found: Found) -> FactValue:
    """Present if any study (before onset included) shows it; absent if some study says no."""
    seen: bool | None = None
    for _, f in found:
        if f.retropulsion:
            return True
        if f.retropulsion is False:
            seen = False
    return seen
