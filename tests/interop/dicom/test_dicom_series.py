"""Reading CT series: the shared JPEG 2000 example, and synthetic series for each refusal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from kypho_dicom_support import (
    EXAMPLE_SEG_NIFTI,
    example_series,
    synthetic_slice,
    write_series,
    z_stack,
)

from kypho.errors import InvalidInput
from kypho.imaging.nifti import load_labels
from kypho.interop.dicom.series import read_series


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example_series(tmp_path_factory.mktemp("example") / "ct")


def test_example_series_decodes_jpeg2000_and_gets_dcm2niix_geometry(example: Path) -> None:
    ct = read_series(example)
    assert ct.geometry.shape == (512, 512, 20)
    assert ct.hu is not None and ct.hu.dtype == np.int16
    assert ct.hu.shape == (512, 512, 20)
    # Rescale Intercept -1024 on stored values from 0: air outside the field of view
    assert int(ct.hu.min()) == -1024
    assert ct.geometry.spacing_mm == pytest.approx((0.9765625, 0.9765625, 2.0))
    # TotalSegmentator's NIfTI of this series (converted by dcm2niix, another program):
    # every voxel centre of it is a voxel centre of ours, rows flipped.
    if not EXAMPLE_SEG_NIFTI.is_file():
        pytest.skip(f"shared segmentation absent: {EXAMPLE_SEG_NIFTI}")
    theirs = load_labels(EXAMPLE_SEG_NIFTI).geometry.affine
    flip = np.array([[1, 0, 0, 0], [0, -1, 0, 511], [0, 0, 1, 0], [0, 0, 0, 1]], float)
    assert np.allclose(ct.geometry.affine @ flip, theirs, atol=1e-4)


def test_slices_are_ordered_by_position_not_by_file_name(tmp_path: Path) -> None:
    folder = write_series(tmp_path / "ct", z_stack([0.0, 2.5, 5.0, 7.5]))
    ct = read_series(folder)
    z = [float(h.ImagePositionPatient[2]) for h in ct.headers]
    assert z == [0.0, 2.5, 5.0, 7.5]
    assert ct.geometry.affine[2, 2] == pytest.approx(2.5)
    assert ct.hu is not None and np.all(ct.hu == 0)  # stored 1000, intercept -1000


def test_lps_orientation_becomes_ras_affine(tmp_path: Path) -> None:
    # Sagittal slices: rows along LPS +y (posterior), columns along -z (down); slices
    # stacked along +x (patient's left), 1.5 mm apart.
    iop = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
    slices = [
        synthetic_slice(position=(10.0 + 1.5 * n, -20.0, 30.0), orientation=iop, number=n + 1)
        for n in range(3)
    ]
    ct = read_series(write_series(tmp_path / "ct", slices))
    # voxel (i=1, j=2, k=1): LPS (11.5, -20 + 1, 30 - 2) -> RAS (-11.5, 19, 28)
    ras = ct.geometry.to_mm(np.array([[1, 2, 1]]))[0]
    assert ras == pytest.approx([-11.5, 19.0, 28.0])


def _refusal(folder: Path) -> str:
    with pytest.raises(InvalidInput) as caught:
        read_series(folder)
    return str(caught.value)


def test_missing_slice_named_with_file_and_tag(tmp_path: Path) -> None:
    folder = write_series(tmp_path / "ct", z_stack([0.0, 2.0, 4.0, 8.0, 10.0]))
    message = _refusal(folder)
    assert "ImagePositionPatient (0020,0032)" in message
    # files are written highest first: s001 is z = 8 mm, s002 is z = 4 mm
    assert "1 missing slice(s)" in message and "s001.dcm" in message and "s002.dcm" in message


def test_uneven_spacing_refused(tmp_path: Path) -> None:
    message = _refusal(write_series(tmp_path / "ct", z_stack([0.0, 2.0, 4.0, 6.5, 8.5, 10.5])))
    assert "uneven spacing" in message and "(0020,0032)" in message


def test_spacing_just_inside_the_tolerance_is_read(tmp_path: Path) -> None:
    # 1 % of 2 mm is 0.02 mm: a gap of 2.019 mm passes, 2.021 mm does not
    read_series(write_series(tmp_path / "in", z_stack([0.0, 2.0, 4.0, 6.019, 8.019])))
    message = _refusal(write_series(tmp_path / "out", z_stack([0.0, 2.0, 4.0, 6.021, 8.021])))
    assert "uneven spacing" in message


def test_duplicate_slice_refused(tmp_path: Path) -> None:
    message = _refusal(write_series(tmp_path / "ct", z_stack([0.0, 2.0, 2.0, 4.0])))
    assert "duplicate slice" in message and "(0020,0032)" in message


def test_sheared_positions_refused_as_gantry_tilt(tmp_path: Path) -> None:
    # each slice 0.2 mm further back per 2 mm up: 5.7 deg off the normal
    slices = [synthetic_slice(position=(0.0, 0.2 * n, 2.0 * n), number=n + 1) for n in range(4)]
    message = _refusal(write_series(tmp_path / "ct", slices))
    assert "gantry tilt" in message and "(0020,0032)" in message


def test_gantry_tilt_tag_refused(tmp_path: Path) -> None:
    slices = z_stack([0.0, 2.0, 4.0])
    slices[1].GantryDetectorTilt = 12.0
    message = _refusal(write_series(tmp_path / "ct", slices))
    assert "Gantry/Detector Tilt (0018,1120)" in message and "12.0" in message


def test_several_series_in_one_folder_refused(tmp_path: Path) -> None:
    slices = z_stack([0.0, 2.0]) + z_stack([4.0], series_uid="2.25.99")
    message = _refusal(write_series(tmp_path / "ct", slices))
    assert "SeriesInstanceUID (0020,000E)" in message and "several series" in message


def test_several_orientations_refused(tmp_path: Path) -> None:
    slices = z_stack([0.0, 2.0, 4.0])
    slices[2].ImageOrientationPatient = [1, 0, 0, 0, 0.8, -0.6]
    message = _refusal(write_series(tmp_path / "ct", slices))
    assert "ImageOrientationPatient (0020,0037)" in message


def test_non_ct_refused(tmp_path: Path) -> None:
    message = _refusal(write_series(tmp_path / "mr", z_stack([0.0, 2.0], modality="MR")))
    assert "Modality (0008,0060): expected CT, found 'MR'" in message


def test_a_file_that_is_not_dicom_is_named(tmp_path: Path) -> None:
    folder = write_series(tmp_path / "ct", z_stack([0.0, 2.0]))
    (folder / "notes.txt").write_text("not an image")
    message = _refusal(folder)
    assert "notes.txt" in message and "expected a DICOM file" in message


def test_missing_position_tag_named(tmp_path: Path) -> None:
    slices = z_stack([0.0, 2.0])
    del slices[0].ImagePositionPatient
    message = _refusal(write_series(tmp_path / "ct", slices))
    assert "ImagePositionPatient (0020,0032): expected a value, found none" in message


def test_one_slice_or_no_folder_refused(tmp_path: Path) -> None:
    assert "at least 2" in _refusal(write_series(tmp_path / "one", z_stack([0.0])))
    assert "expected a folder" in _refusal(tmp_path / "absent")


def test_hu_follow_the_rescale_exactly_never_clipped(tmp_path: Path) -> None:
    slices = z_stack([0.0, 2.0])
    slices[0].PixelData = np.full((8, 8), 40000, dtype=np.uint16).tobytes()  # 39000 HU
    slices[1].RescaleSlope = 0.5  # 1000 * 0.5 - 1000 = -500 HU
    ct = read_series(write_series(tmp_path / "ct", slices))
    assert ct.hu is not None and ct.hu.dtype == np.float32
    assert float(ct.hu[0, 0, 0]) == 39000.0 and float(ct.hu[0, 0, 1]) == -500.0


def test_twelve_bit_data_stay_int16(tmp_path: Path) -> None:
    slices = z_stack([0.0, 2.0])
    for ds in slices:
        ds.BitsStored, ds.HighBit = 12, 11
        ds.RescaleIntercept = -1024
        ds.PixelData = np.full((8, 8), 4095, dtype=np.uint16).tobytes()
    ct = read_series(write_series(tmp_path / "ct", slices))
    assert ct.hu is not None and ct.hu.dtype == np.int16 and int(ct.hu.max()) == 4095 - 1024
