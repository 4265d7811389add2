"""Rows of one screened study: per level its grade, HU, flags; the study's priority.

Plain composition of measured values; nothing is measured or judged here. A level whose
label looks wrong (swapped, shifted, duplicated: ``morphometry.label_check``, run by
``workflows.measure.measure_file`` as for ``kypho measure``) arrives ``limited`` with its
reason among the level's issues, so the screener and ``kypho measure`` flag the same
levels for the same reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kypho.morphometry.density import DensityScreen, LevelDensity, roi_definition
from kypho.morphometry.types import LevelMeasurement, Quality, SpineMeasurement
from kypho.screening.types import PRIORITIES, Row, Study, blank_row, thumbnail_name

FRACTURE_MIN_GRADE = 2  # Genant moderate (25-40 %) or severe (> 40 %): issue 13, item 1


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _level_row(base: Row, level: LevelMeasurement, density: LevelDensity | None) -> Row:
    v = level.vertebra
    reasons = [i.reason for i in level.all_issues]
    quality = level.quality
    low, high = level.genant_grade_range or (level.genant_grade, level.genant_grade)
    grade = level.genant_grade
    return base | {
        "status": "screened",
        "level": level.structure,
        "genant_grade": grade,
        "genant_grade_min": low,
        "genant_grade_max": high,
        "height_loss_pct": _r(level.height_loss_pct),
        "morphology": None if level.morphology is None else level.morphology.value,
        "anterior_height_mm": _r(v.anterior_height_mm),
        "middle_height_mm": _r(v.middle_height_mm),
        "posterior_height_mm": _r(v.posterior_height_mm),
        "wedge_angle_deg": _r(v.wedge_angle_deg),
        "quality": quality.value,
        "quality_reasons": "; ".join(reasons),
        "trabecular_mean_hu": None if density is None else _r(density.mean_hu),
        "trabecular_median_hu": None if density is None else _r(density.median_hu),
        "trabecular_voxels": None if density is None else density.voxel_count,
        "trabecular_roi": None if density is None else roi_definition(density.erosion_mm),
        "flag_fracture": grade is not None and grade >= FRACTURE_MIN_GRADE,
        "flag_possible_fracture": (grade is None or grade < FRACTURE_MIN_GRADE)
        and high is not None
        and high >= FRACTURE_MIN_GRADE,
        "flag_limited": quality is not Quality.GOOD,
    }


def _priority(rows: Sequence[Row]) -> int:
    grades = [r["genant_grade"] for r in rows if r["flag_fracture"]]
    if grades:
        return 1 if max(grades) >= 3 else 2
    if any(r["flag_possible_fracture"] for r in rows):
        return 3
    if any(r["flag_low_density"] for r in rows):
        return 4
    return 6 if any(r["flag_limited"] for r in rows) else 7


def study_rows(
    study: Study,
    spine: SpineMeasurement,
    *,
    densities: Mapping[str, LevelDensity],
    screen: DensityScreen | None,
    density_note: str | None,
) -> tuple[Row, ...]:
    """One row per measured level; study-level columns repeated on each row."""
    base = blank_row(study) | {
        "density_screened_level": None if screen is None else screen.structure,
        "density_flag": "unknown" if screen is None else screen.flag.value,
        "density_reason": density_note if screen is None else screen.reason,
    }
    rows = []
    for level in spine.levels:
        row = _level_row(base, level, densities.get(level.structure))
        screened = screen is not None and screen.structure == level.structure
        row["flag_low_density"] = bool(screened and screen is not None and screen.refer_for_dxa)
        rows.append(row)
    priority = _priority(rows)
    for row in rows:
        row["priority"] = priority
        row["priority_reason"] = PRIORITIES[priority]
        if flagged(row):
            row["thumbnail"] = thumbnail_name(study, row["level"])
    return tuple(rows)


def flagged(row: Row) -> bool:
    """A level the worklist shows with a picture."""
    return bool(row["flag_fracture"] or row["flag_possible_fracture"] or row["flag_low_density"])
