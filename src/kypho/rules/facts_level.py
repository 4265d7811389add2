"""Facts about one fractured level: its age, cause, imaging and deformity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import cast

from kypho.domain.fracture import Fracture
from kypho.domain.imaging import Appearance, ImagingStudy, LevelFinding
from kypho.rules.observation import UNKNOWN, FactContext, FactValue, Observation

WEEK_DAYS = 7
ACUTE_BEFORE_DAYS = 42  # LCD L34106: acute < 6 weeks, subacute 6-12 weeks (reference 1.2)
SUBACUTE_UNTIL_DAYS = 84


def _fracture(ctx: FactContext) -> Fracture | None:
    return None if ctx.level is None else ctx.case.fracture(ctx.level)


Found = list[tuple[ImagingStudy, LevelFinding]]


def _findings(ctx: FactContext) -> Found:
    """This level's findings, most recent study first, ignoring studies after ``on``."""
    key = f"findings {ctx.level}"
    cached = ctx.derived.get(key)
    if cached is not None:
        return cast(Found, cached)
    out = []
    for study in ctx.case.imaging or ():
        if study.study_date is not None and study.study_date > ctx.on:
            continue
        finding = study.finding(ctx.level) if ctx.level is not None else None
        if finding is not None:
            out.append((study, finding))
    out.sort(key=lambda sf: sf[0].study_date or date.min, reverse=True)
    ctx.derived[key] = out
    return out


def _since_onset(ctx: FactContext) -> tuple[Found, tuple[str, ...]]:
    """This level's findings from studies not dated before its symptom onset, and notes.

    A study dated before the onset cannot show this fracture, so it neither confirms it
    nor dates it (undated studies are kept: their date cannot be checked).
    """
    fracture = _fracture(ctx)
    onset = fracture.symptom_onset_date if fracture is not None else None
    found = _findings(ctx)
    if onset is None:
        return found, ()
    kept = [sf for sf in found if sf[0].study_date is None or sf[0].study_date >= onset]
    notes = tuple(
        f"{ctx.level}: {study.label} is dated before symptom onset {onset}, so it is not "
        "used as evidence about this fracture"
        for study, _ in found
        if study.study_date is not None and study.study_date < onset
    )
    return kept, notes


def acuity_label(days: int) -> str:
    """Acute (< 6 weeks), subacute (6-12 weeks) or chronic, as LCD L34106 counts.

    >>> acuity_label(41), acuity_label(42), acuity_label(84), acuity_label(85)
    ('acute', 'subacute', 'subacute', 'chronic')
    """
    if days < ACUTE_BEFORE_DAYS:
        return "acute"
    return "subacute" if days <= SUBACUTE_UNTIL_DAYS else "chronic"


def fracture_age_days(ctx: FactContext) -> Observation:
    fracture = _fracture(ctx)
    if fracture is None or fracture.symptom_onset_date is None:
        return UNKNOWN
    onset = fracture.symptom_onset_date
    days = (ctx.on - onset).days
    weeks, rest = divmod(days, WEEK_DAYS)
    shown = f"{days} days ({weeks} wk {rest} d, {acuity_label(days)}) since onset {onset}"
    return Observation(days, shown, anchor=onset)


def level_name(ctx: FactContext) -> Observation:
    return UNKNOWN if ctx.level is None else Observation(ctx.level.value, ctx.level.value)


def etiology(ctx: FactContext) -> Observation:
    fracture = _fracture(ctx)
    if fracture is None or fracture.etiology is None:
        return UNKNOWN
    return Observation(fracture.etiology.value, fracture.etiology.value.replace("_", " "))


def pain_attributed(ctx: FactContext) -> Observation:
    fracture = _fracture(ctx)
    if fracture is None or fracture.pain_attributed_to_fracture is None:
        return UNKNOWN
    yes = fracture.pain_attributed_to_fracture
    return Observation(yes, "pain localised to this fracture" if yes else "pain from another cause")


