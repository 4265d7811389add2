"""A study's CT, in HU, on its mask's grid: the seam where density gets its image.

A CT is a NIfTI file in the mask's space (same shape and affine; TotalSegmentator's own
input), or a DICOM CT series folder (``interop.dicom.series``: geometry checked from the
headers before any pixel is decoded), whose voxels must be the mask's, with axes
possibly permuted or flipped (as dcm2niix writes them; ``interop.dicom.labels``), never
resampled. Either way: HU as float32 on the mask's grid. Every refusal is
``InvalidInput`` (or ``ImageGeometryError``) naming the file or folder, expected and found.
"""

from __future__ import annotations

import math
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kypho.errors import ImageGeometryError, InvalidInput
from kypho.morphometry.voxels import VolumeGeometry

GRID_TOLERANCE_MM = 1e-3  # as kypho.imaging.study's body-mask check


def load_ct(
    path: Path, *, grid: VolumeGeometry, max_voxels: int, max_file_bytes: int
) -> NDArray[np.float32]:
    """The CT at ``path`` in HU (scl_slope/scl_inter applied), checked to lie on ``grid``."""
    if path.is_dir():
        return _dicom_ct(path, grid, max_voxels, max_file_bytes)
    if not path.is_file():
        raise InvalidInput(f"{path}: expected a NIfTI CT file, found no such file")
    if path.stat().st_size > max_file_bytes:
        raise ImageGeometryError(
            f"{path}: the CT is {path.stat().st_size:,} bytes, above the limit of "
            f"{max_file_bytes:,}"
        )
    import nibabel as nib

    try:
        image: Any = nib.load(path)
        _check_grid(path, image.shape, np.asarray(image.affine), grid, max_voxels, max_file_bytes)
        data = np.asarray(image.dataobj, dtype=np.float32)
    except (OSError, EOFError, zlib.error, ValueError, nib.filebasedimages.ImageFileError) as err:
        if isinstance(err, InvalidInput):
            raise
        raise InvalidInput(
            f"{path}: expected a readable NIfTI CT, found {type(err).__name__}: {err}"
        ) from err
    return data.reshape(grid.shape)


def _dicom_ct(
    folder: Path, grid: VolumeGeometry, max_voxels: int, max_file_bytes: int
) -> NDArray[np.float32]:
    """The DICOM CT series in ``folder`` in HU, re-indexed onto ``grid`` (exact voxels)."""
    from kypho.interop.dicom.labels import onto_grid
    from kypho.interop.dicom.series import read_hu, read_series

    series = read_series(folder, pixels=False)
    _check_size(folder, series.geometry.shape, max_voxels, max_file_bytes)
    if sorted(series.geometry.shape) != sorted(grid.shape):
        raise ImageGeometryError(
            f"{folder}: expected a CT series on the mask's grid, shape {grid.shape} (axes "
            f"in any order), found shape {series.geometry.shape}"
        )
    hu = read_hu(series).hu
    if hu is None:  # read_hu decodes every slice or raises
        raise InvalidInput(f"{folder}: expected decodable CT pixel data, found none")
    on_grid = onto_grid(folder, hu, series.geometry.affine, grid)
    return on_grid.astype(np.float32, copy=False)


def _check_size(path: Path, dims: tuple[int, ...], max_voxels: int, max_file_bytes: int) -> None:
    voxels = math.prod(dims)
    if voxels > max_voxels or voxels * 4 > max_file_bytes:
        raise ImageGeometryError(
            f"{path}: the CT has {voxels:,} voxels {dims}, above the limits "
            f"({max_voxels:,} voxels, {max_file_bytes:,} bytes as float32)"
        )


def _check_grid(
    path: Path,
    shape: tuple[int, ...],
    affine: NDArray[np.float64],
    grid: VolumeGeometry,
    max_voxels: int,
    max_file_bytes: int,
) -> None:
    dims = tuple(int(n) for n in shape)
    if len(dims) == 4 and dims[3] == 1:
        dims = dims[:3]
    _check_size(path, dims, max_voxels, max_file_bytes)
    if dims != grid.shape:
        raise ImageGeometryError(
            f"{path}: expected a CT on the mask's grid, shape {grid.shape}, found shape {dims}"
        )
    if not np.allclose(affine, grid.affine, atol=GRID_TOLERANCE_MM):
        worst = float(np.abs(affine - grid.affine).max())
        raise ImageGeometryError(
            f"{path}: expected the mask's affine (within {GRID_TOLERANCE_MM} mm), found one "
            f"that differs by up to {worst:.3g} mm; resample the CT to the mask first"
        )
