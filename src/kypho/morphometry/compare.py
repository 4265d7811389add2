"""Change between two studies of the same patient, with a progression flag.

Progression means any of the three heights fell by more than the least change that
measurement error can explain: the larger of ``min_change_mm`` (default 4.5 mm, the
narrowest intra-observer agreement interval for vertebral body heights reported by
Alanay et al., clinical reference 3.3) and the coarser study's voxel diagonal.

References
----------
.. [1] Alanay A et al. Reliability and necessity of measuring kyphosis angle and body
   heights in osteoporotic fractures (clinical reference 3.3: agreement intervals
   +/-4.5 to +/-6.5 mm for body heights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kypho.morphometry.types import LevelMeasurement, Quality, SpineMeasurement

MIN_CHANGE_MM = 4.5


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelChange:
    """Per-level change from an earlier to a later study (later minus earlier)."""

    structure: str
    anterior_change_mm: float | None = None
    middle_change_mm: float | None = None
    posterior_change_mm: float | None = None
    anterior_change_pct: float | None = None
    middle_change_pct: float | None = None
    posterior_change_pct: float | None = None
    threshold_mm: float | None = None
    progression: bool | None = None  # None: one study cannot support the comparison
    reason: str = ""


def _diagonal_mm(spine: SpineMeasurement) -> float:
    return math.hypot(*spine.voxel_size_mm) if spine.voxel_size_mm else 0.0


def _change(earlier: LevelMeasurement, later: LevelMeasurement, threshold_mm: float) -> LevelChange:
    before, after = earlier.vertebra.heights_mm, later.vertebra.heights_mm
    bad = Quality.POOR in (earlier.quality, later.quality)
    if before is None or after is None or bad:
        why = "a study's measurement of this level is poor or missing"
        return LevelChange(structure=earlier.structure, reason=why)
    mm = [a - b for a, b in zip(after, before, strict=True)]
    pct = [d / b * 100.0 for d, b in zip(mm, before, strict=True)]
    fell = min(mm) < -threshold_mm
    return LevelChange(
        structure=earlier.structure,
        anterior_change_mm=mm[0],
        middle_change_mm=mm[1],
        posterior_change_mm=mm[2],
        anterior_change_pct=pct[0],
        middle_change_pct=pct[1],
        posterior_change_pct=pct[2],
        threshold_mm=threshold_mm,
        progression=fell,
        reason=f"largest fall {-min(mm):.1f} mm vs threshold {threshold_mm:.1f} mm",
    )


def compare_studies(
    *, earlier: SpineMeasurement, later: SpineMeasurement, min_change_mm: float = MIN_CHANGE_MM
) -> tuple[LevelChange, ...]:
    """Per-level height changes for the levels both studies contain."""
    threshold = max(min_change_mm, _diagonal_mm(earlier), _diagonal_mm(later))
    changes = []
    for level in earlier.levels:
        other = later.get(level.structure)
        if other is not None:
            changes.append(_change(level, other, threshold))
    return tuple(changes)