def reinforcement_before_surgery(ctx: FactContext) -> Observation:
    fracture = _fracture(ctx)
    if fracture is None or fracture.needs_reinforcement_before_surgery is None:
        return UNKNOWN
    yes = fracture.needs_reinforcement_before_surgery
    return Observation(yes, "reinforcement planned" if yes else "no reinforcement planned")


Reading = tuple[ImagingStudy, FactValue, str]  # a study, what it says, how that is shown


def _most_recent(
    ctx: FactContext, name: str, readings: list[Reading], notes: tuple[str, ...]
) -> Observation:
    """The most recent study's reading; studies that say otherwise are listed as conflicts."""
    if not readings:
        return Observation(None, "not recorded", notes=notes)
    _, value, shown = readings[0]
    others = [seen for _, other, seen in readings[1:] if other != value]
    if not others:
        return Observation(value, shown, notes=notes)
    conflict = f"{ctx.level} {name}: {shown} (used, most recent) vs {'; '.join(others)}"
    return Observation(
        value, f"{shown} (most recent; older studies differ)", conflicts=(conflict,), notes=notes
    )


def _shows_acute(study: ImagingStudy, finding: LevelFinding) -> bool | None:
    if not study.modality.is_advanced and finding.appearance is None:
        return None
    signals = (finding.marrow_edema, finding.uptake)
    if any(signals) or finding.appearance is Appearance.ACUTE:
        return True
    if finding.appearance is Appearance.CHRONIC or any(s is False for s in signals):
        return False
    return None


def _sign(finding: LevelFinding) -> str:
    return "marrow edema" if finding.marrow_edema else "uptake"


def advanced_imaging_confirms(ctx: FactContext) -> Observation:
    """Marrow edema on MRI, or uptake on bone scan, SPECT or CT, on the latest such study."""
    found, notes = _since_onset(ctx)
    readings: list[Reading] = []
    for study, f in found:
        if not study.modality.is_advanced or (f.marrow_edema is None and f.uptake is None):
            continue
        yes = bool(f.marrow_edema or f.uptake)
        shown = f"{_sign(f)} on {study.label}" if yes else f"no edema or uptake on {study.label}"
        readings.append((study, yes, shown))
    return _most_recent(ctx, "advanced imaging", readings, notes)


def acute_imaging_found(ctx: FactContext) -> Observation:
    """Whether the latest study that speaks to it shows this fracture acute."""
    found, notes = _since_onset(ctx)
    readings: list[Reading] = []
    for study, f in found:
        shows = _shows_acute(study, f)
        if shows is not None:
            word = "acute fracture" if shows else "no acute fracture"
            readings.append((study, shows, f"{word} on {study.label}"))
    return _most_recent(ctx, "acute on imaging", readings, notes)


def acute_imaging_age_days(ctx: FactContext) -> Observation:
    """Days since the latest study showing this fracture acute (anchor: that study's date)."""
    found, notes = _since_onset(ctx)
    for study, finding in found:
        if _shows_acute(study, finding) and study.study_date is not None:
            days = (ctx.on - study.study_date).days
            shown = f"{days} days since {study.label}"
            return Observation(days, shown, anchor=study.study_date, notes=notes)
    return Observation(None, "not recorded", notes=notes)


def chronic_on_imaging(ctx: FactContext) -> Observation:
    """Read as chronic on the latest study that speaks to it; edema or uptake means active."""
    found, notes = _since_onset(ctx)
    readings: list[Reading] = []
    for study, f in found:
        if f.appearance is not None:
            chronic = f.appearance is Appearance.CHRONIC
            readings.append((study, chronic, f"{f.appearance} appearance on {study.label}"))
        elif study.modality.is_advanced and (f.marrow_edema or f.uptake):
            readings.append((study, False, f"{_sign(f)} (active fracture) on {study.label}"))
    return _most_recent(ctx, "acute or chronic appearance", readings, notes)


def _height_readings(
    found: Found,
) -> list[tuple[ImagingStudy, float, tuple[float, float] | None, str]]:
    out = []
    for study, f in found:
        value = f.effective_height_loss_pct
        if value is not None:
            source = f"; {f.source}" if f.source else ""
            bounds = f.height_loss_range_pct
            doubt = f" (measured range {bounds[0]:.1f}-{bounds[1]:.1f} %)" if bounds else ""
            out.append((study, value, bounds, f"{value:.1f} %{doubt} on {study.label}{source}"))
    return out


