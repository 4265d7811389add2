"""Check a study's vertebra labels against anatomy before its grades are trusted.

A segmenter sometimes names the wrong vertebra (TotalSegmentator mixes adjacent
vertebrae in about 1-2 % of cases, issue 12): a grade is then reported for the wrong
level, which is worse than no grade. From what was measured, in the order the names
say (cranial to caudal):

- each name once (a duplicate is flagged on every level that carries it);
- centroids in the same order along the spine's axis (a pair out of order: swapped);
- neighbours one vertebra apart: the distance between centroids against the bodies'
  heights (``GAP_SPACING_RATIO``); further apart, a vertebra between them has no label
  (the labels below may be shifted); a name skipped with no room for it: a shifted label
  or a transitional spine;
- body footprints (volume / mean of the three heights, insensitive to a compression
  fracture: exact for a crush or a linear wedge) that grow caudally within
  ``FOOTPRINT_MIN_RATIO``-``FOOTPRINT_MAX_RATIO``.

Each finding becomes a ``LIMITED`` issue on the levels concerned, with its reason; a
transitional segment (T13, L6, 11 thoracic or 4 lumbar) is named in
``SpineMeasurement.label_notes``. ``POOR`` levels (cut by the edge, unmeasurable) take no
part in the geometric checks. Decision support: the reader confirms the count on images
that show the whole spine.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kypho.morphometry.sixpoint import heights_mm
from kypho.morphometry.structures import STRUCTURE_ORDER, structure_position
from kypho.morphometry.types import Issue, LevelMeasurement, Quality, SpineMeasurement

# Centroid to centroid, neighbours lie one body height plus one disc apart: on the
# phantoms (8 mm discs, 15-28 mm bodies) 1.3-1.6 times the mean of their largest heights;
# normal discs are 0.2-0.4 of the body height, so up to about 1.5 in life, and a crushed
# pair (both bodies halved) about 1.6. One vertebra missing between them adds a body and
# a disc: about 2.5. PROJECT CONVENTION, between the two.
GAP_SPACING_RATIO = 1.9
# Vertebral bodies widen caudally by a few percent a level; L5 may be a little smaller
# than L4. A footprint below 0.8 or above 1.4 times the level above it is not that
# growth: a label on the wrong vertebra, or one label on two. PROJECT CONVENTION.
FOOTPRINT_MIN_RATIO = 0.8
FOOTPRINT_MAX_RATIO = 1.4
OPTIONAL_STRUCTURES = frozenset({"T13", "L6"})  # transitional: absent in most spines
Floats = NDArray[np.float64]
Usable = tuple[Floats, float, float | None]  # centroid mm, largest height mm, footprint mm^2


@dataclass(frozen=True, slots=True)
class _Geometry:
    levels: dict[int, Usable]  # index in the spine -> what it shows
    axis: Floats  # unit vector along the centroids, superior

    def along_mm(self, i: int) -> float:
        return float(self.levels[i][0] @ self.axis)


def _centre_and_size(level: LevelMeasurement) -> Usable | None:
    """(centroid mm, largest height mm, footprint mm^2 or None) of a usable level."""
    v = level.vertebra
    if v.points is None or v.quality is Quality.POOR:
        return None
    six = v.points
    points = np.array(
        [
            six.superior_anterior_mm,
            six.superior_middle_mm,
            six.superior_posterior_mm,
            six.inferior_anterior_mm,
            six.inferior_middle_mm,
            six.inferior_posterior_mm,
        ]
    )
    heights = heights_mm(six)
    # The volume over the mean height: a wedge's volume is its footprint times the mean
    # of its wall heights (its middle height), so dividing by the largest height, as
    # before, shrank a wedge's footprint by (Ha + Hp) / 2 Hp (0.79 for Ha 15, Hp 26 mm)
    # and flagged a real wedge fracture as a label problem.
    mean_mm = sum(heights) / 3.0
    footprint = None if v.volume_ml is None else v.volume_ml * 1000.0 / mean_mm
    return points.mean(axis=0), max(heights), footprint


def _spine_axis(centres: list[Floats]) -> Floats:
    """Unit vector along the line of the centroids, pointing superior (RAS+ z up)."""
    stacked = np.array(centres)
    _, _, vt = np.linalg.svd(stacked - stacked.mean(axis=0))
    axis = np.asarray(vt[0], dtype=np.float64)
    return axis if axis[2] >= 0 else -axis


def _skipped(upper: str, lower: str, present: set[str]) -> list[str]:
    """Names expected between ``upper`` and ``lower`` and absent from the study
    (transitional ones are not expected; a present ``POOR`` level is not absent)."""
    between = STRUCTURE_ORDER[structure_position(upper) + 1 : structure_position(lower)]
    return [s for s in between if s not in OPTIONAL_STRUCTURES and s not in present]


def _transitional_note(upper: str, lower: str, skipped: list[str]) -> str | None:
    if (upper, lower, skipped) == ("T11", "L1", ["T12"]):
        return "11 thoracic vertebrae (no T12, L1 follows T11)"
    if (upper, lower, skipped) == ("L4", "S1", ["L5"]):
        return "4 lumbar vertebrae (no L5, S1 follows L4)"
    return None


class _Findings:
    def __init__(self, count: int) -> None:
        self.reasons: list[list[str]] = [[] for _ in range(count)]
        self.notes: list[str] = []

    def flag(self, indices: tuple[int, ...], reason: str) -> None:
        for i in indices:
            self.reasons[i].append(reason)


def _check_duplicates(names: list[str], found: _Findings) -> None:
    for name, n in Counter(names).items():
        if n > 1:
            where = tuple(i for i, s in enumerate(names) if s == name)
            found.flag(where, f"label check: {name} names {n} structures (a duplicate label)")


def _check_order(names: list[str], i: int, j: int, geometry: _Geometry, found: _Findings) -> bool:
    """Whether level ``i`` (cranial by name) lies above ``j``; flags the pair if not."""
    if names[i] == names[j] or geometry.along_mm(i) > geometry.along_mm(j):
        return True
    found.flag(
        (i, j),
        f"label check: {names[i]} lies below {names[j]} along the spine (centroids): "
        "labels likely swapped",
    )
    return False


def _check_pair(names: list[str], i: int, j: int, geometry: _Geometry, found: _Findings) -> None:
    """Spacing and size between levels ``i`` and ``j``, neighbours along the spine."""
    (_, hi, ai), (_, hj, aj) = geometry.levels[i], geometry.levels[j]
    up, low = names[i], names[j]
    if structure_position(up) >= structure_position(low):
        return  # a duplicate, or a pair out of order (flagged by ``_check_order``)
    between = STRUCTURE_ORDER[structure_position(up) + 1 : structure_position(low)]
    if set(between) & set(names):
        return  # a labelled level lies between them, unusable here (POOR): not neighbours
    ratio = (geometry.along_mm(i) - geometry.along_mm(j)) / ((hi + hj) / 2)
    skipped = _skipped(up, low, set(names))
    if ratio > GAP_SPACING_RATIO and skipped:
        found.flag(
            (i, j),
            f"label check: no {', '.join(skipped)} between {up} and {low}, which lie "
            f"{ratio:.1f} body heights apart (room for it): a vertebra not segmented, so "
            "the neighbours used as reference are not the adjacent ones",
        )
    elif ratio > GAP_SPACING_RATIO:
        found.flag(
            (i, j),
            f"label check: {up} and {low} lie {ratio:.1f} body heights apart "
            f"(neighbours: under {GAP_SPACING_RATIO}): a vertebra between them has no "
            f"label, so the labels from {low} down may be shifted by one",
        )
    elif skipped:
        note = _transitional_note(up, low, skipped)
        if note:
            found.notes.append(f"{note}: a transitional spine, or shifted labels")
        found.flag(
            (i, j),
            f"label check: no room for {', '.join(skipped)} between {up} and "
            f"{low} ({ratio:.1f} body heights apart): labels shifted, or "
            f"{note or 'a transitional spine'}",
        )
    if (
        ai is not None
        and aj is not None
        and not (FOOTPRINT_MIN_RATIO <= aj / ai <= FOOTPRINT_MAX_RATIO)
    ):
        found.flag(
            (i, j),
            f"label check: {low}'s body footprint is {aj / ai:.2f} times "
            f"{up}'s (expected {FOOTPRINT_MIN_RATIO}-{FOOTPRINT_MAX_RATIO} going "
            "caudally): a label may be on the wrong vertebra",
        )


def _findings(spine: SpineMeasurement) -> _Findings:
    names = [lv.structure for lv in spine.levels]
    found = _Findings(len(names))
    _check_duplicates(names, found)
    for name in sorted(set(names) & OPTIONAL_STRUCTURES, key=structure_position):
        kind = "13 thoracic" if name == "T13" else "6 lumbar"
        found.notes.append(f"{kind} vertebrae ({name}): a transitional segment")
    usable = {i: g for i, lv in enumerate(spine.levels) if (g := _centre_and_size(lv))}
    order = sorted(usable)
    if len(order) < 2:
        return found
    geometry = _Geometry(usable, _spine_axis([usable[i][0] for i in order]))
    for i, j in zip(order, order[1:], strict=False):
        _check_order(names, i, j, geometry, found)
    along = sorted(order, key=lambda i: -geometry.along_mm(i))
    for i, j in zip(along, along[1:], strict=False):
        _check_pair(names, i, j, geometry, found)
    return found


def check_labels(spine: SpineMeasurement) -> SpineMeasurement:
    """``spine`` with each level whose label looks wrong ``LIMITED``, saying why.

    The levels must be in the cranio-caudal order of their names (as ``grade_spine``
    returns them). Transitional segments are named in ``label_notes``.
    """
    found = _findings(spine)
    levels = tuple(
        lv
        if not why
        else dataclasses.replace(
            lv, issues=(*lv.issues, *(Issue(quality=Quality.LIMITED, reason=r) for r in why))
        )
        for lv, why in zip(spine.levels, found.reasons, strict=True)
    )
    notes = tuple(dict.fromkeys((*spine.label_notes, *found.notes)))
    return dataclasses.replace(spine, levels=levels, label_notes=notes)
