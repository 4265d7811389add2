"""Put a label volume given on its own grid (a NIfTI file) onto a CT series' grid.

Only exact grids are accepted: the same voxel centres, with axes possibly permuted or
flipped (as dcm2niix flips the rows of a DICOM series). Anything else would need
resampling, which would move the surfaces the heights are measured between; it is
refused, naming the file and what differs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from kypho.errors import ImageGeometryError
from kypho.morphometry.voxels import VolumeGeometry

GRID_TOLERANCE_VOXELS = 1e-3  # voxel centres this close coincide (project convention)


def _axis_map(where: object, transform: NDArray[np.float64]) -> list[tuple[int, int]]:
    """(target axis, sign) for each source axis, when ``transform`` permutes and flips."""
    found = []
    for a in range(3):
        column = transform[:3, a]
        b = int(np.argmax(np.abs(column)))
        expected = np.zeros(3)
        expected[b] = np.sign(column[b])
        if np.abs(column - expected).max() > GRID_TOLERANCE_VOXELS:
            raise ImageGeometryError(
                f"{where}: expected the voxel grid of the CT (same voxel centres; axes may be "
                f"permuted or flipped), found voxel axis {a} at {np.round(column, 4).tolist()} "
                "CT voxels (resample the segmentation onto the CT first)"
            )
        found.append((b, int(expected[b])))
    if len({b for b, _ in found}) != 3:
        raise ImageGeometryError(f"{where}: expected 3 distinct axes, found {found}")
    return found


def onto_grid(
    where: object, labels: NDArray[Any], affine: NDArray[np.float64], target: VolumeGeometry
) -> NDArray[Any]:
    """``labels`` (voxel-to-RAS ``affine``) re-indexed onto ``target``'s voxels."""
    inverse = np.asarray(np.linalg.inv(target.affine), dtype=np.float64)
    transform = inverse @ np.asarray(affine, dtype=np.float64)
    axes = _axis_map(where, transform)
    data = labels
    for a, (_, sign) in enumerate(axes):
        if sign < 0:
            data = np.flip(data, axis=a)
    order = [0, 0, 0]
    for a, (b, _) in enumerate(axes):
        order[b] = a
    data = np.transpose(data, order)
    # voxel 0 of the re-indexed array sits where the source's flipped corner maps
    corner = np.array([labels.shape[a] - 1 if s < 0 else 0 for a, (_, s) in enumerate(axes)])
    start = transform[:3, :3] @ corner + transform[:3, 3]
    if (
        np.abs(start - np.rint(start)).max() > GRID_TOLERANCE_VOXELS
        or np.any(np.rint(start) != 0)
        or data.shape != target.shape
    ):
        raise ImageGeometryError(
            f"{where}: expected the CT's grid {target.shape} starting at its first voxel, "
            f"found shape {data.shape} starting at CT voxel {np.round(start, 3).tolist()}"
        )
    return np.ascontiguousarray(data)