def height_loss_pct(ctx: FactContext) -> Observation:
    """Height loss from the latest study that reports it, with that study named.

    A measured loss keeps its range (``LevelFinding.height_loss_range_pct``) as the
    observation's bounds. Studies whose loss rounds differently (to 0.1 %) are conflicts.
    """
    found, notes = _since_onset(ctx)
    heights = _height_readings(found)
    readings: list[Reading] = [(s, round(v, 1), shown) for s, v, _, shown in heights]
    obs = _most_recent(ctx, "height loss", readings, notes)
    if not heights:
        return obs
    return obs._replace(value=heights[0][1], bounds=heights[0][2])


def _flag_latest(
    ctx: FactContext, read: Callable[[LevelFinding], bool | None], label: str, name: str
) -> Observation:
    found, notes = _since_onset(ctx)
    readings: list[Reading] = []
    for study, f in found:
        value = read(f)
        if value is not None:
            source = f"; {f.source}" if f.source and value else ""
            shown = f"{label} on {study.label}{source}" if value else f"no {label} on {study.label}"
            readings.append((study, value, shown))
    return _most_recent(ctx, name, readings, notes)


def height_progression(ctx: FactContext) -> Observation:
    """Progression on the latest study that reports it, unless later heights contradict it.

    "No progression" read on a study is unknown once a later study reports more height
    loss than that study did: there is no numeric definition of progression to judge
    the change by (clinical reference, open items), so it is neither kept nor reversed.
    """
    obs = _flag_latest(ctx, lambda f: f.progression, "progression of height loss", "progression")
    if obs.value is not False:
        return obs
    found, _ = _since_onset(ctx)
    stated_on = next(s for s, f in found if f.progression is False)
    return _contradicted(ctx, obs, stated_on, _height_readings(found))


def _contradicted(
    ctx: FactContext,
    obs: Observation,
    stated_on: ImagingStudy,
    heights: list[tuple[ImagingStudy, float, tuple[float, float] | None, str]],
) -> Observation:
    before = next((v for s, v, _, _ in heights if s is stated_on), None)
    day = stated_on.study_date
    if before is None or day is None:
        return obs
    later = [(v, shown) for s, v, _, shown in heights if s.study_date and s.study_date > day]
    worse = [shown for v, shown in later if round(v, 1) > round(before, 1)]
    if not worse:
        return obs
    conflict = (
        f"{ctx.level} progression: no progression on {stated_on.label} ({before:.1f} %) vs "
        f"{'; '.join(worse)} (later, more loss): progression taken as unknown"
    )
    shown = f"no progression on {stated_on.label}, but a later study shows more height loss"
    return Observation(None, shown, conflicts=(*obs.conflicts, conflict), notes=obs.notes)


def kyphotic_deformity(ctx: FactContext) -> Observation:
    return _flag_latest(ctx, lambda f: f.kyphotic_deformity, "kyphotic deformity", "kyphosis")


def retropulsion(ctx: FactContext) -> Observation:
    """Present if ANY study shows it (a contraindication is never dropped); conflicts listed.

    Studies before symptom onset are included here: safety first.
    """
    readings: list[Reading] = []
    for study, f in _findings(ctx):
        if f.retropulsion is not None:
            source = f"; {f.source}" if f.source and f.retropulsion else ""
            label = "retropulsion / canal compromise"
            shown = (
                f"{label} on {study.label}{source}"
                if f.retropulsion
                else f"no {label} on {study.label}"
            )
            readings.append((study, f.retropulsion, shown))
    present = [r for r in readings if r[1]]
    ordered = present + [r for r in readings if not r[1]]
    obs = _most_recent(ctx, "retropulsion", ordered, ())
    if present and obs.conflicts:
        conflict = obs.conflicts[0].replace(
            "(used, most recent)", "(used: any study showing it counts)"
        )
        return obs._replace(shown=f"{present[0][2]} (other studies differ)", conflicts=(conflict,))
    return obs
