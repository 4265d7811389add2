"""Measured levels as an ``ImagingStudy`` of the case model.

Project conventions (not confirmed clinical rules; marked so in the explanation):

* ``kyphotic_deformity``: the vertebral wedge angle (between the endplates, kyphotic
  positive) is >= 15 degrees, after the KA > 15 degrees cut-off associated with
  intravertebral clefts (PMC6530246, clinical reference 3.3). PROJECT CONVENTION.
  Unknown when the angle is flagged as uncertain and its doubt reaches across 15 degrees.
* ``height_loss_pct`` carries its range within the heights' doubt (``spine``), so a
  criterion whose threshold lies inside the range is unknown. A level graded against its
  own posterior height (no intact neighbour in view) has a range up to 100 %: a crush
  loss is not seen, so "height loss > 25 %" stays unknown unless the measured loss is
  already above it. Each finding's source names the reference used.
* ``retropulsion``: the mid-sagittal posterior wall bulges into the canal by at least
  ``max(2 mm, the coarsest voxel spacing)`` beyond the line joining its corners; below
  one voxel the bulge cannot be told from voxel steps. PROJECT CONVENTION.

* ``bone_density``: the study's density screen (``morphometry.density``), when it
  flagged a level, becomes the study's ``BoneDensity``: the screened level's mean and
  median HU, voxel count, ROI, the Pickhardt 2013 flag and the contrast phase; a
  screening flag for a DXA referral, never a diagnosis (clinical reference 6.1).

A level of ``POOR`` quality keeps only its name and source: every fact it cannot support
stays ``None`` (unknown). Transitional T13/L6 are not ``Level``s and are left out.

References
----------
.. [1] Genant HK et al. J Bone Miner Res 1993;8:1137-48.
.. [2] PMC6530246 (KA > 15 degrees), clinical reference 3.3.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from kypho.domain.imaging import BoneDensity, ImagingStudy, LevelFinding, Modality
from kypho.domain.levels import Level
from kypho.morphometry.compare import LevelChange
from kypho.morphometry.density import StudyDensity, roi_definition
from kypho.morphometry.types import LevelMeasurement, Quality, SpineMeasurement

KYPHOTIC_WEDGE_MIN_DEG = 15.0
RETROPULSION_MIN_MM = 2.0
TOOL = "kypho measure 0.1"


def _within(value: float | None, lo: float, hi: float) -> float | None:
    return value if value is not None and lo <= value <= hi else None


def _kyphotic(wedge_deg: float | None, doubt_deg: float | None) -> bool | None:
    """Wedge angle at or over the cut-off; unknown when its doubt reaches across it."""
    if wedge_deg is None:
        return None
    if doubt_deg is not None and abs(wedge_deg - KYPHOTIC_WEDGE_MIN_DEG) <= doubt_deg:
        return None
    return wedge_deg >= KYPHOTIC_WEDGE_MIN_DEG


def _finding(
    level: LevelMeasurement,
    *,
    source: str,
    retropulsion_min_mm: float,
    progression: bool | None,
) -> LevelFinding | None:
    if level.level is None:
        return None
    if level.quality is Quality.POOR:
        reasons = "; ".join(i.reason for i in level.all_issues)
        return LevelFinding(level=level.level, source=f"{source} (not measurable: {reasons})")
    if level.reference_from is not None:
        source = f"{source}; height loss against {level.reference_from}"
    v = level.vertebra
    wedge = _within(v.wedge_angle_deg, -90, 90)
    bulge = _within(v.retropulsion_mm, 0, 50)
    loss = _within(level.height_loss_pct, 0, 100)
    lo, hi = level.height_loss_range_pct or (None, None)
    if loss is None or lo is None or hi is None:
        lo = hi = None
    return LevelFinding(
        level=level.level,
        height_loss_pct=loss,
        height_loss_min_pct=lo,
        height_loss_max_pct=hi,
        anterior_height_mm=_within(v.anterior_height_mm, 0, 100),
        middle_height_mm=_within(v.middle_height_mm, 0, 100),
        posterior_height_mm=_within(v.posterior_height_mm, 0, 100),
        reference_height_mm=_within(level.reference_height_mm, 1e-6, 100),
        wedge_angle_deg=wedge,
        kyphotic_deformity=_kyphotic(wedge, v.wedge_angle_doubt_deg),
        retropulsion=None if bulge is None else bulge >= retropulsion_min_mm,
        retropulsion_mm=bulge,
        progression=progression,
        source=source,
    )


def bone_density_finding(density: StudyDensity, *, source: str) -> BoneDensity | None:
    """The case's ``BoneDensity`` of a screened study; None when no level was screened."""
    screen = density.screen
    name = screen.structure or ""
    level = density.level(name)
    if name not in Level.__members__ or level is None or level.mean_hu is None:
        return None
    return BoneDensity(
        level=Level(name),
        mean_hu=round(level.mean_hu, 1),
        median_hu=None if level.median_hu is None else round(level.median_hu, 1),
        voxel_count=level.voxel_count,
        roi=roi_definition(level.erosion_mm),
        contrast_phase=density.contrast_phase,
        source=f"{source}; level: {screen.reason}; contrast: {density.contrast_evidence}",
    )


def study_from_measurement(
    spine: SpineMeasurement,
    *,
    study_date: date,
    study_id: str | None = None,
    modality: Modality = Modality.CT,
    changes: Iterable[LevelChange] = (),
    density: StudyDensity | None = None,
) -> ImagingStudy:
    """An ``ImagingStudy`` whose findings carry the measured facts of each level.

    Parameters
    ----------
    spine
        The measured study.
    study_date, study_id
        Identify the study; inputs, never read from a clock.
    changes
        Per-level comparison with an earlier study; sets ``progression``.
    density
        The CT's trabecular HU and their screen; a screened level becomes
        ``bone_density`` (a CT study only).
    """
    name = study_id or study_date.isoformat()
    source = f"{TOOL} on study {name}: {spine.method}"
    coarsest = max(spine.voxel_size_mm or (0.0,))
    progression = {c.structure: c.progression for c in changes}
    found = (
        _finding(
            lv,
            source=source,
            retropulsion_min_mm=max(RETROPULSION_MIN_MM, coarsest),
            progression=progression.get(lv.structure),
        )
        for lv in spine.levels
    )
    usable = density is not None and modality is Modality.CT
    return ImagingStudy(
        modality=modality,
        study_date=study_date,
        study_id=study_id,
        findings=tuple(f for f in found if f is not None),
        bone_density=bone_density_finding(density, source=f"{TOOL} on study {name}")
        if usable and density is not None
        else None,
    )
