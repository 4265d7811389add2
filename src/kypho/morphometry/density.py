"""Trabecular bone attenuation (HU) of each vertebral body, from a CT on the mask's grid.

Arrays in, values out: a CT in Hounsfield units, a label volume of the same shape and the
voxel spacing. Per vertebra the region of interest (ROI) is the trabecular core: the
labelled voxels whose centres lie at least ``erosion_mm`` (default 5 mm, Euclidean, in
mm on the voxel grid) from every voxel centre outside the label, i.e. away from the
cortex all round and from both endplates. Its mean and median HU and voxel count are
reported with the ROI's definition.

One level is then screened against Pickhardt 2013's L1 thresholds (clinical reference
6.1): L1, or the nearest measured level of T12-L5 when L1 is missing, fractured or its
ROI unusable, named with the reason. The result is a **screening flag for a DXA
referral, never a diagnosis**: HU differ between scanners and protocols.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

# Pickhardt 2013's thresholds and the plausible HU range live in the domain (the case's
# bone density finding checks against them too); clinical reference 6.1.
from kypho.domain.imaging import (
    PICKHARDT_SENSITIVE_MAX_HU,
    PICKHARDT_SPECIFIC_MAX_HU,
    PLAUSIBLE_TRABECULAR_HU,
    ContrastPhase,
)
from kypho.morphometry.types import Quality, SpineMeasurement

# PROJECT CONVENTION: the ROI keeps voxels at least this far (mm) from the body's surface,
# so the cortical shell (about 1-2 mm) and the endplates are left out with margin.
DEFAULT_EROSION_MM = 5.0
# PROJECT CONVENTION: a smaller ROI (a crushed or cut body) is too noisy to screen on.
MIN_ROI_VOLUME_MM3 = 500.0
# PLAUSIBLE_TRABECULAR_HU (PROJECT CONVENTION): a trabecular median outside it means the
# CT is not in HU (stored values without the rescale) or the label is not bone: no flag.
# Pickhardt used L1 and found T12-L5 similar; the nearest to L1 is tried first and a tie
# goes to the caudal level (PROJECT CONVENTION: lumbar bodies give larger ROIs).
SCREENING_ORDER = ("L1", "L2", "T12", "L3", "L4", "L5")
DISCLAIMER = "screening flag for a DXA referral, not a diagnosis; HU vary between scanners"

Spacing = tuple[float, float, float]  # mm along the array's axes (i, j, k)


def roi_definition(erosion_mm: float) -> str:
    """The ROI in words, as reported beside every value.

    >>> roi_definition(5.0)
    'labelled voxels >= 5.0 mm from any unlabelled voxel (cortex and endplates excluded)'
    """
    return (
        f"labelled voxels >= {erosion_mm:.1f} mm from any unlabelled voxel "
        "(cortex and endplates excluded)"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelDensity:
    """Trabecular attenuation of one vertebra; ``mean_hu`` is None when not measurable."""

    structure: str
    mean_hu: float | None
    median_hu: float | None
    voxel_count: int
    roi_volume_mm3: float
    erosion_mm: float
    problem: str | None = None  # why the ROI cannot be screened on (None: usable)

    @property
    def usable(self) -> bool:
        return self.problem is None and self.mean_hu is not None


class DensityFlag(StrEnum):
    """Where the screened level's mean HU falls against Pickhardt 2013's thresholds."""

    LOW_SPECIFIC = "low (<= 110 HU)"  # > 90 % specific for osteoporosis
    LOW_SENSITIVE = "low (<= 160 HU)"  # 90 % sensitive: above 110, at most 160
    NOT_LOW = "not low (> 160 HU)"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class DensityScreen:
    """The screening flag of one study: which level, why that level, and the flag."""

    flag: DensityFlag
    structure: str | None  # the level screened; None when no level could be
    reason: str  # why this level (or why none)
    mean_hu: float | None = None

    @property
    def refer_for_dxa(self) -> bool | None:
        """True at <= 160 HU (the sensitive threshold); None when unknown."""
        if self.flag is DensityFlag.UNKNOWN:
            return None
        return self.flag is not DensityFlag.NOT_LOW


def density_flag(mean_hu: float) -> DensityFlag:
    """The flag of a mean trabecular attenuation; both thresholds are inclusive.

    >>> density_flag(110.0), density_flag(110.1), density_flag(160.0), density_flag(160.1)
    (<DensityFlag.LOW_SPECIFIC: 'low (<= 110 HU)'>, <DensityFlag.LOW_SENSITIVE: \
'low (<= 160 HU)'>, <DensityFlag.LOW_SENSITIVE: 'low (<= 160 HU)'>, <DensityFlag.NOT_LOW: \
'not low (> 160 HU)'>)
    """
    if mean_hu <= PICKHARDT_SPECIFIC_MAX_HU:
        return DensityFlag.LOW_SPECIFIC
    if mean_hu <= PICKHARDT_SENSITIVE_MAX_HU:
        return DensityFlag.LOW_SENSITIVE
    return DensityFlag.NOT_LOW


def trabecular_roi(
    mask: NDArray[np.bool_], *, spacing_mm: Spacing, erosion_mm: float = DEFAULT_EROSION_MM
) -> NDArray[np.bool_]:
    """The voxels of ``mask`` at least ``erosion_mm`` from every voxel outside it.

    The volume's edge counts as outside: a body cut by the field of view is eroded from
    the cut too.
    """
    inside = np.asarray(mask, dtype=bool)
    distance = ndimage.distance_transform_edt(np.pad(inside, 1), sampling=spacing_mm)
    return np.asarray(inside & (distance[1:-1, 1:-1, 1:-1] >= erosion_mm))


def _problem(values: NDArray[np.float32], voxel_mm3: float) -> str | None:
    volume_mm3 = values.size * voxel_mm3
    if volume_mm3 < MIN_ROI_VOLUME_MM3:
        return (
            f"trabecular ROI {volume_mm3:.0f} mm3 ({values.size} voxels), below "
            f"{MIN_ROI_VOLUME_MM3:.0f} mm3 (crushed, thin or cut body)"
        )
    if not np.isfinite(values).all():
        return "the CT holds non-finite values in the ROI"
    median = float(np.median(values))
    lo, hi = PLAUSIBLE_TRABECULAR_HU
    if not lo <= median <= hi:
        return (
            f"trabecular median {median:.0f} HU outside {lo:.0f} to {hi:.0f} HU: "
            "is the CT rescaled to HU, and the label bone?"
        )
    return None


def level_density(
    ct_hu: NDArray[np.floating],
    mask: NDArray[np.bool_],
    *,
    structure: str,
    spacing_mm: Spacing,
    erosion_mm: float = DEFAULT_EROSION_MM,
) -> LevelDensity:
    """Trabecular attenuation of one vertebra (``mask``, the CT's shape), HU."""
    if ct_hu.shape != mask.shape:
        raise ValueError(f"{structure}: CT shape {ct_hu.shape} != mask shape {mask.shape}")
    voxel_mm3 = float(np.prod(spacing_mm))
    roi = trabecular_roi(mask, spacing_mm=spacing_mm, erosion_mm=erosion_mm)
    values = np.asarray(ct_hu[roi], dtype=np.float32)
    some = values.size > 0
    return LevelDensity(
        structure=structure,
        mean_hu=float(values.mean(dtype=np.float64)) if some else None,
        median_hu=float(np.median(values)) if some else None,
        voxel_count=int(values.size),
        roi_volume_mm3=values.size * voxel_mm3,
        erosion_mm=erosion_mm,
        problem=_problem(values, voxel_mm3),
    )


def spine_density(
    ct_hu: NDArray[np.floating],
    labels: NDArray[np.integer],
    *,
    names: Mapping[int, str],
    spacing_mm: Spacing,
    erosion_mm: float = DEFAULT_EROSION_MM,
) -> tuple[LevelDensity, ...]:
    """``level_density`` of each label in ``names`` present in ``labels`` (label order).

    Each vertebra is cropped to its bounding box (one ``find_objects`` pass) grown by
    the erosion, so the cost follows the vertebrae, not the volume.
    """
    if ct_hu.shape != labels.shape:
        raise ValueError(f"CT shape {ct_hu.shape} != label shape {labels.shape}")
    wanted = sorted(k for k in names if 0 < k <= int(labels.max(initial=0)))
    boxes = ndimage.find_objects(labels, max_label=max(wanted, default=0))
    found = []
    for label in wanted:
        box = boxes[label - 1]
        if box is None:
            continue
        grown = tuple(
            slice(max(0, s.start - 1), min(n, s.stop + 1))
            for s, n in zip(box, labels.shape, strict=True)
        )
        mask = labels[grown] == label
        found.append(
            level_density(
                ct_hu[grown],
                mask,
                structure=names[label],
                spacing_mm=spacing_mm,
                erosion_mm=erosion_mm,
            )
        )
    return tuple(found)


def screen_density(
    densities: Iterable[LevelDensity], *, excluded: Mapping[str, str] | None = None
) -> DensityScreen:
    """Flag L1, or the nearest usable level of T12-L5, against Pickhardt 2013.

    ``excluded``: structure -> why it must not be screened on (e.g. a fractured level,
    whose compacted bone reads denser).
    """
    by_name = {d.structure: d for d in densities}
    skipped = dict(excluded or {})
    skipped |= {n: d.problem for n, d in by_name.items() if d.problem is not None}
    passed: list[str] = []
    for name in SCREENING_ORDER:
        density = by_name.get(name)
        if density is not None and density.usable and name not in skipped:
            assert density.mean_hu is not None  # usable says so
            why = "L1" if name == "L1" else f"nearest measured level to L1 ({_why(passed)})"
            return DensityScreen(
                flag=density_flag(density.mean_hu),
                structure=name,
                reason=f"{why}; {DISCLAIMER}",
                mean_hu=density.mean_hu,
            )
        passed.append(f"{name}: {skipped.get(name, 'not in the mask')}")
    return DensityScreen(
        flag=DensityFlag.UNKNOWN,
        structure=None,
        reason=f"no usable level of T12-L5 ({_why(passed)})",
    )


def _why(passed: Sequence[str]) -> str:
    return "; ".join(passed)


def levels_not_to_screen(spine: SpineMeasurement) -> dict[str, str]:
    """Measured levels whose HU must not be screened on, with why.

    A fractured body (Genant grade >= 1) reads denser from compacted bone; a POOR level's
    mask is not trusted.
    """
    found = {}
    for level in spine.levels:
        if level.genant_grade is not None and level.genant_grade >= 1:
            found[level.structure] = (
                f"Genant grade {level.genant_grade} (a fractured body reads denser)"
            )
        elif level.quality is Quality.POOR:
            found[level.structure] = "morphometry poor"
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyDensity:
    """One study's bone density: every level's HU, the screen, and the contrast phase.

    ``contrast_evidence`` says what the phase was read from (``interop.dicom.contrast``).
    Pickhardt found IV contrast did not affect performance (clinical reference 6.1), so
    the thresholds do not change with the phase; it is reported beside them.
    """

    levels: tuple[LevelDensity, ...]
    screen: DensityScreen
    contrast_phase: ContrastPhase = ContrastPhase.UNKNOWN
    contrast_evidence: str = "not read"

    def level(self, structure: str | None) -> LevelDensity | None:
        return next((d for d in self.levels if d.structure == structure), None)


def study_density(
    densities: Iterable[LevelDensity],
    spine: SpineMeasurement,
    *,
    contrast_phase: ContrastPhase = ContrastPhase.UNKNOWN,
    contrast_evidence: str = "not read",
) -> StudyDensity:
    """Screen ``densities`` (fractured and POOR levels of ``spine`` left out)."""
    levels = tuple(densities)
    return StudyDensity(
        levels=levels,
        screen=screen_density(levels, excluded=levels_not_to_screen(spine)),
        contrast_phase=contrast_phase,
        contrast_evidence=contrast_evidence,
    )
