"""Plain data (JSON-ready dicts) and text tables from measurement results."""

from __future__ import annotations

from typing import Any

from kypho.morphometry.compare import LevelChange
from kypho.morphometry.types import LevelMeasurement, SpineMeasurement


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


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
        "height_loss_pct": _r(level.height_loss_pct),
        "genant_grade": level.genant_grade,
        "morphology": None if level.morphology is None else level.morphology.value,
        "wedge_angle_deg": _r(v.wedge_angle_deg),
        "wedge_angle_doubt_deg": _r(v.wedge_angle_doubt_deg),  # null: trusted within 3 deg
        "volume_ml": _r(v.volume_ml),
        "retropulsion_mm": _r(v.retropulsion_mm),
        "quality": level.quality.value,
        "quality_reasons": [i.reason for i in level.all_issues],
    }


def spine_dict(spine: SpineMeasurement, **extra: Any) -> dict[str, Any]:
    """The ``kypho measure --format json`` document."""
    return {
        "method": spine.method,
        "layout": spine.layout,
        "voxel_size_mm": spine.voxel_size_mm,
        "genant_boundaries": "0: <20 %; 1: 20-<25 %; 2: 25-40 %; 3: >40 % (project convention)",
        "levels": [level_dict(lv) for lv in spine.levels],
        **extra,
    }


def _cell(value: object) -> str:
    return "-" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)


def spine_table(spine: SpineMeasurement) -> str:
    """A fixed-width text table, one row per level."""
    head = (
        "level",
        "Ha mm",
        "Hm mm",
        "Hp mm",
        "loss %",
        "grade",
        "type",
        "wedge deg",
        "vol mL",
        "quality",
    )
    rows = [head]
    for d in (level_dict(lv) for lv in spine.levels):
        keys = (
            "level",
            "anterior_height_mm",
            "middle_height_mm",
            "posterior_height_mm",
            "height_loss_pct",
            "genant_grade",
            "morphology",
            "wedge_angle_deg",
            "volume_ml",
        )
        reasons = "; ".join(d["quality_reasons"])
        rows.append(
            (*(_cell(d[k]) for k in keys), d["quality"] + (f" ({reasons})" if reasons else ""))
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
        for r in rows
    )


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
