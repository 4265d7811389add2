"""Measure one study from files: composition at the edge, one call per input.

A bad level becomes a ``POOR`` quality flag on that level; only problems with the whole
input (not NIfTI, wrong dimensions, empty mask, unknown layout...) raise.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kypho.errors import ImageGeometryError, InvalidInput
from kypho.imaging.layouts import Layout, detect_layout, label_names
from kypho.imaging.nifti import DEFAULT_MAX_VOXELS, LabelImage, load_labels
from kypho.morphometry.body import measure_vertebra
from kypho.morphometry.spine import grade_spine
from kypho.morphometry.structures import normalise_structure
from kypho.morphometry.types import Issue, Quality, SpineMeasurement, VertebraMeasurement
from kypho.morphometry.voxels import LabelIndex, VertebraVoxels, VolumeGeometry

logger = logging.getLogger(__name__)
MASK_METHOD = "mask, endplate-normal frame, stations at 15/50/85 % of depth"


def _measure_safely(
    voxels: VertebraVoxels, geometry: VolumeGeometry, *, max_slice_thickness_mm: float
) -> VertebraMeasurement:
    try:
        return measure_vertebra(voxels, geometry, max_slice_thickness_mm=max_slice_thickness_mm)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as err:
        logger.warning("%s: could not be measured: %s", voxels.structure, err)
        issue = Issue(quality=Quality.POOR, reason=f"could not be measured: {err}")
        return VertebraMeasurement(structure=voxels.structure, issues=(issue,))


def _folder_voxels(
    folder: Path, *, max_voxels: int
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
        image = load_labels(file, max_voxels=max_voxels)
        found = LabelIndex(image.labels, wanted=(1,)).voxels(1, name)
        if found is not None:
            yield found, image.geometry


def _body_mask(body_path: Path, image: LabelImage, *, max_voxels: int) -> np.ndarray:
    body = load_labels(body_path, max_voxels=max_voxels)
    if body.labels.shape != image.labels.shape or not np.allclose(
        body.geometry.affine, image.geometry.affine, atol=1e-3
    ):
        raise ImageGeometryError(
            f"{body_path}: expected the grid of {image.path} {image.labels.shape}, "
            f"found {body.labels.shape}"
        )
    return np.asarray(body.labels == 1)


def _volume_voxels(
    image: LabelImage, layout: Layout, body: np.ndarray | None
) -> list[VertebraVoxels]:
    names = label_names(layout, image.header_names)
    index = LabelIndex(image.labels, wanted=names)
    found = [index.voxels(k, v, body=body) for k, v in sorted(names.items())]
    kept = [v for v in found if v is not None]
    if not kept:
        raise InvalidInput(
            f"{image.path}: expected vertebra labels of layout {layout.value}, found labels "
            f"{list(index.present)[:20]}; try --layout"
        )
    return kept


def measure_study(
    path: Path,
    *,
    layout: Layout | None = None,
    body_path: Path | None = None,
    max_voxels: int = DEFAULT_MAX_VOXELS,
    max_slice_thickness_mm: float = 3.0,
    image: LabelImage | None = None,
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
    max_voxels, max_slice_thickness_mm
        Limits; see ``load_labels`` and ``measure_vertebra``.
    image
        ``path`` already loaded (by ``load_labels``), so a caller that also draws the
        labels reads the file once.
    """
    pairs: list[tuple[VertebraVoxels, VolumeGeometry]]
    if path.is_dir() or layout is Layout.TOTAL_FILES:
        pairs = list(_folder_voxels(path, max_voxels=max_voxels))
        layout = Layout.TOTAL_FILES
    else:
        image = image or load_labels(path, max_voxels=max_voxels)
        top = int(image.labels.max())
        layout = layout or detect_layout(path, max_label=top, header_names=image.header_names)
        body = None if body_path is None else _body_mask(body_path, image, max_voxels=max_voxels)
        pairs = [(v, image.geometry) for v in _volume_voxels(image, layout, body)]
    if not pairs:
        raise InvalidInput(f"{path}: expected at least one vertebra, found an empty mask")
    measured = [
        _measure_safely(v, g, max_slice_thickness_mm=max_slice_thickness_mm) for v, g in pairs
    ]
    spine = grade_spine(measured, method=MASK_METHOD, layout=layout.value)
    spacing = pairs[0][1].spacing_mm
    return SpineMeasurement(
        levels=spine.levels, method=spine.method, layout=spine.layout, voxel_size_mm=spacing
    )
