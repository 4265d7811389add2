"""Reading NIfTI labels: nothing global changed, limits checked before the data is read."""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import matplotlib
import nibabel as nib
import numpy as np
import pytest

from kypho.errors import ImageGeometryError, InvalidInput
from kypho.imaging.nifti import load_labels
from kypho.imaging.render import render_png
from kypho.workflows.measure import measure_labels
from phantoms import TOTAL_IDS, normal, spine


def _cube(path: Path, header_class=nib.Nifti1Image, dtype=np.uint8) -> Path:
    data = np.zeros((8, 8, 8), dtype)
    data[2:6, 2:6, 2:6] = 31
    nib.save(header_class(data, np.diag([0.8, 0.8, 1.5, 1.0])), path)
    return path


def test_a_header_nibabel_would_fix_loads_without_touching_its_global_logger(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _cube(tmp_path / "qfac.nii")
    raw = bytearray(path.read_bytes())
    raw[76:80] = struct.pack("<f", 0.0)  # pixdim[0] (qfac) 0: nibabel fixes it to 1 and logs
    path.write_bytes(bytes(raw))
    logger = nib.imageglobals.logger
    before = (logger.level, logger.disabled, list(logger.handlers), list(logger.filters))
    with caplog.at_level(logging.DEBUG):
        image = load_labels(path)
    assert (logger.level, logger.disabled, list(logger.handlers), list(logger.filters)) == before
    assert not [r for r in caplog.records if r.name.startswith("nibabel")]
    assert image.geometry.spacing_mm == pytest.approx((0.8, 0.8, 1.5))
    assert int(image.labels.max()) == 31
    with caplog.at_level(logging.DEBUG):
        nib.load(path)  # nibabel's own load reports the fix through its global logger
    assert "setting qfac to 1" in caplog.text


def test_nifti_2_is_read(tmp_path: Path) -> None:
    image = load_labels(_cube(tmp_path / "two.nii", header_class=nib.Nifti2Image))
    assert image.labels.shape == (8, 8, 8) and image.geometry.shape == (8, 8, 8)


def test_a_nifti_pair_header_is_refused(tmp_path: Path) -> None:
    path = _cube(tmp_path / "pair.nii")
    raw = bytearray(path.read_bytes())
    raw[344:348] = b"ni1\x00"  # the magic of a .hdr/.img pair
    path.write_bytes(bytes(raw))
    with pytest.raises(InvalidInput, match="single-file NIfTI image, found magic b'ni1"):
        load_labels(path)


@pytest.mark.parametrize("content", [b"", b"ab", b"not an image at all" * 30])
def test_what_is_not_nifti_is_refused_naming_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.nii"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match="x.nii: expected a NIfTI image"):
        load_labels(path)


def test_file_bytes_limit_checks_the_file_and_what_its_header_declares(tmp_path: Path) -> None:
    path = _cube(tmp_path / "cube.nii.gz", dtype=np.int32)  # 352 + 8**3 * 4 = 2400 bytes
    on_disk = path.stat().st_size
    assert on_disk < 2400
    load_labels(path, max_file_bytes=2400)
    with pytest.raises(ImageGeometryError, match="declares 2,400 bytes"):
        load_labels(path, max_file_bytes=2399)
    with pytest.raises(ImageGeometryError, match=f"is {on_disk:,} bytes"):
        load_labels(path, max_file_bytes=on_disk - 1)


def test_render_returns_png_bytes_and_leaves_matplotlib_alone() -> None:
    ph = spine([normal("L1", 26.0), normal("L2", 27.0)], label_ids=TOTAL_IDS)
    measured = measure_labels(ph.labels, affine=ph.affine)
    backend = matplotlib.get_backend()
    from kypho.morphometry.voxels import VolumeGeometry

    geometry = VolumeGeometry(affine=ph.affine, shape=ph.labels.shape)
    with_labels = render_png(measured, labels=ph.labels, geometry=geometry)
    bare = render_png(measured)
    assert with_labels[:8] == bare[:8] == b"\x89PNG\r\n\x1a\n"
    assert with_labels != bare  # the sagittal plane is drawn under the heights
    assert matplotlib.get_backend() == backend
