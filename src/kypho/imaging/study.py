"""Measure one study from files: composition at the edge, one call per input.

A bad level becomes a ``POOR`` quality flag on that level; only problems with the whole
input (not NIfTI, wrong dimensions, empty mask, unknown layout...) raise.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from kypho.errors import ImageGeometryError, InvalidInput
from kypho.imaging.layouts import Layout, detect_layout
from kypho.imaging.nifti import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_VOXELS, LabelImage, load_labels
from kypho.imaging.volume import measure_pairs, measure_volume
from kypho.morphometry.structures import normalise_structure
from kypho.morphometry.types import DEFAULT_STATIONS, SpineMeasurement, Stations
from kypho.morphometry.voxels import LabelIndex, VertebraVoxels, VolumeGeometry


def _folder_voxels(
    folder: Path, *, max_voxels: int, max_file_bytes: int
) -> Iterator[tuple[VertebraVoxels, VolumeGeometry]]:
    files = sorted(folder.glob("vertebrae_*.nii*"))
    if not files:
        raise InvalidInput(
            f"{folder}: expected TotalSegmentator files vertebrae_<LEVEL>.nii.gz, found none"
        )
    for file in files:
        name = normalise_structure(file.name.split(".")[0])
        if name is None:
            continue
        image = load_labels(file, max_voxels=max_voxels, max_file_bytes=max_file_bytes)
        found = LabelIndex(image.labels, wanted=(1,)).voxels(1, name)
        if found is not None:
            yield found, image.geometry


def _body_mask(
    body_path: Path, image: LabelImage, *, max_voxels: int, max_file_bytes: int
) -> NDArray[np.bool_]:
    body = load_labels(body_path, max_voxels=max_voxels, max_file_bytes=max_file_bytes)
    if body.labels.shape != image.labels.shape or not np.allclose(
        body.geometry.affine, image.geometry.affine, atol=1e-3
    ):
        raise ImageGeometryError(
            f"{body_path}: expected the grid of {image.path} {image.labels.shape}, "
            f"found {body.labels.shape}"
        )
    return np.asarray(body.labels == 1)


def measure_study(
    path: Path,
    *,
    layout: Layout | None = None,
    body_path: Path | None = None,
    max_voxels: int = DEFAULT_MAX_VOXELS,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_slice_thickness_mm: float = 3.0,
    image: LabelImage | None = None,
    stations: Stations = DEFAULT_STATIONS,
) -> SpineMeasurement:
    """Measure every vertebra in a NIfTI label volume (or TotalSegmentator folder).

    Parameters
    ----------
    path
        A label volume, or a folder of ``vertebrae_<LEVEL>.nii.gz`` files.
    layout
        Force a layout; ``None`` detects it.
    body_path
        A TotalSegmentator ``vertebrae_body`` mask (1 = bodies) on the same grid.
    max_voxels, max_file_bytes, max_slice_thickness_mm
        Limits; see ``load_labels`` and ``measure_vertebra``.
    image
        ``path`` already loaded (by ``load_labels``), so a caller that also draws the
        labels reads the file once.
    stations
        Where the heights are read (``Stations``): at the walls (six-point) or at
        15/50/85 % of depth; ``DEFAULT_STATIONS`` unless the caller says.
    """
    if path.is_dir() or layout is Layout.TOTAL_FILES:
        pairs = list(_folder_voxels(path, max_voxels=max_voxels, max_file_bytes=max_file_bytes))
        return measure_pairs(
            path,
            pairs,
            layout=Layout.TOTAL_FILES,
            max_slice_thickness_mm=max_slice_thickness_mm,
            stations=stations,
        )
    image = image or load_labels(path, max_voxels=max_voxels, max_file_bytes=max_file_bytes)
    if layout is None:
        top = int(image.labels.max())
        layout = detect_layout(path, max_label=top, header_names=image.header_names)
    body = None
    if body_path is not None:
        body = _body_mask(body_path, image, max_voxels=max_voxels, max_file_bytes=max_file_bytes)
    return measure_volume(
        path,
        image.labels,
        image.geometry,
        layout=layout,
        header_names=image.header_names,
        body=body,
        max_slice_thickness_mm=max_slice_thickness_mm,
        stations=stations,
    )
