"""Per-vertebra voxel sets from a label volume, in one pass over the volume.

``scipy.ndimage.find_objects`` on a C-ordered integer view gives every label's bounding
box in a single pass; everything after works on small crops. NIfTI arrays arrive in
Fortran order, so they are transposed (a free view) before the pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

IntArray = NDArray[np.integer]


@dataclass(frozen=True, slots=True, kw_only=True)
class VolumeGeometry:
    """Where voxels lie: ``affine`` maps (i, j, k, 1) to RAS+ mm; ``shape`` is (i, j, k)."""

    affine: NDArray[np.float64]
    shape: tuple[int, int, int]

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        i, j, k = (float(x) for x in np.linalg.norm(self.affine[:3, :3], axis=0))
        return i, j, k

    @property
    def voxel_volume_mm3(self) -> float:
        return float(abs(np.linalg.det(self.affine[:3, :3])))

    def extent_along_mm(self, direction: NDArray[np.float64]) -> float:
        """Length of one voxel projected on a unit ``direction`` (mm)."""
        return float(np.abs(direction @ self.affine[:3, :3]).sum())

    def resolution_along_mm(self, direction: NDArray[np.float64]) -> float:
        """Sampling distance along a unit ``direction``: slice thickness for the slice axis."""
        return float(np.linalg.norm(direction @ self.affine[:3, :3]))

    def to_mm(self, indices: NDArray[np.intp]) -> NDArray[np.float64]:
        """(N, 3) voxel indices to (N, 3) RAS+ mm."""
        return np.asarray(indices, dtype=np.float64) @ self.affine[:3, :3].T + self.affine[:3, 3]


@dataclass(frozen=True, slots=True, kw_only=True)
class VertebraVoxels:
    """The voxels of one vertebra; ``body_only`` when posterior elements are excluded."""

    structure: str
    indices: NDArray[np.intp]  # (N, 3) voxel indices (i, j, k) in the source volume
    body_only: bool = False


class LabelIndex:
    """Bounding boxes of every label, from one ``find_objects`` pass over the volume."""

    def __init__(self, labels: IntArray) -> None:
        fortran = labels.flags.f_contiguous and not labels.flags.c_contiguous
        self._transposed = bool(fortran)
        self._view = labels.T if fortran else labels
        self._boxes = ndimage.find_objects(self._view) if labels.size else []

    @property
    def present(self) -> tuple[int, ...]:
        """Labels > 0 that occur in the volume."""
        return tuple(i + 1 for i, box in enumerate(self._boxes) if box is not None)

    def voxels(
        self, label: int, structure: str, *, body: NDArray[np.bool_] | None = None
    ) -> VertebraVoxels | None:
        """The voxels of ``label`` (intersected with ``body`` when given), or ``None``."""
        box = self._boxes[label - 1] if 0 < label <= len(self._boxes) else None
        if box is None:
            return None
        crop = self._view[box] == label
        if body is not None:
            crop &= (body.T if self._transposed else body)[box]
        idx = np.stack(np.nonzero(crop), axis=1) + np.array([s.start for s in box])
        if self._transposed:
            idx = idx[:, ::-1]
        return VertebraVoxels(
            structure=structure, indices=idx.astype(np.intp), body_only=body is not None
        )


def vertebra_voxels(
    labels: IntArray,
    names: Mapping[int, str],
    *,
    body: NDArray[np.bool_] | None = None,
) -> tuple[VertebraVoxels, ...]:
    """Voxel indices of each named label; ``body`` (same shape) keeps vertebral bodies only.

    ``labels`` must hold integers; levels are looked up by ``names`` (label -> structure),
    never by bare number. Labels absent from the volume are skipped.
    """
    index = LabelIndex(labels)
    found = (index.voxels(label, name, body=body) for label, name in sorted(names.items()))
    return tuple(v for v in found if v is not None)
