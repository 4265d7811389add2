"""The side view from landmarks: which bodies are drawn, the lift, the notes for the clinician.

The fractured (planned) level and its neighbours directly above and below, those the
landmarks file holds; a missing neighbour is named in the notes and not drawn (never
invented). A transitional T13 or L6 between two levels does not break adjacency.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kypho.education.outline2d import Frame2D, Outline, Plane, frame_2d, outline, sagittal_plane
from kypho.education.steps import height_gains_mm
from kypho.education.steps2d import SECOND_NEEDLE_OFFSET_MM, SideStep, build_side_steps
from kypho.errors import InvalidInput
from kypho.morphometry.structures import STRUCTURE_ORDER, structure_position
from kypho.morphometry.types import LevelMeasurement, SpineMeasurement

TRANSITIONAL = frozenset({"T13", "L6"})
SCHEMATIC_NOTE = (
    "needle path: schematic in 2-D (the landmarks hold no pedicles): drawn straight in "
    "from behind at mid-height"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LandmarkFile:
    """A ``kypho-landmarks/1`` file as read (``kypho.imaging.landmarks``) and its name."""

    path: Path
    spine: SpineMeasurement


@dataclass(frozen=True, slots=True, kw_only=True)
class SideProcedure:
    """The side-view steps and the numbers behind them (heights in mm, cement in mL)."""

    level: str
    approach: str
    steps: tuple[SideStep, ...]
    heights_before_mm: tuple[float, float, float]
    heights_after_mm: tuple[float, float, float]
    pre_fracture_height_mm: float
    cement_ml: float
    above: str | None  # the neighbour drawn above, if the landmarks hold it
    below: str | None
    sized_by: str
    standard: bool = False  # always the patient's own landmarks


def _adjacent(upper: str, lower: str) -> bool:
    """True when no regular vertebra lies between ``upper`` and ``lower``."""
    between = STRUCTURE_ORDER[structure_position(upper) + 1 : structure_position(lower)]
    return all(name in TRANSITIONAL for name in between)


def neighbours(
    spine: SpineMeasurement, structure: str
) -> tuple[LevelMeasurement | None, LevelMeasurement | None]:
    """The levels directly above and below ``structure`` in ``spine``, where present."""
    order = list(spine.levels)
    at = [lv.structure for lv in order].index(structure)
    up = order[at - 1] if at > 0 else None
    down = order[at + 1] if at + 1 < len(order) else None
    return (
        up if up is not None and _adjacent(up.structure, structure) else None,
        down if down is not None and _adjacent(structure, down.structure) else None,
    )


def _wanted(structure: str, offset: int) -> str:
    """The regular neighbour's name (for the notes), e.g. T12 above L1."""
    regular = [s for s in STRUCTURE_ORDER if s not in TRANSITIONAL]
    if structure not in regular:
        return "the next level " + ("above" if offset < 0 else "below")
    i = regular.index(structure) + offset
    return regular[i] if 0 <= i < len(regular) else "none"


def _found(source: LandmarkFile, structure: str) -> LevelMeasurement:
    found = source.spine.get(structure)
    if found is None or found.vertebra.points is None or found.vertebra.heights_mm is None:
        present = ", ".join(lv.structure for lv in source.spine.levels) or "none"
        raise InvalidInput(
            f"{source.path}: expected level {structure} in the landmarks, found {present}"
        )
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class SideModel:
    procedure: SideProcedure
    frame: Frame2D
    notes: tuple[str, ...]


def side_model(
    source: LandmarkFile, structure: str, *, approach: str, cement_ml: float
) -> SideModel:
    """The steps for ``structure`` (the planned level) from ``source``'s landmarks."""
    level = _found(source, structure)
    points = level.vertebra.points
    heights = level.vertebra.heights_mm
    assert points is not None and heights is not None  # _found checked
    plane = sagittal_plane(points)
    body = outline(structure, points, plane)
    frame = frame_2d(body, heights)
    up, down = neighbours(source.spine, structure)
    bones = tuple(_outline(n, plane) for n in (up, down) if n is not None)
    pre = level.reference_height_mm or max(heights)
    gains = height_gains_mm(heights, pre)
    steps = build_side_steps(bones=bones, fractured=body, frame=frame,
                             needles=2 if approach == "bipedicular" else 1,
                             cement_ml=cement_ml, gains_mm=gains)  # fmt: skip
    a, m, p = (h + g for h, g in zip(heights, gains, strict=True))
    procedure = SideProcedure(
        level=structure, approach=approach, steps=steps, heights_before_mm=heights,
        heights_after_mm=(a, m, p), pre_fracture_height_mm=pre, cement_ml=cement_ml,
        above=None if up is None else up.structure, below=None if down is None else down.structure,
        sized_by=f"landmarks {source.path.name} (2-D side view)",
    )  # fmt: skip
    return SideModel(procedure=procedure, frame=frame, notes=_notes(procedure, source, gains))


def _outline(level: LevelMeasurement, plane: Plane) -> Outline:
    points = level.vertebra.points
    assert points is not None  # the reader keeps only levels with six points
    return outline(level.structure, points, plane)


def _notes(p: SideProcedure, source: LandmarkFile, gains: tuple[float, ...]) -> tuple[str, ...]:
    sides = ((-1, "above", p.above), (1, "below", p.below))
    missing = [f"{where}: no {_wanted(p.level, k)} in the landmarks, not drawn"
               for k, where, shown in sides if shown is None]  # fmt: skip
    drawn = ", ".join(s for s in (p.above, p.level, p.below) if s)
    how = "one needle" if p.approach == "unipedicular" else (
        "two needles (bipedicular), one behind the other in the side view; the second "
        f"drawn {SECOND_NEEDLE_OFFSET_MM:g} mm higher")  # fmt: skip
    return (
        f"model: drawn from landmarks (2-D): {source.path.name}, bodies {drawn}",
        *(f"neighbour {m}" for m in missing),
        SCHEMATIC_NOTE + f"; {how}",
        f"lift shown (mm, anterior/middle/posterior): {', '.join(f'{g:.1f}' for g in gains)} "
        f"(capped at {p.pre_fracture_height_mm:.1f} mm, the estimated height before the fracture)",
        f"cement shown: {p.cement_ml:.1f} mL (middle of the planned range), drawn as the "
        "mid-sagittal section of the 3-D model's ellipsoid",
    )
