"""Simple closed shapes for the procedure: an ellipsoid (balloon, cement) and a needle."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from kypho.education.anatomy import BodyFrame
from kypho.education.mesh import Mesh

Floats = NDArray[np.float64]
ICOSPHERE_SUBDIVISIONS = 2  # 320 triangles: smooth enough at this size
NEEDLE_RADIUS_MM = 1.5  # an 11-gauge trocar is about 3 mm across (illustration)


def ellipsoid(
    frame: BodyFrame, *, centre: Floats, axes_mm: tuple[float, float, float], structure: str
) -> Mesh:
    """A closed ellipsoid at ``centre`` with semi-axes along the body's u, v, w (mm)."""
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=ICOSPHERE_SUBDIVISIONS)
    local = np.asarray(sphere.vertices) * np.asarray(axes_mm)
    axes = np.stack([frame.anterior, frame.lateral, frame.superior], axis=0)
    return Mesh(
        structure=structure,
        vertices=np.asarray(centre + local @ axes),
        faces=np.asarray(sphere.faces, dtype=np.int64),
    )


def ellipsoid_axes_for_volume(volume_ml: float, shape: tuple[float, float, float]) -> Floats:
    """Semi-axes (mm) in the proportions of ``shape`` enclosing ``volume_ml`` (1 mL = 1000 mm3).

    >>> [round(float(a), 3) for a in ellipsoid_axes_for_volume(4 / 3 * math.pi / 1000, (1, 1, 1))]
    [1.0, 1.0, 1.0]
    """
    proportions = np.asarray(shape, dtype=float)
    unit_volume_mm3 = 4.0 / 3.0 * math.pi * float(np.prod(proportions))
    scale = (volume_ml * 1000.0 / unit_volume_mm3) ** (1.0 / 3.0)
    return np.asarray(proportions * scale)


def needle(start: Floats, end: Floats, *, structure: str = "needle") -> Mesh:
    """A thin closed cylinder from ``start`` to ``end`` (mm)."""
    import trimesh

    length = float(np.linalg.norm(end - start))
    tube = trimesh.creation.cylinder(radius=NEEDLE_RADIUS_MM, height=max(length, 1e-3), sections=8)
    direction = (end - start) / max(length, 1e-9)
    turn = trimesh.geometry.align_vectors([0.0, 0.0, 1.0], direction)  # type: ignore[no-untyped-call]
    vertices = np.asarray(tube.vertices) @ np.asarray(turn)[:3, :3].T + (start + end) / 2
    return Mesh(structure=structure, vertices=vertices, faces=np.asarray(tube.faces, np.int64))
