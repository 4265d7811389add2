"""A small sagittal picture of one flagged level: CT in bone window (when given) and mask.

Drawn in the worker that screened the study (it holds the arrays) as an RGB array and
written as PNG by ``matplotlib.image.imsave`` (no figure, no pyplot: nothing global,
safe in threads, a few milliseconds where a matplotlib figure took about 100 ms).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kypho.morphometry.types import LevelMeasurement
from kypho.morphometry.voxels import VolumeGeometry

PIXEL_MM = 0.5
HALF_BOX_MM = 35.0  # the level and a part of each neighbour
BONE_WINDOW_HU = (400.0, 1800.0)  # level, width: a common bone window (project convention)
OUTLINE_RGB, LINE_RGB = (1.0, 0.5, 0.0), (0.9, 0.0, 0.0)


def _plane(
    volume: NDArray[Any], geometry: VolumeGeometry, *, x_mm: float, box_mm: tuple[float, ...]
) -> NDArray[Any]:
    """Values on the plane x = ``x_mm`` over (y0, y1, z0, z1), rows superior first."""
    y0, y1, z0, z1 = box_mm
    yy, zz = np.meshgrid(np.arange(y0, y1, PIXEL_MM), np.arange(z1, z0, -PIXEL_MM))
    world = np.stack([np.full(yy.size, x_mm), yy.ravel(), zz.ravel()], axis=1)
    inverse = np.linalg.inv(geometry.affine)
    ijk = np.rint(world @ inverse[:3, :3].T + inverse[:3, 3]).astype(np.intp)
    ok = ((ijk >= 0) & (ijk < np.asarray(geometry.shape))).all(axis=1)
    out = np.zeros(yy.size, dtype=volume.dtype)
    out[ok] = volume[ijk[ok, 0], ijk[ok, 1], ijk[ok, 2]]
    return out.reshape(yy.shape)


def _segment(
    rgb: NDArray[np.float32], a: NDArray[np.float64], b: NDArray[np.float64], box: tuple[float, ...]
) -> None:
    """Paint the line a-b (y, z in mm) red on ``rgb`` (rows superior first)."""
    y0, _, _, z1 = box
    for t in np.linspace(0.0, 1.0, 64):
        y, z = a + (b - a) * t
        row, col = int((z1 - z) / PIXEL_MM), int((y - y0) / PIXEL_MM)
        if 0 <= row < rgb.shape[0] and 0 <= col < rgb.shape[1]:
            rgb[row, col] = LINE_RGB


def _outline(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The mask's border pixels: in the mask with a 4-neighbour outside it."""
    inner = mask.copy()
    inner[1:, :] &= mask[:-1, :]
    inner[:-1, :] &= mask[1:, :]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    return mask & ~inner


def level_thumbnail(
    level: LevelMeasurement,
    *,
    labels: NDArray[np.integer],
    label: int,
    geometry: VolumeGeometry,
    ct_hu: NDArray[np.float32] | None,
) -> bytes | None:
    """PNG bytes of ``level`` (label value ``label``); None when it has no six points.

    Mid-sagittal through the level's points, anterior to the left as radiologists view
    it, 0.5 mm a pixel: the CT in a bone window (or the mask in grey), the label's
    outline in orange and the three measured heights in red.
    """
    import matplotlib.image

    six = level.vertebra.points
    if six is None:
        return None
    pts = np.array(
        [six.superior_anterior_mm, six.inferior_anterior_mm, six.superior_middle_mm]
        + [six.inferior_middle_mm, six.superior_posterior_mm, six.inferior_posterior_mm]
    )
    centre = pts.mean(axis=0)
    box = (
        float(centre[1] - HALF_BOX_MM),
        float(centre[1] + HALF_BOX_MM),
        float(centre[2] - HALF_BOX_MM),
        float(centre[2] + HALF_BOX_MM),
    )
    x_mm = float(np.median(pts[:, 0]))
    planes = _plane(labels, geometry, x_mm=x_mm, box_mm=box)
    mask = planes == label
    if ct_hu is not None:
        centre_hu, width_hu = BONE_WINDOW_HU
        grey = (_plane(ct_hu, geometry, x_mm=x_mm, box_mm=box) - centre_hu) / width_hu + 0.5
    else:
        grey = np.where(planes > 0, 0.6, 0.1)
    rgb = np.repeat(np.clip(grey, 0.0, 1.0).astype(np.float32)[:, :, None], 3, axis=2)
    rgb[_outline(mask)] = OUTLINE_RGB
    for k in range(0, 6, 2):
        _segment(rgb, pts[k, 1:], pts[k + 1, 1:], box)
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, rgb[:, ::-1], format="png")
    return buffer.getvalue()
