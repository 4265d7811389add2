"""A NIfTI segmentation put onto a CT series' grid: exact grids only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from kypho_dicom_support import EXAMPLE_SEG_NIFTI, example_series, phantom_series

from kypho.errors import ImageGeometryError
from kypho.imaging.nifti import load_labels
from kypho.interop.dicom.labels import onto_grid
from kypho.interop.dicom.series import read_series
from phantoms import TOTAL_IDS, normal, reorient, spine


@pytest.fixture(scope="module")
def phantom_ct(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    phantom = spine(
        [normal("L1", 25.0), normal("L2", 26.0)], spacing_mm=(1.0, 1.0, 2.0), label_ids=TOTAL_IDS
    )
    ct = read_series(phantom_series(phantom.labels, phantom.affine, tmp_path_factory.mktemp("c")))
    return phantom, ct


@pytest.mark.parametrize(
    ("order", "flips"), [((0, 1, 2), (False, False, False)), ((2, 0, 1), (True, False, True))]
)
def test_permuted_and_flipped_labels_land_on_the_same_voxels(
    phantom_ct: tuple[Any, Any], order: tuple[int, int, int], flips: tuple[bool, ...]
) -> None:
    phantom, ct = phantom_ct
    stored = reorient(phantom, order=order, flips=flips)
    grid = onto_grid("labels", stored.labels, stored.affine, ct.geometry)
    assert ct.hu is not None
    assert np.array_equal(grid > 0, ct.hu > 200)


def test_a_shifted_or_rotated_grid_is_refused(phantom_ct: tuple[Any, Any]) -> None:
    phantom, ct = phantom_ct
    shifted = phantom.affine.copy()
    shifted[2, 3] += 1.0  # half a slice
    with pytest.raises(ImageGeometryError, match="starting at CT voxel"):
        onto_grid("labels.nii", phantom.labels, shifted, ct.geometry)
    turn = np.radians(10)
    rotated = phantom.affine.copy()
    rotated[:2, :2] = [[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]]
    with pytest.raises(ImageGeometryError, match="labels.nii: expected the voxel grid of the CT"):
        onto_grid("labels.nii", phantom.labels, rotated, ct.geometry)


def test_the_shared_segmentation_lies_on_the_shared_series(tmp_path: Path) -> None:
    if not EXAMPLE_SEG_NIFTI.is_file():
        pytest.skip(f"shared segmentation absent: {EXAMPLE_SEG_NIFTI}")
    ct = read_series(example_series(tmp_path / "ct"))
    image = load_labels(EXAMPLE_SEG_NIFTI)
    grid = onto_grid(EXAMPLE_SEG_NIFTI, image.labels, image.geometry.affine, ct.geometry)
    assert ct.hu is not None
    # bone is bright, soft tissue is not: the labels sit on the anatomy they name
    for label in (32, 33):  # T12, T11
        assert float(ct.hu[grid == label].mean()) > 200
    assert 20 < float(ct.hu[grid == 5].mean()) < 150  # liver
    flipped = np.flip(grid, axis=1)
    assert float(ct.hu[flipped == 32].mean()) < 200  # rows the wrong way round: off the bone
