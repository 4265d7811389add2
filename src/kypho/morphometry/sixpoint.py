"""Heights and angles from six morphometry points (2-D or 3-D, in mm).

Heights are distances between corresponding superior and inferior points, as in
six-point quantitative morphometry; the wedge angle is the angle between the
superior and inferior endplate lines, positive when they converge anteriorly.

References
----------
.. [1] Genant HK et al. Vertebral fracture assessment using a semiquantitative technique.
   J Bone Miner Res 1993;8:1137-48 (clinical reference 3.1-3.2).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from kypho.morphometry.types import Point3, SixPoints

Frame = tuple[NDArray[np.float64], NDArray[np.float64]]  # (anterior, superior) unit vectors


def _v(p: Point3) -> NDArray[np.float64]:
    return np.asarray(p, dtype=np.float64)


def heights_mm(points: SixPoints) -> tuple[float, float, float]:
    """(anterior, middle, posterior) heights: superior-to-inferior point distances."""
    pairs = (
        (points.superior_anterior_mm, points.inferior_anterior_mm),
        (points.superior_middle_mm, points.inferior_middle_mm),
        (points.superior_posterior_mm, points.inferior_posterior_mm),
    )
    a, m, p = (float(np.linalg.norm(_v(s) - _v(i))) for s, i in pairs)
    return a, m, p


def body_frame(points: SixPoints) -> Frame:
    """The vertebra's own (anterior, superior) axes: endplate bisector and its normal."""
    anterior = (_v(points.superior_anterior_mm) - _v(points.superior_posterior_mm)) + (
        _v(points.inferior_anterior_mm) - _v(points.inferior_posterior_mm)
    )
    anterior /= np.linalg.norm(anterior)
    sup = (
        _v(points.superior_anterior_mm)
        + _v(points.superior_middle_mm)
        + _v(points.superior_posterior_mm)
    )
    inf = (
        _v(points.inferior_anterior_mm)
        + _v(points.inferior_middle_mm)
        + _v(points.inferior_posterior_mm)
    )
    superior = sup - inf
    superior -= superior.dot(anterior) * anterior
    return anterior, superior / np.linalg.norm(superior)


def tilt_deg(anterior_point_mm: Point3, posterior_point_mm: Point3, *, frame: Frame) -> float:
    """Elevation of an endplate's posterior end over its anterior end in ``frame`` (deg)."""
    d = _v(posterior_point_mm) - _v(anterior_point_mm)
    anterior, superior = frame
    return math.degrees(math.atan2(float(d.dot(superior)), float(-d.dot(anterior))))


def wedge_angle_deg(points: SixPoints) -> float:
    """Angle between the endplate lines; positive (kyphotic) when they meet anteriorly."""
    frame = body_frame(points)
    sup = tilt_deg(points.superior_anterior_mm, points.superior_posterior_mm, frame=frame)
    inf = tilt_deg(points.inferior_anterior_mm, points.inferior_posterior_mm, frame=frame)
    return sup - inf


SAGITTAL_FRAME: Frame = (np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0]))


def cobb_angle_deg(*, upper: SixPoints, lower: SixPoints) -> float:
    """Regional kyphosis: superior endplate of ``upper`` to inferior endplate of ``lower``.

    Measured in the patient's sagittal plane (anterior, superior); positive is kyphosis,
    negative lordosis. With ``upper is lower`` this is that body's sagittal wedge angle.

    References
    ----------
    .. [1] Clinical reference 3.3: segmental/bisegmental Cobb (convention UNCONFIRMED in the
       sources read; the definition used is stored with each result).
    """
    sup = tilt_deg(upper.superior_anterior_mm, upper.superior_posterior_mm, frame=SAGITTAL_FRAME)
    inf = tilt_deg(lower.inferior_anterior_mm, lower.inferior_posterior_mm, frame=SAGITTAL_FRAME)
    return sup - inf
