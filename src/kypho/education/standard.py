"""Without a mask: a standard vertebra of the level and its neighbours, as a label volume.

The shape is a drawing, not an anatomy atlas: an elliptic-cylinder body whose height
profile passes through the anterior, middle and posterior heights at 15, 50 and 85 % of
its depth, two pedicles, a lamina and a spinous process, stacked with discs. Depth,
width and the neighbours' height per region are a project convention (rounded adult
sizes, for illustration only; UNCONFIRMED as norms). The fractured body takes the
heights measured for the case, so its proportions are the patient's; everything else is
standard, and the page says so. The volume then goes through the same meshing as a mask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kypho.domain.levels import Level, Region

Floats = NDArray[np.float64]
VOXEL_MM = 1.0
DISC_MM = 8.0
# (depth, width, height) mm of a standard body per region (project convention).
STANDARD_BODY_MM = {
    Region.CERVICAL: (16.0, 22.0, 14.0),
    Region.THORACIC: (28.0, 36.0, 22.0),
    Region.LUMBAR: (34.0, 46.0, 27.0),
}
STATION_FRACTION = 0.35  # stations at +-35 % of depth from the middle: 15 and 85 % of it


@dataclass(frozen=True, slots=True, kw_only=True)
class StandardSegment:
    labels: NDArray[np.uint8]
    affine: Floats
    structures: dict[int, str]  # label -> level, cranial first


def standard_size_mm(level: Level) -> tuple[float, float, float]:
    """(depth, width, height) of the standard body of ``level``'s region (mm)."""
    return STANDARD_BODY_MM.get(level.region, STANDARD_BODY_MM[Region.LUMBAR])


def _profile(u: Floats, depth: float, heights: tuple[float, float, float]) -> Floats:
    s = STATION_FRACTION * depth
    a, m, p = heights
    lin = p + (a - p) * (u + s) / (2 * s)
    dip = (a + p) / 2 - m
    return np.asarray(lin - dip * np.where(np.abs(u) < s, np.cos(np.pi / 2 * u / s) ** 2, 0.0))


def _inside(q: Floats, depth: float, width: float, heights: tuple[float, float, float]) -> Any:
    u, v, w = q[..., 0], q[..., 1], q[..., 2]
    hd, hw = depth / 2, width / 2
    body = ((u / hd) ** 2 + (v / hw) ** 2 <= 1) & (np.abs(w) <= _profile(u, depth, heights) / 2)
    back, arch = -hd - 0.35 * depth, 0.35 * heights[2]
    pedicle = (u < -hd + 4) & (u >= back) & (np.abs(np.abs(v) - (hw - 8)) < 4) & (np.abs(w) < arch)
    lamina = (u < back) & (u >= back - 6) & (np.abs(v) < hw - 6) & (np.abs(w) < arch)
    spinous = (u < back - 6) & (u >= back - 0.9 * depth) & (np.abs(v) < 3) & (np.abs(w) < arch)
    return body | pedicle | lamina | spinous


def standard_segment(level: Level, heights_mm: tuple[float, float, float]) -> StandardSegment:
    """``level`` with ``heights_mm`` (anterior, middle, posterior), standard neighbours.

    RAS+ grid at 1 mm: anterior is +y, superior +z, the patient's left -x.
    """
    depth, width, height = standard_size_mm(level)
    order = [n for n in (level.neighbour(-1), level, level.neighbour(1)) if n is not None]
    stack = [(n, heights_mm if n is level else (height, height, height)) for n in order]
    tall = [max(h) for _, h in stack]
    extent_z = sum(tall) + DISC_MM * (len(stack) - 1) + 8
    extent_y = depth + 0.35 * depth + 0.9 * depth + 8 + 8
    shape = (int(width + 12), int(extent_y), int(extent_z))
    origin = np.array([-width / 2 - 6, -(0.35 + 0.9 + 0.5) * depth - 6, -extent_z / 2])
    grid = np.stack(np.meshgrid(*(np.arange(n) for n in shape), indexing="ij"), axis=-1)
    mm = grid * VOXEL_MM + origin
    labels = np.zeros(shape, dtype=np.uint8)
    top = extent_z / 2 - 4
    for k, ((_, h), t) in enumerate(zip(stack, tall, strict=True), start=1):
        centre_z = top - t / 2
        top = centre_z - t / 2 - DISC_MM
        local = np.stack([mm[..., 1], -mm[..., 0], mm[..., 2] - centre_z], axis=-1)
        labels[_inside(local, depth, width, h)] = k
    affine = np.diag([VOXEL_MM, VOXEL_MM, VOXEL_MM, 1.0])
    affine[:3, 3] = origin
    return StandardSegment(
        labels=labels, affine=affine, structures={k: str(n) for k, (n, _) in enumerate(stack, 1)}
    )
