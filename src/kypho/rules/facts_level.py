"""Facts about one fractured level: its age, cause, imaging and deformity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import cast

from kypho.domain.fracture import Fracture
from kypho.domain.imaging import Appearance, ImagingStudy, LevelFinding
from kypho.rules.observation import UNKNOWN, FactContext, Observation

WEEK_DAYS = 7
ACUTE_BEFORE_DAYS = 42  # LCD L34106: acute < 6 weeks, subacute 6-12 weeks (reference 1.2)
SUBACUTE_UNTIL_DAYS = 84


def _fracture(ctx: FactContext) -> Fracture | None:
    return None if ctx.level is None else ctx.case.fracture(ctx.level)


def _findings(ctx: FactContext) -> list[tuple[ImagingStudy, LevelFinding]]:
    """This level's findings, most recent study first, ignoring studies after ``on``."""
    key = f"findings {ctx.level}"
    cached = ctx.derived.get(key)
    if cached is not None:
        return cast(list[tuple[ImagingStudy, LevelFinding]], cached)
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


def _shows_acute(study: ImagingStudy, finding: LevelFinding) -> bool | None:
    if not study.modality.is_advanced and finding.appearance is None:
        return None
    signals = (finding.marrow_edema, finding.uptake)
    if any(signals) or finding.appearance is Appearance.ACUTE:
        return True
    if finding.appearance is Appearance.CHRONIC or any(s is False for s in signals):
        return False
    return None


def advanced_imaging_confirms(ctx: FactContext) -> Observation:
    """Marrow edema on MRI, or uptake on bone scan, SPECT or CT, at this level."""
    seen_negative = None
    for study, finding in _findings(ctx):
        if not study.modality.is_advanced:
            continue
        if finding.marrow_edema or finding.uptake:
            sign = "marrow edema" if finding.marrow_edema else "uptake"
            return Observation(True, f"{sign} on {study.label}")
        if finding.marrow_edema is False or finding.uptake is False:
            seen_negative = study
    if seen_negative is not None:
        return Observation(False, f"no edema or uptake on {seen_negative.label}")
    return UNKNOWN


def acute_imaging_found(ctx: FactContext) -> Observation:
    negative = None
    for study, finding in _findings(ctx):
        shows = _shows_acute(study, finding)
        if shows:
            return Observation(True, f"acute fracture on {study.label}")
        if shows is False:
            negative = study
    if negative is not None:
        return Observation(False, f"no acute fracture on {negative.label}")
    return UNKNOWN


def acute_imaging_age_days(ctx: FactContext) -> Observation:
    """Days since the latest study showing this fracture acute (anchor: that study's date)."""
    for study, finding in _findings(ctx):
        if _shows_acute(study, finding) and study.study_date is not None:
            days = (ctx.on - study.study_date).days
            return Observation(days, f"{days} days since {study.label}", anchor=study.study_date)
    return UNKNOWN


def chronic_on_imaging(ctx: FactContext) -> Observation:
    """Read as chronic on the latest study that speaks to it; edema or uptake means active."""
    for study, finding in _findings(ctx):
        if finding.appearance is not None:
            chronic = finding.appearance is Appearance.CHRONIC
            return Observation(chronic, f"{finding.appearance} appearance on {study.label}")
        if study.modality.is_advanced and (finding.marrow_edema or finding.uptake):
            sign = "marrow edema" if finding.marrow_edema else "uptake"
            return Observation(False, f"{sign} (active fracture) on {study.label}")
    return UNKNOWN


def height_loss_pct(ctx: FactContext) -> Observation:
    """Height loss from the latest study that reports it, with that study named.

    A measured loss keeps its range (``LevelFinding.height_loss_range_pct``) as the
    observation's bounds.
    """
    for study, finding in _findings(ctx):
        value = finding.effective_height_loss_pct
        if value is not None:
            source = f"; {finding.source}" if finding.source else ""
            bounds = finding.height_loss_range_pct
            doubt = f" (measured range {bounds[0]:.1f}-{bounds[1]:.1f} %)" if bounds else ""
            return Observation(
                value, f"{value:.1f} %{doubt} on {study.label}{source}", bounds=bounds
            )
    return UNKNOWN


def _flag_any(
    ctx: FactContext, read: Callable[[LevelFinding], bool | None], label: str
) -> Observation:
    """True if any study shows it; False if studies report its absence; else unknown."""
    absent_on = None
    for study, finding in _findings(ctx):
        value = read(finding)
        if value:
            source = f"; {finding.source}" if finding.source else ""
            return Observation(True, f"{label} on {study.label}{source}")
        if value is False and absent_on is None:
            absent_on = study
    if absent_on is not None:
        return Observation(False, f"no {label} on {absent_on.label}")
    return UNKNOWN


def height_progression(ctx: FactContext) -> Observation:
    return _flag_any(ctx, lambda f: f.progression, "progression of height loss")


def kyphotic_deformity(ctx: FactContext) -> Observation:
    return _flag_any(ctx, lambda f: f.kyphotic_deformity, "kyphotic deformity")


def retropulsion(ctx: FactContext) -> Observation:
    return _flag_any(ctx, lambda f: f.retropulsion, "retropulsion / canal compromise")
