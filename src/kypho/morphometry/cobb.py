"""Regional kyphosis (Cobb) between two measured levels.

Superior endplate of the upper level to inferior endplate of the lower one, in the
patient's sagittal plane, kyphosis positive. From mask input each endplate's tilt comes
from its fitted plane (``VertebraMeasurement.superior_endplate``/``inferior_endplate``),
which uses the whole surface; from landmarks, from the two rim points of six-point
morphometry.

References
----------
.. [1] Clinical reference 3.3: segmental/bisegmental Cobb (convention UNCONFIRMED in the
   sources read; the definition used is stored with each result).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kypho.morphometry.sixpoint import cobb_angle_deg
from kypho.morphometry.types import Endplate, VertebraMeasurement

DEFINITION = "superior endplate of FROM to inferior endplate of TO, sagittal plane, kyphosis > 0"


@dataclass(frozen=True, slots=True, kw_only=True)
class Cobb:
    angle_deg: float
    doubt_deg: float | None  # None: trusted (both levels sampled finely enough)
    source: str  # "endplate planes" or "six points"


def sagittal_tilt_deg(endplate: Endplate) -> float:
    """Elevation of the endplate's posterior end over its anterior end (deg, RAS+).

    >>> round(sagittal_tilt_deg(Endplate(normal=(0.0, 0.0, 1.0), tilt_uncertainty_deg=0)), 6)
    0.0
    >>> s = math.sin(math.radians(10)); c = math.cos(math.radians(10))
    >>> round(sagittal_tilt_deg(Endplate(normal=(0.0, s, c), tilt_uncertainty_deg=0)), 6)
    10.0
    """
    _, anterior, superior = endplate.normal
    return math.degrees(math.atan2(anterior, superior))


def regional_kyphosis(upper: VertebraMeasurement, lower: VertebraMeasurement) -> Cobb | None:
    """The Cobb angle from ``upper`` to ``lower``; ``None`` when either is unmeasured.

    The doubt is the larger of the two levels' wedge angle doubts (each bounds two
    endplate tilts; the Cobb angle uses one endplate of each level).
    """
    doubts = [d for d in (upper.wedge_angle_doubt_deg, lower.wedge_angle_doubt_deg) if d]
    doubt = max(doubts) if doubts else None
    top, bottom = upper.superior_endplate, lower.inferior_endplate
    if top is not None and bottom is not None:
        angle = sagittal_tilt_deg(top) - sagittal_tilt_deg(bottom)
        return Cobb(angle_deg=angle, doubt_deg=doubt, source="endplate planes")
    if upper.points is None or lower.points is None:
        return None
    angle = cobb_angle_deg(upper=upper.points, lower=lower.points)
    return Cobb(angle_deg=angle, doubt_deg=doubt, source="six points")
