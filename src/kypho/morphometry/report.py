"""Plain data (JSON-ready dicts) and text tables from measurement results."""

from __future__ import annotations

from typing import Any

from kypho.domain.imaging import PICKHARDT_SOURCE, bone_density_flag
from kypho.morphometry.compare import LevelChange
from kypho.morphometry.density import DISCLAIMER as DENSITY_DISCLAIMER
from kypho.morphometry.density import LevelDensity, StudyDensity, roi_definition
from kypho.morphometry.types import LevelMeasurement, ReferenceMethod, SpineMeasurement


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _pair(values: tuple[float, float] | tuple[int, int] | None) -> list[float] | None:
    return None if values is None else [round(float(x), 1) for x in values]


def level_dict(level: LevelMeasurement) -> dict[str, Any]:
    v = level.vertebra
    return {
        "level": level.structure,
        "in_level_enum": level.level is not None,
        "anterior_height_mm": _r(v.anterior_height_mm),
        "middle_height_mm": _r(v.middle_height_mm),
        "posterior_height_mm": _r(v.posterior_height_mm),
        "anterior_posterior_ratio": _r(level.anterior_posterior_ratio, 3),
        "middle_posterior_ratio": _r(level.middle_posterior_ratio, 3),
        "posterior_neighbour_ratio": _r(level.posterior_neighbour_ratio, 3),
        "reference_height_mm": _r(level.reference_height_mm),
        "reference_from": level.reference_from,
        "reference_method": None
        if level.reference_method is None
        else level.reference_method.value,
        "height_loss_pct": _r(level.height_loss_pct),
        # [least, greatest] within the heights' doubt (null: no doubt known, e.g. landmarks)
        "height_loss_range_pct": _pair(level.height_loss_range_pct),
        "height_doubt_mm": _r(v.height_doubt_mm),
        "genant_grade": level.genant_grade,
        "genant_grade_range": (
            None if level.genant_grade_range is None else list(level.genant_grade_range)
        ),
        "morphology": None if level.morphology is None else level.morphology.value,
        "wedge_angle_deg": _r(v.wedge_angle_deg),
        "wedge_angle_doubt_deg": _r(v.wedge_angle_doubt_deg),  # null: trusted within 3 deg
        "volume_ml": _r(v.volume_ml),
        "retropulsion_mm": _r(v.retropulsion_mm),
        "quality": level.quality.value,
        "quality_reasons": [i.reason for i in level.all_issues],
    }


DISCLAIMER = (
    "Decision support only: measurements from a segmentation, to be checked on the images; "
    "the physician decides."
)


def level_density_dict(density: LevelDensity) -> dict[str, Any]:
    return {
        "level": density.structure,
        "mean_hu": _r(density.mean_hu),
        "median_hu": _r(density.median_hu),
        "voxel_count": density.voxel_count,
        "roi_volume_mm3": _r(density.roi_volume_mm3, 0),
        "roi": roi_definition(density.erosion_mm),
        "usable": density.usable,
        "problem": density.problem,
    }


def density_dict(density: StudyDensity) -> dict[str, Any]:
    """Per level HU, the screen (one level against Pickhardt 2013) and the contrast phase."""
    screen = density.screen
    flag = None if screen.mean_hu is None else bone_density_flag(screen.mean_hu)
    return {
        "disclaimer": DENSITY_DISCLAIMER,
        "thresholds": "<= 110 HU (> 90 % specific), <= 160 HU (90 % sensitive); "
        + PICKHARDT_SOURCE,
        "contrast_phase": density.contrast_phase.value,
        "contrast_evidence": density.contrast_evidence,
        # the thresholds do not change with the phase (Pickhardt: IV contrast did not
        # affect performance; clinical reference 6.1)
        "screen": {
            "level": screen.structure,
            "mean_hu": _r(screen.mean_hu),
            "flag": None if flag is None else flag.value,
            "refer_for_dxa": screen.refer_for_dxa,
            "reason": screen.reason,
        },
        "levels": [level_density_dict(d) for d in density.levels],
    }


_PHASE_WORDS = {
    "non_contrast": "no IV contrast",
    "contrast": "IV contrast given, phase not known",
    "unknown": "IV contrast not stated in the series",
}


def density_line(density: StudyDensity) -> str:
    """One line for the text table: the screen, its level, HU, flag and contrast."""
    screen = density.screen
    phase = f"{_PHASE_WORDS[density.contrast_phase.value]} ({density.contrast_evidence})"
    if screen.mean_hu is None:
        return f"Bone density: not screened ({screen.reason}); {phase}."
    flag = bone_density_flag(screen.mean_hu)
    return (
        f"Bone density: {screen.structure} mean {screen.mean_hu:.0f} HU, "
        f"{flag.threshold_text} ({PICKHARDT_SOURCE}); {phase}; {screen.reason}."
    )


