"""From six-point landmarks: each body as a 2-D outline in the patient's sagittal plane (mm).

The plane is the fractured body's own: it holds the body's anterior and superior axes
(``kypho.morphometry.sixpoint.body_frame``), so six points placed in one plane keep
their distances exactly; a 2-D (``AS``) file is that plane already. In the plane, *a*
runs towards the patient's front (the patient's anterior direction, projected) and *s*
upwards. A body's outline is the polygon through its six points: the superior
endplate from front to back, then the inferior one from back to front. Nothing else of
the vertebra is in the landmarks (no pedicles, no posterior elements), so nothing else
is drawn.

The body frame in the plane: centre the six points' mean, *superior* from the mean of
the inferior points to the mean of the superior ones, *anterior* square to it towards
the anterior points. The landmarks' stations are the walls (six-point convention): the
anterior and posterior points mark the walls, so the depth is the distance between the
anterior and posterior stations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kypho.morphometry.sixpoint import body_frame as sixpoint_frame
from kypho.morphometry.types import SixPoints

Floats = NDArray[np.float64]
OUTLINE_ORDER = ("superior_anterior", "superior_middle", "superior_posterior",
                 "inferior_posterior", "inferior_middle", "inferior_anterior")  # fmt: skip
SUPERIOR_POINTS = (0, 1, 2)  # indices in OUTLINE_ORDER: anterior, middle, posterior
INFERIOR_POINTS = (5, 4, 3)


@dataclass(frozen=True, slots=True, kw_only=True)
class Plane:
    """A sagittal plane: ``origin`` and unit axes ``a`` (front) and ``s`` (up), RAS+ mm."""

    origin: Floats
    a: Floats
    s: Floats

    def flat(self, points: Floats) -> Floats:
        """(N, 3) RAS+ mm -> (N, 2) (a, s) mm in the plane."""
        d = np.asarray(points, dtype=float) - self.origin
        return np.stack([d @ self.a, d @ self.s], axis=1)


def _unit(v: Floats) -> Floats:
    return np.asarray(v / np.linalg.norm(v))


def six_array(points: SixPoints) -> Floats:
    """The six points (RAS+ mm) in ``OUTLINE_ORDER``, shape (6, 3)."""
    return np.array([getattr(points, f"{name}_mm") for name in OUTLINE_ORDER], dtype=float)


def sagittal_plane(points: SixPoints) -> Plane:
    """The plane of the body's own anterior and superior axes, through its centre."""
    anterior, superior = sixpoint_frame(points)
    normal = _unit(np.cross(anterior, superior))
    forward = np.array([0.0, 1.0, 0.0]) - normal[1] * normal  # patient anterior, in plane
    if np.linalg.norm(forward) < 1e-6:  # a plane facing front: take the body's own axis
        forward = anterior
    a = _unit(forward)
    s = _unit(np.cross(normal, a))
    if s.dot(superior) < 0:
        s = -s
    return Plane(origin=six_array(points).mean(axis=0), a=a, s=s)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outline:
    """One vertebral body: its six points in the plane, ``OUTLINE_ORDER`` (mm)."""

    structure: str
    points: Floats  # (6, 2)


def outline(structure: str, points: SixPoints, plane: Plane) -> Outline:
    return Outline(structure=structure, points=plane.flat(six_array(points)))


@dataclass(frozen=True, slots=True, kw_only=True)
class Frame2D:
    """The fractured body in the plane: centre, unit axes (mm), stations along ``anterior``."""

    centre: Floats
    anterior: Floats
    superior: Floats
    station_u_mm: tuple[float, float, float]  # anterior, middle, posterior (from centre)
    heights_mm: tuple[float, float, float]

    @property
    def depth_mm(self) -> float:
        return self.station_u_mm[0] - self.station_u_mm[2]

    @property
    def posterior_wall_u_mm(self) -> float:
        return self.station_u_mm[2]

    def world(self, u_mm: float, w_mm: float) -> Floats:
        """The point ``u_mm`` in front of the centre and ``w_mm`` above it, in the plane."""
        return np.asarray(self.centre + u_mm * self.anterior + w_mm * self.superior)


def frame_2d(body: Outline, heights_mm: tuple[float, float, float]) -> Frame2D:
    """The frame of one outline; ``heights_mm`` are the landmarks' (anterior, middle, posterior)."""
    p = body.points
    centre = p.mean(axis=0)
    superior = _unit(p[list(SUPERIOR_POINTS)].mean(axis=0) - p[list(INFERIOR_POINTS)].mean(axis=0))
    anterior = np.array([superior[1], -superior[0]])  # square to superior
    front = (p[0] - p[2]) + (p[5] - p[3])
    if anterior.dot(front) < 0:
        anterior = -anterior
    mids = (p[list(SUPERIOR_POINTS)] + p[list(INFERIOR_POINTS)]) / 2
    u = (mids - centre) @ anterior
    return Frame2D(centre=centre, anterior=anterior, superior=superior,
                   station_u_mm=(float(u[0]), float(u[1]), float(u[2])),
                   heights_mm=heights_mm)  # fmt: skip


def lifted(body: Outline, frame: Frame2D, gains_mm: tuple[float, ...], fraction: float) -> Outline:
    """``body`` with each superior point raised along ``frame.superior`` by ``fraction`` of
    its station's gain; the inferior endplate stays where it is.

    A height then grows by at most the gain (the triangle inequality: the rise is added
    to the superior-to-inferior vector).
    """
    points = body.points.copy()
    for index, gain in zip(SUPERIOR_POINTS, gains_mm, strict=True):
        points[index] = points[index] + fraction * gain * frame.superior
    return Outline(structure=body.structure, points=points)
