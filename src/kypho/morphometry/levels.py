"""Measure and grade the vertebrae of one study, with the heights read at chosen stations.

Each vertebra is measured on its own (``body.measure_vertebra``); one that cannot be
measured becomes a ``POOR`` level that says why, never an exception; then the spine is
graded (``spine.grade_spine``). ``method`` names the stations, so a result always says
which convention produced its heights (clinical reference 3.2).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from kypho.morphometry.body import measure_vertebra
from kypho.morphometry.spine import grade_spine
from kypho.morphometry.types import Issue, Quality, SpineMeasurement, Stations, VertebraMeasurement
from kypho.morphometry.voxels import VertebraVoxels, VolumeGeometry

logger = logging.getLogger(__name__)
MASK_FRAME = "mask, endplate-normal frame"


def mask_method(stations: Stations) -> str:
    """The ``SpineMeasurement.method`` of a mask measured at ``stations``.

    >>> mask_method(Stations.TS_15_50_85)
    'mask, endplate-normal frame, stations at 15/50/85 % of depth'
    >>> mask_method(Stations.WALLS)
    'mask, endplate-normal frame, stations at the anterior and posterior walls and the middle'
    """
    if stations is Stations.TS_15_50_85:
        return f"{MASK_FRAME}, stations at 15/50/85 % of depth"
    return f"{MASK_FRAME}, stations at the anterior and posterior walls and the middle"


def _measure_safely(
    voxels: VertebraVoxels,
    geometry: VolumeGeometry,
    *,
    stations: Stations,
    max_slice_thickness_mm: float,
) -> VertebraMeasurement:
    try:
        return measure_vertebra(
            voxels, geometry, max_slice_thickness_mm=max_slice_thickness_mm, stations=stations
        )
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as err:
        logger.warning("%s: could not be measured: %s", voxels.structure, err)
        issue = Issue(quality=Quality.POOR, reason=f"could not be measured: {err}")
        return VertebraMeasurement(structure=voxels.structure, issues=(issue,))


def measure_levels(
    pairs: Sequence[tuple[VertebraVoxels, VolumeGeometry]],
    *,
    layout: str,
    stations: Stations,
    max_slice_thickness_mm: float,
) -> SpineMeasurement:
    """Measure each vertebra (its voxels and their grid) at ``stations``, then grade all."""
    measured = [
        _measure_safely(v, g, stations=stations, max_slice_thickness_mm=max_slice_thickness_mm)
        for v, g in pairs
    ]
    spine = grade_spine(measured, method=mask_method(stations), layout=layout)
    return SpineMeasurement(
        levels=spine.levels,
        method=spine.method,
        layout=spine.layout,
        voxel_size_mm=pairs[0][1].spacing_mm if pairs else None,
    )