def spine_dict(
    spine: SpineMeasurement, *, density: StudyDensity | None = None, **extra: Any
) -> dict[str, Any]:
    """The ``kypho measure --format json`` document (``bone_density`` with a CT's HU)."""
    found = {} if density is None else {"bone_density": density_dict(density)}
    return {
        "disclaimer": DISCLAIMER,
        "method": spine.method,
        "layout": spine.layout,
        "voxel_size_mm": spine.voxel_size_mm,
        # Where heights were read: "walls" (six-point) or "ts-15-50-85"; null: landmarks
        # placed by a reader (or levels measured differently).
        "stations": None if spine.stations is None else spine.stations.value,
        "label_notes": list(spine.label_notes),
        "genant_boundaries": "0: <20 %; 1: 20-<25 %; 2: 25-40 %; 3: >40 % (project convention)",
        "levels": [level_dict(lv) for lv in spine.levels],
        **found,
        **extra,
    }


def _cell(value: object) -> str:
    return "-" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)


def _reference_cell(level: LevelMeasurement) -> str:
    if level.reference_method is ReferenceMethod.OWN_POSTERIOR:
        return "own-Hp"
    if level.reference_method is ReferenceMethod.NEIGHBOURS and level.reference_from:
        return level.reference_from.removeprefix("neighbours ").replace(", ", "+")
    return "-"


def _row(level: LevelMeasurement) -> tuple[str, ...]:
    """Table cells; a doubt that reaches across a boundary is shown beside its value."""
    v = level.vertebra
    loss, grade, wedge = (
        _cell(level.height_loss_pct),
        _cell(level.genant_grade),
        _cell(v.wedge_angle_deg),
    )
    if level.grade_uncertain and level.height_loss_range_pct and level.genant_grade_range:
        lo, hi = level.height_loss_range_pct
        loss += f" ({lo:.0f}-{hi:.0f})"
        grade += " ({}-{})".format(*level.genant_grade_range)
    if v.wedge_angle_doubt_deg is not None and v.wedge_angle_deg is not None:
        wedge += f" +-{v.wedge_angle_doubt_deg:.0f}"
    reasons = "; ".join(i.reason for i in level.all_issues if not i.shown_in_column)
    return (
        level.structure,
        _cell(v.anterior_height_mm),
        _cell(v.middle_height_mm),
        _cell(v.posterior_height_mm),
        loss,
        grade,
        _cell(None if level.morphology is None else level.morphology.value),
        _reference_cell(level),
        wedge,
        _cell(v.volume_ml),
        level.quality.value + (f" ({reasons})" if reasons else ""),
    )


TABLE_NOTES = (
    "ref: the levels whose heights are the reference; own-Hp: the level's own posterior "
    "height (no intact neighbour in view), which cannot show a crush loss, so the grade "
    "range reaches 3. (a-b): height loss % and Genant grade within the doubt of the "
    "heights (one sampling step each), shown where the grade is uncertain. +-: wedge "
    "angle doubt where the endplates cross too few slices."
)


def spine_table(spine: SpineMeasurement, *, density: StudyDensity | None = None) -> str:
    """A fixed-width text table, one row per level, and what its marks mean.

    With ``density``, the screen is said at the end of the notes (still one line).
    """
    head = (
        "level",
        "Ha mm",
        "Hm mm",
        "Hp mm",
        "loss %",
        "grade",
        "type",
        "ref",
        "wedge deg",
        "vol mL",
        "quality",
    )
    rows = [head, *(_row(lv) for lv in spine.levels)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
    table = "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
        for r in rows
    )
    notes = TABLE_NOTES  # one line: the table's readers take the last two lines as notes
    if spine.stations is not None:
        notes += f" Heights: {spine.stations.description} ({spine.stations.value})."
    notes += "".join(f" Labels: {note}." for note in spine.label_notes)
    if density is not None:
        notes += " " + density_line(density)
    return f"{table}\n{notes}\n{DISCLAIMER}"


def change_dict(change: LevelChange) -> dict[str, Any]:
    return {
        "level": change.structure,
        **{
            f"{k}_change_{u}": _r(getattr(change, f"{k}_change_{u}"))
            for k in ("anterior", "middle", "posterior")
            for u in ("mm", "pct")
        },
        "threshold_mm": _r(change.threshold_mm),
        "progression": change.progression,
        "reason": change.reason,
    }
