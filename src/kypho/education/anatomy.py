"""Where the fractured body sits, which way it faces, and where its pedicles are.

The body frame comes from the morphometry's six points (mm, RAS+): the centre is their
mean; *superior* runs from the mean of the inferior points to the mean of the superior
ones; *anterior* from the posterior to the anterior points, made square to superior;
*lateral* completes a right-handed frame. The stations sit at known fractions of the
depth (``Stations.depth_fractions``), so the walls follow from them.

Pedicles, estimated from the mask: the level's voxels in a slab from 1 to
``PEDICLE_SLAB_MM`` behind the posterior wall, within half the posterior height of the
centre, more than ``MIDLINE_GAP_MM`` from the mid-sagittal plane (the canal lies there).
The centroid on each side is that pedicle's position. Nothing is found where the mask
has no such voxels: that side is then ``None``, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kypho.errors import InvalidInput
from kypho.morphometry.types import LevelMeasurement, Stations

Floats = NDArray[np.float64]
PEDICLE_SLAB_MM = 10.0  # behind the posterior wall: pedicle, before the lamina (convention)
MIDLINE_GAP_MM = 4.0  # half the canal's narrowest width kept out (convention)


@dataclass(frozen=True, slots=True, kw_only=True)
class BodyFrame:
    """The vertebral body's centre and axes (unit vectors, RAS+) and its size (mm)."""

    centre: Floats
    anterior: Floats
    lateral: Floats
    superior: Floats
    depth_mm: float
    station_u_mm: tuple[float, float, float]  # anterior, middle, posterior (from centre)
    heights_mm: tuple[float, float, float]

    def local(self, points: Floats) -> Floats:
        """(u, v, w): anterior, lateral, superior coordinates of ``points`` (N, 3)."""
        axes = np.stack([self.anterior, self.lateral, self.superior], axis=1)
        return np.asarray((points - self.centre) @ axes)

    def world(self, local: Floats) -> Floats:
        axes = np.stack([self.anterior, self.lateral, self.superior], axis=0)
        return np.asarray(self.centre + local @ axes)

    @property
    def posterior_wall_u_mm(self) -> float:
        return self.station_u_mm[1] - self.depth_mm / 2


def body_frame(level: LevelMeasurement) -> BodyFrame:
    """The frame of a measured level (it needs its six points and three heights)."""
    v = level.vertebra
    if v.points is None or v.heights_mm is None:
        raise InvalidInput(
            f"{level.structure}: expected the level measured (six points and heights) in "
            "the mask, found it could not be measured"
        )
    p = v.points
    sup = np.array([p.superior_anterior_mm, p.superior_middle_mm, p.superior_posterior_mm])
    inf = np.array([p.inferior_anterior_mm, p.inferior_middle_mm, p.inferior_posterior_mm])
    centre = np.vstack([sup, inf]).mean(axis=0)
    superior = _unit(sup.mean(axis=0) - inf.mean(axis=0))
    anterior = (sup[0] + inf[0] - sup[2] - inf[2]) / 2
    anterior = _unit(anterior - anterior.dot(superior) * superior)
    lateral = np.cross(superior, anterior)
    mids = (sup + inf) / 2
    u = tuple(float(x) for x in (mids - centre) @ anterior)
    # Landmarks carry no stations: their six points sit at the walls (six-point convention).
    front, middle, back = (v.stations or Stations.WALLS).depth_fractions
    depth = (u[0] - u[2]) / (back - front)
    return BodyFrame(
        centre=centre,
        anterior=anterior,
        lateral=lateral,
        superior=superior,
        depth_mm=float(depth),
        station_u_mm=(u[0], u[1], u[2]),
        heights_mm=v.heights_mm,
    )


def pedicles(
    mask: NDArray[np.bool_], affine: Floats, frame: BodyFrame
) -> tuple[Floats | None, Floats | None]:
    """(right, left) pedicle centroids in mm, each ``None`` when the mask shows none there.

    Right and left are the patient's: ``lateral`` = superior x anterior points left
    in RAS+, so a negative lateral coordinate is the patient's right.
    """
    ijk = np.argwhere(mask)
    mm = ijk @ affine[:3, :3].T + affine[:3, 3]
    u, v, w = frame.local(mm).T
    wall = frame.posterior_wall_u_mm
    half = frame.heights_mm[2] / 2
    slab = (u < wall - 1.0) & (u > wall - PEDICLE_SLAB_MM) & (np.abs(w) < half)
    found: list[Floats | None] = []
    for side in (v < -MIDLINE_GAP_MM, v > MIDLINE_GAP_MM):
        hit = slab & side
        found.append(mm[hit].mean(axis=0) if hit.sum() >= 3 else None)
    return found[0], found[1]


def _unit(vector: Floats) -> Floats:
    return np.asarray(vector / np.linalg.norm(vector))


def hits_along(
    vertices: Floats, faces: NDArray[np.int64], origin: Floats, direction: Floats
) -> Floats:
    """Signed distances along the line ``origin + t * direction`` where it crosses the mesh.

    Moller-Trumbore on every triangle at once; the line runs both ways (t may be < 0).
    """
    a, b, c = vertices[faces[:, 0]], vertices[faces[:, 1]], vertices[faces[:, 2]]
    e1, e2 = b - a, c - a
    pvec = np.cross(direction, e2)
    det = np.einsum("ij,ij->i", e1, pvec)
    ok = np.abs(det) > 1e-12
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    tvec = origin - a
    s = np.einsum("ij,ij->i", tvec, pvec) * inv
    q = np.cross(tvec, e1)
    t_ = np.einsum("j,ij->i", direction, q) * inv
    r = np.einsum("ij,ij->i", e2, q) * inv
    inside = ok & (s >= 0) & (t_ >= 0) & (s + t_ <= 1)
    return np.sort(r[inside])


def height_through(
    vertices: Floats, faces: NDArray[np.int64], origin: Floats, direction: Floats
) -> float:
    """The mesh's extent along ``direction`` through ``origin``: last crossing - first."""
    t = hits_along(vertices, faces, origin, direction)
    if t.size < 2:
        return 0.0
    return float(t[-1] - t[0])
